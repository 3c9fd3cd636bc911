import Control
import LinuxNet

/// The human form of `ikectl status`, with the states as the cloud consoles name them.
enum StatusTable {
    /// AWS's console says UP/DOWN, Azure's Connected/Connecting/NotConnected; without a
    /// profile both are shown.
    static func label(_ state: String, profile: String?) -> String {
        switch (profile, state) {
        case ("aws", "up"): "UP"
        case ("aws", _): "DOWN"
        case (.some, "up"): "Connected"
        case (.some, "connecting"): "Connecting"
        case (.some, _): "NotConnected"
        case (nil, "up"): "UP (Connected)"
        case (nil, "connecting"): "CONNECTING (Connecting)"
        default: "DOWN (NotConnected)"
        }
    }

    static func render(_ s: StatusReport) -> String {
        var rows = [["TUNNEL", "STATE", "LOCAL", "REMOTE", "IKE SA", "CHILD SAs (in/out)"]]
        for t in s.tunnels {
            let ike = t.ikeSA.map { "\($0.proposal), up \($0.establishedSeconds)s" } ?? "-"
            let children = t.childSAs.isEmpty ? "-" : t.childSAs.map { "\($0.spiIn)/\($0.spiOut)" }.joined(separator: " ")
            rows.append([t.name + (t.preferred == true ? " *" : ""), label(t.state, profile: t.profile), t.localAddress, t.remoteAddress, ike, children])
        }
        let widths = (0..<rows[0].count).map { i in rows.map { $0[i].count }.max() ?? 0 }
        var lines = rows.map { r in
            var line = r.enumerated().map { i, cell in cell.padding(widths[i]) }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
        if s.tunnels.contains(where: { $0.preferred == true }) {
            lines.append("* carries its connection's traffic now (unmarked tunnels of a connection stand by)")
        }
        for t in s.tunnels {
            if let e = t.lastError { lines.append("\(t.name): last error: \(e)") }
            if let b = t.bgp { lines.append("\(t.name): \(bgpLine(b))") }
            for c in t.childSAs {
                lines.append("\(t.name): child \(c.spiIn)/\(c.spiOut) \(c.proposal) \(c.localTS.joined(separator: ",")) === \(c.remoteTS.joined(separator: ","))")
            }
        }
        if let n = s.birdFailures, n > 0 { lines.append("birdc configure failed \(n) times since start (see iked's log)") }
        return lines.joined(separator: "\n")
    }

    /// `bgp Established, AS 64512 -> 65515 at 169.254.10.2, 1 imported, 1 exported (iked_vpn_1)`.
    static func bgpLine(_ b: BGPStatus) -> String {
        var parts = ["bgp \(b.state)", "AS \(b.localASN) -> \(b.peerASN) at \(b.neighbor)"]
        if let i = b.imported, let e = b.exported { parts.append("\(i) imported, \(e) exported") }
        var line = parts.joined(separator: ", ") + " (\(b.protocolName))"
        if let info = b.info, !info.isEmpty, info != b.state { line += ": \(info)" }
        return line
    }
}

extension String {
    func padding(_ n: Int) -> String { self + String(repeating: " ", count: max(0, n - count)) }
}

/// Standard error without C's FILE globals.
func printError(_ text: String) {
    var bytes = Array((text + "\n").utf8)
    bytes.withUnsafeMutableBytes { writeStandardError($0) }
}
