import IKECore
import IKEWire

/// Reads a tunnel's `bgp` key: `false` (static routing, the same as leaving it out) or a
/// `[tunnel.NAME.bgp]` table, with the profile's defaults for what it leaves out (docs/routing.md,
/// docs/profiles.md). Every refusal names the key.
struct BGPReader {
    /// The tunnel's section; the `bgp` table is read as `<path>.bgp`.
    let s: Section
    let profile: CloudProfile?
    let insideAddresses: [(address: [UInt8], prefix: Int)]
    let localTS: [TrafficSelector]
    let remoteTS: [TrafficSelector]
    let remoteAddress: [UInt8]?

    static let keys = ["local_asn", "peer_asn", "hold_time", "keepalive", "announce", "accept", "neighbor", "passive"]
    static let asnRange = 1...4_294_967_295
    /// RFC 6793 §9: AS_TRANS stands in for a 4-octet ASN on old speakers; it is nobody's ASN.
    static let asTrans = 23456

    /// What a profile fills in: its cloud's ASN, timers and whether it waits for the peer.
    struct Defaults: Equatable {
        var localASN: Int?
        var holdTime: Int
        /// nil: a third of the hold time.
        var keepalive: Int?
        var passive: Bool

        static func of(_ profile: CloudProfile?) -> Defaults {
            switch profile {
            // clouds.md: Amazon side ASN 64512, hold time 30 s.
            case .aws: Defaults(localASN: 64512, holdTime: 30, keepalive: nil, passive: false)
            // clouds.md: ASN 65515, keepalive 60 s, hold 180 s; with APIPA Azure never initiates BGP.
            case .azure, .azureVWAN: Defaults(localASN: 65515, holdTime: 180, keepalive: 60, passive: true)
            // RFC 4271 §10 suggests 90 s.
            case nil: Defaults(localASN: nil, holdTime: 90, keepalive: nil, passive: false)
            }
        }
    }

    func read() -> BGPSettings? {
        guard let value = s.table["bgp"] else { return nil }
        if value.bool == false { return nil }
        guard let table = value.table else {
            s.fail("bgp", value.bool == true
                ? "true is not enough: write a [\(s.key("bgp"))] table (peer_asn at least), or false for static routes"
                : "must be false (static routes) or a table ([\(s.key("bgp"))]), not \(value.type)")
            return nil
        }
        let b = Section(reader: s.reader, table: table, path: s.key("bgp"))
        b.rejectUnknownKeys(Self.keys)
        let before = s.reader.errors.count
        let d = Defaults.of(profile)
        let localASN = asn(b, "local_asn") ?? d.localASN
        if !b.has("local_asn"), localASN == nil {
            b.fail("local_asn", "is required without a profile (our ASN, 1–4294967295)")
        }
        let peerASN = asn(b, "peer_asn")
        if !b.has("peer_asn") { b.fail("peer_asn", "is required (the peer's ASN, 1–4294967295)") }
        if let localASN, let peerASN, localASN == peerASN {
            b.fail("peer_asn", "\(peerASN) equals local_asn: iked sets up external BGP sessions, as the clouds do")
        }
        let hold = b.duration("hold_time", 3...65535).map { Int($0.components.seconds) } ?? d.holdTime
        let keepalive = b.duration("keepalive", 1...65535).map { Int($0.components.seconds) } ?? d.keepalive ?? max(1, hold / 3)
        if keepalive >= hold { b.fail("keepalive", "\(keepalive) s must be less than hold_time (\(hold) s); a third of it is usual") }
        let passive = b.bool("passive") ?? d.passive
        checkProfile(b, localASN: localASN, passive: passive)
        let announce = prefixes(b, "announce") ?? localTS.flatMap(\.coveringPrefixes).filter { $0.address.count == 4 && $0.length > 0 }
        if announce.isEmpty {
            s.reader.warnings.append("\(b.key("announce")): nothing is announced (local_ts holds no IPv4 prefix but a default route); the peer learns no route to us")
        }
        let accept = prefixes(b, "accept").map { $0.map(BGPPrefixPattern.init(orLonger:)) } ?? defaultAccept()
        let addresses = sessionAddresses(b)
        guard s.reader.errors.count == before, let localASN, let peerASN, let addresses else { return nil }
        return BGPSettings(localASN: UInt32(localASN), peerASN: UInt32(peerASN), holdTime: hold, keepalive: keepalive,
                           announce: announce, accept: accept, localAddress: addresses.local, neighbor: addresses.neighbor,
                           passive: passive, peerOutsideAddress: remoteAddress)
    }

    func asn(_ b: Section, _ k: String) -> Int? {
        guard let n = b.int(k, Self.asnRange) else { return nil }
        if n == Self.asTrans { b.fail(k, "23456 is AS_TRANS (RFC 6793), which stands in for 4-octet ASNs and is nobody's ASN"); return nil }
        return n
    }

