import IKECore

/// `--format swanctl`: a complete swanctl.conf (strongSwan 5.9) for the peer, one connection and
/// one Child SA per tunnel, both named after the tunnel, and one `secrets` entry each.
/// Invariant: loadable unchanged by `swanctl --load-all` (the interop script
/// scripts/interop/export-swanctl.sh does exactly that); the key is a quoted placeholder unless
/// secrets were asked for.
enum SwanctlExport {
    static func render(_ views: [PeerView], includeSecrets: Bool) -> String {
        var w = Lines()
        w.add("# swanctl.conf for the peer of iked tunnel\(views.count > 1 ? "s" : "") \(views.map(\.name).joined(separator: ", ")),")
        w.add("# made by `ikectl export --format swanctl`. Everything is mirrored: iked's local side is")
        w.add("# this file's remote side. Load it with: swanctl --load-all")
        if !includeSecrets {
            w.add("# The pre-shared key is a placeholder: export again with --include-secrets, or write it in.")
        }
        w.add("connections {")
        for v in views { connection(v, &w) }
        w.add("}")
        w.add("secrets {")
        for v in views { secret(v, includeSecrets: includeSecrets, &w) }
        w.add("}")
        return w.text
    }

    static func connection(_ v: PeerView, _ w: inout Lines) {
        let ike = v.ike
        let ikeLife = SwanLifetime(ike.ikeLifetime)
        w.indent = 1
        w.add("\(v.name) {")
        w.indent = 2
        w.add("version = 2")
        if let a = v.peerAddress { w.add("local_addrs = \(a)") } else {
            w.add("# iked accepts this tunnel from any address (remote_address = %any): set local_addrs if needed.")
        }
        w.add("remote_addrs = \(v.ikedAddress)")
        if v.ikedPort != Endpoint.ikePort { w.add("remote_port = \(v.ikedPort)") }
        w.add("proposals = \(ike.ikeProposals.map(StrongSwanNames.proposal).joined(separator: ", "))")
        w.add("# iked: ike_lifetime \(wholeSeconds(ike.ikeLifetime.time))s, rekey_margin \(wholeSeconds(ike.ikeLifetime.margin))s, rekey_fuzz \(Int(ike.ikeLifetime.fuzz * 100))%: the same rekey window here.")
        w.add("rekey_time = \(ikeLife.rekey)s")
        w.add("over_time = \(ikeLife.over)s")
        w.add("rand_time = \(ikeLife.rand)s")
        w.add("reauth_time = 0")
        if let d = ike.dpdDelay {
            w.add("dpd_delay = \(wholeSeconds(d))s")
            let timeout = ike.dpdTimeout.map { "\(wholeSeconds($0))s" } ?? "its retransmission schedule (about 165s)"
            w.add("# iked declares this side dead after \(timeout) without an answer; strongSwan's IKEv2")
            w.add("# liveness checks give up after its own retransmission settings (dpd_timeout is IKEv1 only).")
        } else {
            w.add("dpd_delay = 0s")
        }
        w.add("encap = \(ike.forceEncapsulation ? "yes" : "no")")
        w.add("fragmentation = \(ike.fragmentation ? "yes" : "no")")
        w.add("mobike = no")
        w.add("local {")
        w.add("    auth = psk")
        if let id = v.peerID { w.add("    id = \(quoted(StrongSwanNames.identity(id)))") }
        w.add("}")
        w.add("remote {")
        w.add("    auth = psk")
        w.add("    id = \(quoted(StrongSwanNames.identity(v.ikedID)))")
        w.add("}")
        w.add("children {")
        w.indent = 3
        child(v, &w)
        w.indent = 2
        w.add("}")
        w.indent = 1
        w.add("}")
        w.indent = 0
    }

    static func child(_ v: PeerView, _ w: inout Lines) {
        let ike = v.ike
        let life = SwanLifetime(ike.childLifetime)
        w.add("\(v.name) {")
        w.indent += 1
        for pair in v.insidePairs {
            let theirs = pair.peer.map { "this side's is \($0)" } ?? "this side takes another address of that network"
            w.add("# Inside address: iked's tunnel interface has \(pair.iked), \(theirs).")
            w.add("# swanctl cannot set it: put it on your route-based (XFRM or VTI) interface yourself.")
        }
        w.add("local_ts = \(ike.remoteTS.map(StrongSwanNames.selector).joined(separator: ", "))")
        w.add("remote_ts = \(ike.localTS.map(StrongSwanNames.selector).joined(separator: ", "))")
        w.add("esp_proposals = \(ike.espProposals.map(StrongSwanNames.proposal).joined(separator: ", "))")
        w.add("rekey_time = \(life.rekey)s")
        w.add("life_time = \(life.life)s")
        w.add("rand_time = \(life.rand)s")
        if let bytes = ike.childLifetime.bytes, let soft = ike.childLifetime.softLimit(bytes) {
            w.add("rekey_bytes = \(soft)")
            w.add("life_bytes = \(bytes)")
        }
        w.add("mode = tunnel")
        if v.peerInitiates {
            w.add("# iked waits for this side (start_action = add): start it here, and start it again if iked goes silent.")
            w.add("start_action = start")
            w.add("dpd_action = restart")
        } else {
            w.add("# iked brings this tunnel up (start_action = \(v.settings.startAction.rawValue)): wait for it.")
            w.add("start_action = none")
            w.add("dpd_action = clear")
        }
        w.indent -= 1
        w.add("}")
    }

    static func secret(_ v: PeerView, includeSecrets: Bool, _ w: inout Lines) {
        w.indent = 1
        w.add("ike-\(v.name) {")
        w.indent = 2
        var n = 1
        for id in [v.peerID, v.ikedID].compactMap({ $0 }) {
            w.add("id-\(n) = \(quoted(StrongSwanNames.identity(id)))")
            n += 1
        }
        w.add("secret = \(secretValue(v, includeSecrets: includeSecrets))")
        w.indent = 1
        w.add("}")
        w.indent = 0
    }

    /// The key as swanctl wants it: a quoted string when it is printable and does not start like
    /// one of strongSwan's encodings (`0x`, `0s`), else `0x` and hex, which strongSwan reads as
    /// raw bytes.
    static func secretValue(_ v: PeerView, includeSecrets: Bool) -> String {
        guard includeSecrets else { return quoted(ExportSecret.placeholder) }
        if let text = ExportSecret.printable(v.ike.psk), !text.hasPrefix("0x"), !text.hasPrefix("0s") {
            return quoted(text)
        }
        return "0x" + ExportSecret.hexDigits(v.ike.psk)
    }

    /// A strongSwan settings string in double quotes; `"` and `\` are escaped.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for ch in s {
            if ch == "\"" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        return out + "\""
    }
}

/// Indented lines of text, four spaces a level.
struct Lines {
    var indent = 0
    private(set) var text = ""

    mutating func add(_ line: String) {
        text += line.isEmpty ? "\n" : String(repeating: "    ", count: indent) + line + "\n"
    }
}
