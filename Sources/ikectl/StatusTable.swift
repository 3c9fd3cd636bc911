import Control
import LinuxNet

/// The human form of `ikectl status`, with the states as the cloud consoles name them.
enum StatusTable {
    static func label(_ state: String) -> String {
        switch state {
        case "up": "UP (Connected)"
        case "connecting": "CONNECTING (Connecting)"
        default: "DOWN (NotConnected)"
        }
    }

    static func render(_ s: StatusReport) -> String {
        var rows = [["TUNNEL", "STATE", "LOCAL", "REMOTE", "IKE SA", "CHILD SAs (in/out)"]]
        for t in s.tunnels {
            let ike = t.ikeSA.map { "\($0.proposal), up \($0.establishedSeconds)s" } ?? "-"
            let children = t.childSAs.isEmpty ? "-" : t.childSAs.map { "\($0.spiIn)/\($0.spiOut)" }.joined(separator: " ")
            rows.append([t.name, label(t.state), t.localAddress, t.remoteAddress, ike, children])
        }
        let widths = (0..<rows[0].count).map { i in rows.map { $0[i].count }.max() ?? 0 }
        var lines = rows.map { r in
            var line = r.enumerated().map { i, cell in cell.padding(widths[i]) }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
        for t in s.tunnels {
            if let e = t.lastError { lines.append("\(t.name): last error: \(e)") }
            for c in t.childSAs {
                lines.append("\(t.name): child \(c.spiIn)/\(c.spiOut) \(c.proposal) \(c.localTS.joined(separator: ",")) === \(c.remoteTS.joined(separator: ","))")
            }
        }
        return lines.joined(separator: "\n")
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