    /// What the clouds refuse: an Amazon-side ASN outside AWS's ranges; an Azure gateway that
    /// would initiate BGP on its APIPA address.
    func checkProfile(_ b: Section, localASN: Int?, passive: Bool) {
        switch profile {
        case .aws:
            if let n = localASN, !(64512...65534).contains(n), !(4_200_000_000...4_294_967_294).contains(n) {
                b.fail("local_asn", "\(n) is not an Amazon-side ASN AWS allows (64512–65534 or 4200000000–4294967294)")
            }
        case .azure, .azureVWAN:
            if !passive { b.fail("passive", "false: \(profile!.title) never initiates BGP on its APIPA addresses; leave passive unset (true)") }
        case nil:
            break
        }
    }

    /// A list of IPv4 CIDR prefixes; `[]` is an empty list here (announce or accept nothing).
    func prefixes(_ b: Section, _ k: String) -> [AddressPrefix]? {
        guard let v = b.table[k] else { return nil }
        if let a = v.array, a.isEmpty { return [] }
        guard let texts = b.strings(k) else { return nil }
        var out: [AddressPrefix] = []
        for (i, t) in texts.enumerated() {
            let key = texts.count == 1 ? k : "\(k)[\(i)]"
            guard let p = try? TrafficSelector(cidr: t).coveringPrefixes.first else {
                b.fail(key, "\"\(t)\" is not a CIDR prefix (e.g. \"10.1.0.0/16\")")
                continue
            }
            guard p.address.count == 4 else { b.fail(key, "\(t): BGP over the inside addresses carries IPv4 prefixes only"); continue }
            out.append(p)
        }
        return out
    }

    /// Without `accept`: the IPv4 prefixes of `remote_ts` and everything more specific; a
    /// 0.0.0.0/0 selector accepts any prefix but the default route itself, as `routes` never
    /// installs one unasked.
    func defaultAccept() -> [BGPPrefixPattern] {
        remoteTS.flatMap(\.coveringPrefixes).filter { $0.address.count == 4 }.map { p in
            p.length == 0 ? BGPPrefixPattern(prefix: p, lengths: 1...32) : BGPPrefixPattern(orLonger: p)
        }
    }

    /// Our IPv4 inside address and the neighbor's: `neighbor`, or the other usable address of
    /// a /30 or /31. Both must be inside the tunnel's selectors, or the session cannot cross it.
    func sessionAddresses(_ b: Section) -> (local: [UInt8], neighbor: [UInt8])? {
        guard let inside = insideAddresses.first(where: { $0.address.count == 4 }) else {
            s.fail("bgp", "needs an IPv4 inside_address on the tunnel: the session runs between the inside addresses (e.g. inside_address = \"169.254.10.1/30\")")
            return nil
        }
        let net = Self.network(inside.address, inside.prefix)
        let insideText = "\(Endpoint.text(inside.address))/\(inside.prefix)"
        var neighbor: [UInt8]?
        if b.has("neighbor") {
            guard let n = b.address("neighbor") else { return nil }
            guard n.count == 4 else { b.fail("neighbor", "must be an IPv4 address (the peer's inside address)"); return nil }
            guard Self.network(n, inside.prefix) == net, n != inside.address else {
                b.fail("neighbor", "\(Endpoint.text(n)) is not another address of the inside network \(insideText): BGP peers directly over the tunnel")
                return nil
            }
            neighbor = n
        } else {
            neighbor = Self.otherAddress(inside.address, inside.prefix)
            if neighbor == nil {
                b.fail("neighbor", inside.prefix == 30
                    ? "cannot be found: inside_address \(insideText) is the network or broadcast address of its /30 (use .1 or .2)"
                    : "is required: iked finds the peer's address only in a /30 or /31, and inside_address is \(insideText)")
                return nil
            }
        }
        guard let neighbor else { return nil }
        for (k, list, address) in [("local_ts", localTS, inside.address), ("remote_ts", remoteTS, neighbor)]
        where !list.contains(where: { Self.covers($0, address) }) {
            s.fail(k, "does not cover the BGP session's inside address \(Endpoint.text(address)), so BGP cannot cross the tunnel; add it (AWS and Azure use 0.0.0.0/0)")
        }
        return (inside.address, neighbor)
    }

    /// In a /30, the other of .1 and .2; in a /31, the other address; nil otherwise, or when
    /// `address` is the network or broadcast address of its /30.
    static func otherAddress(_ address: [UInt8], _ prefix: Int) -> [UInt8]? {
        var a = address
        switch prefix {
        case 31: a[3] ^= 1
        case 30:
            switch a[3] & 3 {
            case 1: a[3] += 1
            case 2: a[3] -= 1
            default: return nil
            }
        default: return nil
        }
        return a
    }

    static func network(_ address: [UInt8], _ prefix: Int) -> [UInt8] {
        address.enumerated().map { i, byte in
            let bits = min(8, max(0, prefix - 8 * i))
            return bits == 8 ? byte : byte & ~(UInt8(0xFF) >> bits)
        }
    }

    static func covers(_ ts: TrafficSelector, _ a: [UInt8]) -> Bool {
        ts.startAddress.count == a.count && !a.lexicographicallyPrecedes(ts.startAddress) && !ts.endAddress.lexicographicallyPrecedes(a)
    }
}
