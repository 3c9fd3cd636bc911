import ESPCore
import Foundation
import IKECore
import IKECrypto
import IKEWire

/// Reads one `[tunnel.NAME]` table into `TunnelSettings`, applying defaults.
struct TunnelReader {
    let s: Section
    let name: String
    let folder: String

    init(_ s: Section, name: String, folder: String) {
        self.s = s
        self.name = name
        self.folder = folder
    }

    func read() -> TunnelSettings? {
        let before = s.reader.errors.count
        s.rejectUnknownKeys(ConfigLoader.tunnelKeys)
        if !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            s.reader.fail(s.path, "a tunnel name uses only letters, digits, '-' and '_'")
        }
        let local = s.address("local_address")
        if !s.has("local_address") { s.fail("local_address", "is required (our public address, e.g. \"192.0.2.1\")") }
        var remote: [UInt8]?
        if let r = s.string("remote_address") {
            if r != "%any" {
                do { remote = try Endpoint.address(parsing: r) } catch { s.fail("remote_address", "\(error); or %any to accept any peer") }
            }
        } else if !s.has("remote_address") {
            s.fail("remote_address", "is required (the peer's address, or %any for a responder that accepts any peer)")
        }
        let psk = readPSK()
        let profile = profile()
        let d = profile?.defaults ?? .iked
        let ike = proposals("ike_proposals", .ike, d.ikeProposals, profile)
        let esp = proposals("esp_proposals", .esp, d.espProposals, profile)
        let espAccepted = s.has("esp_proposals") ? nil : d.espAccepted.flatMap { proposals("esp_proposals", .esp, $0, profile) }
        let localTS = s.cidrs("local_ts") ?? [try! TrafficSelector(cidr: "0.0.0.0/0")]
        let remoteTS = s.cidrs("remote_ts") ?? [try! TrafficSelector(cidr: "0.0.0.0/0")]
        let ikeLife = s.duration("ike_lifetime", 300...7 * 86_400) ?? .seconds(d.ikeLifetime)
        let childLife = s.duration("child_lifetime", 60...2 * 86_400) ?? .seconds(d.childLifetime)
        let margin = s.duration("rekey_margin", 0...86_400) ?? .seconds(d.rekeyMargin)
        let fuzz = readFuzz() ?? Double(d.rekeyFuzz) / 100
        // The earliest rekey is at lifetime − margin × (1 + fuzz); keep it in the second half.
        if margin.inMilliseconds * (1 + fuzz) * 2 > childLife.inMilliseconds {
            s.fail("rekey_margin", "\(margin.components.seconds) s plus \(Int(fuzz * 100)) % rekey_fuzz is more than half the child_lifetime (\(childLife.components.seconds) s)")
        }
        let bytes = s.int("child_life_bytes", 0...Int.max) ?? d.childLifeBytes
        let localID = identity("local_id"), remoteID = identity("remote_id")
        let dpdDelay = s.duration("dpd_delay", 0...3600) ?? .seconds(d.dpdDelay)
        let dpdTimeout = s.duration("dpd_timeout", 9...3600) ?? d.dpdTimeout.map { .seconds($0) }
        let fragmentation = s.bool("fragmentation") ?? true
        let encap = s.bool("encap") ?? false
        let mode = connectionMode(profile)
        let respondsOnly = mode == .responderOnly || (s.has("remote_address") && remote == nil)
        // A default that initiates becomes its answering form on a tunnel that only answers.
        let startAction = s.choice("start_action", StartAction.self) ?? (respondsOnly && d.startAction == .start ? .add : d.startAction)
        let dpdAction = s.choice("dpd_action", DPDAction.self) ?? (respondsOnly && d.dpdAction == .restart ? .clear : d.dpdAction)
        let closeAction = s.choice("close_action", CloseAction.self) ?? .none
        if s.has("remote_address"), remote == nil {
            // A %any tunnel cannot initiate, so nothing that initiates may be asked of it.
            if startAction == .start { s.fail("start_action", "\"start\" needs a remote_address to initiate to, not %any") }
            if dpdAction == .restart { s.fail("dpd_action", "\"restart\" needs a remote_address to initiate to, not %any; use clear") }
            if closeAction == .restart { s.fail("close_action", "\"restart\" needs a remote_address to initiate to, not %any") }
        } else if mode == .responderOnly {
            let why = "connection_mode ResponderOnly never initiates"
            if startAction == .start { s.fail("start_action", "\"start\": \(why)") }
            if dpdAction == .restart { s.fail("dpd_action", "\"restart\": \(why); use clear") }
            if closeAction == .restart { s.fail("close_action", "\"restart\": \(why)") }
        }
        if let local, let remote, local.count != remote.count {
            s.fail("remote_address", "is \(remote.count == 4 ? "IPv4" : "IPv6") but local_address is \(local.count == 4 ? "IPv4" : "IPv6")")
        }
        let policyBasedTS = policyBasedSelectors(profile)
        let replayWindow = s.int("replay_window", 0...4096) ?? d.replayWindow
        let mtu = s.int("mtu", 576...9000)
        // With BGP the routes come from BIRD: none are installed unless written.
        let dynamic = s.table["bgp"]?.table != nil
        let settings = (interface: interfaceName(), mss: mssClamp(mtu: mtu, default: d.mssClamp), inside: insideAddresses(),
                        routes: dynamic && !s.has("routes") ? [] : routes(remoteTS))
        let bgp = BGPReader(s: s, profile: profile, insideAddresses: settings.inside, localTS: localTS, remoteTS: remoteTS,
                            remoteAddress: remote).read()
        profile?.check(ProfileInput(ikeLifetime: ikeLife, childLifetime: childLife, rekeyMargin: margin, childLifeBytes: bytes,
                                    replayWindow: replayWindow, dpdTimeout: dpdTimeout, startAction: startAction,
                                    ikeProposals: ike, espProposals: esp, psk: psk, insideAddresses: settings.inside), s)
        guard s.reader.errors.count == before, let local, let psk, let ike, let esp else { return nil }

