/// One protocol in `birdc show protocols all` output: the summary line (name, protocol, state,
/// info) and, for BGP, the session state and the route counts of its channels.
public struct BirdProtocolStatus: Sendable, Equatable {
    public var name: String
    /// `BGP`, `Static`, `Kernel`, ...
    public var proto: String
    /// BIRD's protocol state: `up`, `start`, `stop`, `down`.
    public var state: String
    /// The rest of the summary line: `Established`, `Active        Socket: Connection refused`.
    public var info: String
    /// `BGP state:` (Established, Active, Connect, OpenSent, OpenConfirm, Idle, Passive, Down).
    public var bgpState: String?
    /// `Last error:`, if any.
    public var lastError: String?
    /// `Routes: N imported, M exported`, summed over the channels; nil while no channel is up.
    public var imported: Int?
    public var exported: Int?
}

/// Reads `birdc show protocols all [NAME | "PATTERN"]` as BIRD 2 prints it (the summary line
/// starts at column 0, the details are indented; Tests/IKEDaemonTests/BirdStatusTests.swift
/// holds real output). Lines it does not know are skipped, so newer BIRDs' extra details do no
/// harm.
public enum BirdStatusParser {
    public static func parse(_ text: String) -> [String: BirdProtocolStatus] {
        var out: [String: BirdProtocolStatus] = [:]
        var current: BirdProtocolStatus?
        func finish() {
            if let c = current { out[c.name] = c }
            current = nil
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            guard let first = line.first else { continue }
            if first != " " && first != "\t" {
                finish()
                current = summary(line)
                continue
            }
            guard current != nil else { continue }
            let trimmed = line.trimmingSpaces
            if let v = value(trimmed, "BGP state:") { current!.bgpState = v }
            else if let v = value(trimmed, "Last error:") { current!.lastError = v }
            else if let v = value(trimmed, "Routes:") {
                let (i, e) = routeCounts(v)
                if let i { current!.imported = (current!.imported ?? 0) + i }
                if let e { current!.exported = (current!.exported ?? 0) + e }
            }
        }
        finish()
        return out
    }

    /// `iked_vpn_1 BGP        ---        up     02:40:15.179  Established`; nil for BIRD's banner,
    /// the column headings and messages such as "No protocols match".
    static func summary(_ line: String) -> BirdProtocolStatus? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 5, fields[0] != "BIRD", fields[0] != "Name",
              ["up", "start", "stop", "down", "flush"].contains(String(fields[3])) else { return nil }
        // The info column: everything after the fifth field (Since), as printed.
        var rest = Substring(line)
        for _ in 0..<5 {
            rest = rest.drop { $0 == " " }
            rest = rest.drop { $0 != " " }
        }
        return BirdProtocolStatus(name: String(fields[0]), proto: String(fields[1]), state: String(fields[3]),
                                  info: String(rest).trimmingSpaces)
    }

    static func value(_ line: String, _ label: String) -> String? {
        line.hasPrefix(label) ? String(line.dropFirst(label.count)).trimmingSpaces : nil
    }

    /// "1 imported, 1 filtered, 2 exported, 1 preferred" → (1, 2).
    static func routeCounts(_ text: String) -> (imported: Int?, exported: Int?) {
        var imported: Int?, exported: Int?
        for part in text.split(separator: ",") {
            let words = part.split(separator: " ")
            // BIRD's counters are 32-bit; a larger number is not BIRD's, and the sums above must
            // not overflow.
            guard words.count == 2, let n = Int(words[0]), (0...Int(UInt32.max)).contains(n) else { continue }
            if words[1] == "imported" { imported = n }
            if words[1] == "exported" { exported = n }
        }
        return (imported, exported)
    }
}