        var c = TunnelConfig(name: name, local: Endpoint(address: local, port: 500),
                             remote: remote.map { Endpoint(address: $0, port: 500) },
                             localID: localID ?? addressID(local), remoteID: remoteID ?? remote.map(addressID),
                             psk: psk, ikeProposals: ike, espProposals: esp, localTS: localTS, remoteTS: remoteTS)
        c.ikeLifetime = Lifetime(time: ikeLife, margin: min(margin, ikeLife / 2), fuzz: fuzz)
        c.childLifetime = Lifetime(time: childLife, margin: margin, fuzz: fuzz, bytes: bytes.flatMap { $0 == 0 ? nil : UInt64($0) })
        c.dpdDelay = dpdDelay == .zero ? nil : dpdDelay
        c.dpdTimeout = dpdTimeout
        c.dpdAction = dpdAction
        c.fragmentation = fragmentation
        c.forceEncapsulation = encap
        c.espAccepted = espAccepted
        c.initiation = mode
        c.requireEveryPrefixPair = policyBasedTS
        var t = TunnelSettings(ike: c, startAction: startAction, closeAction: closeAction, replayWindow: replayWindow,
                               interface: settings.interface, mtu: mtu, mssClamp: settings.mss,
                               insideAddresses: settings.inside, routes: settings.routes, profile: profile)
        t.bgp = bgp
        return t
    }

    /// A proposal list, or the defaults. A 1024-bit group is warned of when the file names it,
    /// or when a default proposal offers nothing stronger (Azure's DH group 2).
    func proposals(_ k: String, _ proto: ProtocolID, _ defaults: [String], _ profile: CloudProfile?) -> [ProposalSpec]? {
        let explicit = s.strings(k)
        let texts = explicit ?? defaults
        var out: [ProposalSpec] = []
        var weak: [String] = []
        for (i, t) in texts.enumerated() {
            let key = texts.count == 1 ? k : "\(k)[\(i)]"
            if profile == .aws, explicit != nil {
                // Name the cloud's range, not just "not supported", for groups iked lacks (AWS's 5).
                let (limits, phase) = AWSProfile.limits(proto)
                let problems = limits.unimplementedGroupProblems(t, cloud: AWSProfile.cloud, phase: phase)
                if !problems.isEmpty { problems.forEach { s.fail(key, $0) }; return nil }
            }
            do { out.append(try ProposalParser.parse(t, for: proto)) } catch {
                s.fail(key, "\(error)")
                return nil
            }
            let groups = out.last!.dhGroups, small = groups.filter { $0 == .modp1024 || $0 == .modp1024s160 }
            if !small.isEmpty, explicit != nil || small.count == groups.count { weak.append(t) }
        }
        if !weak.isEmpty {
            let origin = explicit == nil ? " (the profile's default)" : ""
            s.reader.warnings.append("\(s.key(k)): \(weak.joined(separator: ", "))\(origin) offer a 1024-bit DH group, which is weak (accepted because clouds still offer it)")
        }
        return out
    }


    /// Bigger psk_file contents are refused (a key is a line of text).
    static let maxPSKFileSize = 4096

    /// `psk` inline or `psk_file`, exactly one; the file must be a small regular file that is
    /// not readable by group or others.
    func readPSK() -> SecretBytes? {
        let inline = s.string("psk"), file = s.string("psk_file")
        switch (inline, file) {
        case (nil, nil):
            if !s.has("psk") && !s.has("psk_file") { s.fail("psk", "is required: set psk or psk_file") }
            return nil
        case (.some, .some):
            s.fail("psk_file", "set either psk or psk_file, not both")
            return nil
        case (let text?, nil):
            guard !text.isEmpty else { s.fail("psk", "must not be empty"); return nil }
            s.reader.inlinePSKKeys.append(s.key("psk"))
            return SecretBytes(Array(text.utf8))
        case (nil, let path?):
            // Follow symlinks: the mode that matters is the key file's, not the link's.
            let full = ((path.hasPrefix("/") ? path : "\(folder)/\(path)") as NSString).resolvingSymlinksInPath
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: full),
                  let mode = attributes[.posixPermissions] as? Int else {
                s.fail("psk_file", "\(full) does not exist or cannot be read")
                return nil
            }
            guard mode & 0o077 == 0 else {
                s.fail("psk_file", "\(full) is readable by group or others (mode \(String(mode, radix: 8))); chmod 600 it")
                return nil
            }
            // A FIFO, a device or /proc/kmsg would block `iked --check` and a reload forever, and
            // /proc/kcore would be read whole: only a small regular file is a key file.
            guard attributes[.type] as? FileAttributeType == .typeRegular else {
                s.fail("psk_file", "\(full) is not a regular file")
                return nil
            }
            guard let size = attributes[.size] as? Int, size <= Self.maxPSKFileSize else {
                s.fail("psk_file", "\(full) is larger than \(Self.maxPSKFileSize) bytes; a pre-shared key is a line of text")
                return nil
            }
            guard var bytes = FileManager.default.contents(atPath: full).map({ [UInt8]($0) }) else {
                s.fail("psk_file", "\(full) cannot be read")
                return nil
            }
            while let last = bytes.last, last == 10 || last == 13 { bytes.removeLast() }
            guard !bytes.isEmpty else { s.fail("psk_file", "\(full) is empty"); return nil }
            return SecretBytes(bytes)
        }
    }

    /// `rekey_fuzz` as a percentage: 100, or "100%".
    func readFuzz() -> Double? {
        guard let v = s.table["rekey_fuzz"] else { return nil }
        var percent: Int?
        if let n = v.int { percent = n } else if let t = v.string, t.hasSuffix("%") { percent = Int(t.dropLast()) }
        guard let p = percent, (0...100).contains(p) else {
            s.fail("rekey_fuzz", "must be a percentage from 0 to 100 (e.g. 100 or \"100%\")")
            return nil
        }
        return Double(p) / 100
    }

    /// strongSwan's ID syntax: an IP address, "@fqdn", "user@domain", "keyid:HEX", or a name.
    func identity(_ k: String) -> Identification? {
        guard let text = s.string(k) else { return nil }
        guard !text.isEmpty else { s.fail(k, "must not be empty"); return nil }
        if let a = try? Endpoint.address(parsing: text) { return addressID(a) }
        if text.hasPrefix("keyid:") {
            let hexText = text.dropFirst(6)
            guard hexText.count % 2 == 0, !hexText.isEmpty, let bytes = hexBytes(String(hexText)) else {
                s.fail(k, "keyid: needs an even number of hex digits")
                return nil
            }
            return .keyID(bytes)
        }
        if text.hasPrefix("@") { return .fqdn(String(text.dropFirst())) }
        if text.contains("@") { return .rfc822(text) }
        return .fqdn(text)
    }

    func addressID(_ a: [UInt8]) -> Identification { a.count == 4 ? .ipv4(a) : .ipv6(a) }

    func interfaceName() -> String {
        let n = s.string("interface") ?? "ike-\(name)"
        let ok = n.count <= 15 && !n.isEmpty && n.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        if !ok {
            let why = s.has("interface") ? "\"\(n)\" is not a Linux interface name (1–15 of A-Z a-z 0-9 - _ .)"
                                         : "the default name \"\(n)\" is longer than 15 characters; set interface"
            s.fail("interface", why)
        }
        return n
    }

    /// Without `mtu` the MSS may be at most what a 1500-byte inner packet allows: the derived
    /// MTU is always below that.
    func mssClamp(mtu: Int?, default: MSSClampSetting) -> MSSClampSetting {
        guard let v = s.table["mss_clamp"] else { return `default` }
        if let b = v.bool, !b { return .off }
        return s.int("mss_clamp", 536...((mtu ?? ESPPathMTU.ethernet) - 40)).map(MSSClampSetting.fixed) ?? .followMTU
    }

    /// `inside_address`: one ADDRESS/PREFIX or a list, IPv4 and/or IPv6 (a dual-stack inside
    /// network: AWS gives a /30 and, for IPv6 tunnels, a /126).
    func insideAddresses() -> [(address: [UInt8], prefix: Int)] {
        guard let texts = s.strings("inside_address") else { return [] }
        var out: [(address: [UInt8], prefix: Int)] = []
        for (i, text) in texts.enumerated() {
            let key = texts.count == 1 ? "inside_address" : "inside_address[\(i)]"
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let prefix = Int(parts[1]), let address = try? Endpoint.address(parsing: String(parts[0])),
                  prefix >= 1, prefix <= address.count * 8 else {
                s.fail(key, "\"\(text)\" is not ADDRESS/PREFIX (e.g. \"169.254.21.2/30\" or \"fd00:1::1/64\")")
                continue
            }
            if out.contains(where: { $0.address == address }) {
                s.fail(key, "\(text) is listed twice")
                continue
            }
            out.append((address, prefix))
        }
        return out
    }

    /// Routes default to the remote selectors, minus any default route (it would carry IKE itself).
    func routes(_ remoteTS: [TrafficSelector]) -> [TrafficSelector] {
        if let v = s.table["routes"] {
            if let a = v.array, a.isEmpty { return [] }   // routes = [] means none
            guard let texts = s.strings("routes") else { return [] }
            var out: [TrafficSelector] = []
            for (i, t) in texts.enumerated() {
                do { out.append(try TrafficSelector(cidr: t)) } catch {
                    s.fail(texts.count == 1 ? "routes" : "routes[\(i)]", "\(error) (a route is a CIDR prefix)")
                }
            }
            return out
        }
        return remoteTS.filter { ts in !ts.startAddress.allSatisfy { $0 == 0 } || !ts.endAddress.allSatisfy { $0 == 0xFF } }
    }

    func profile() -> CloudProfile? { s.choice("profile", CloudProfile.self) }

    /// `connection_mode`, Azure's names: Default, InitiatorOnly, ResponderOnly.
    func connectionMode(_ profile: CloudProfile?) -> InitiationPolicy {
        guard let text = s.string("connection_mode") else { return .both }
        guard profile?.isAzure == true else {
            s.fail("connection_mode", "is an Azure setting (profile = \"azure\" or \"azure-vwan\"); use start_action")
            return .both
        }
        let modes: [String: InitiationPolicy] = ["Default": .both, "InitiatorOnly": .initiatorOnly, "ResponderOnly": .responderOnly]
        guard let mode = modes[text] else {
            s.fail("connection_mode", "\"\(text)\" is not one of Default, InitiatorOnly, ResponderOnly")
            return .both
        }
        return mode
    }

    /// `policy_based_ts`: Azure's UsePolicyBasedTrafficSelectors, which needs real prefixes.
    func policyBasedSelectors(_ profile: CloudProfile?) -> Bool {
        guard let on = s.bool("policy_based_ts"), on else { return false }
        guard profile?.isAzure == true else {
            s.fail("policy_based_ts", "is an Azure setting (profile = \"azure\" or \"azure-vwan\")")
            return false
        }
        for k in ["local_ts", "remote_ts"] {
            let any = s.cidrs(k)?.contains { $0.startAddress.allSatisfy { $0 == 0 } && $0.endAddress.allSatisfy { $0 == 0xFF } } ?? true
            if any { s.fail(k, "policy_based_ts needs the prefixes written out (every local × remote pair is proposed), not 0.0.0.0/0") }
        }
        return true
    }
}

func hexBytes(_ text: String) -> [UInt8]? {
    var out: [UInt8] = []
    var chars = Array(text.utf8)[...]
    while chars.count >= 2 {
        guard let b = UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16) else { return nil }
        out.append(b)
        chars = chars.dropFirst(2)
    }
    return chars.isEmpty ? out : nil
}
