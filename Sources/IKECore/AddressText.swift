/// Why a piece of text is not an address, prefix or selector. Carries the offending input and a
/// reason for config diagnostics; parsing never traps on any input.
public struct TrafficSelectorParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public let input: String
    public let reason: String

    public init(_ input: String, _ reason: String) {
        self.input = input
        self.reason = reason
    }

    public var description: String { "'\(input)': \(reason)" }
}

/// IPv4 and IPv6 addresses as text <-> network-order bytes (4 or 16). No Foundation, no libc.
/// Parsing is strict: dotted-quad IPv4 in decimal without leading zeros (so "010" is never
/// read as octal, unlike inet_aton), RFC 4291 §2.2 IPv6 text with at most one "::" and an
/// optional dotted-quad tail; no zone IDs. Printing follows RFC 5952 §4 (lower case, no leading
/// zeros, the longest run of two or more zero groups shortened to "::", the first on a tie).
enum AddressText {
    typealias Failure = TrafficSelectorParseError

    /// Parses an IPv4 or IPv6 address; a ':' selects IPv6.
    static func parse(_ text: Substring) throws(Failure) -> [UInt8] {
        text.utf8.contains(UInt8(ascii: ":")) ? try parseIPv6(text) : try parseIPv4(text)
    }

    static func parseIPv4(_ text: Substring) throws(Failure) -> [UInt8] {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { throw Failure(String(text), "an IPv4 address has four dotted parts") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4)
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                throw Failure(String(text), "'\(part)' is not a decimal number from 0 to 255")
            }
            guard part.count == 1 || part.utf8.first != UInt8(ascii: "0") else {
                throw Failure(String(text), "'\(part)' has a leading zero")
            }
            let value = part.utf8.reduce(0) { $0 * 10 + Int($1 - 48) }
            guard value <= 255 else { throw Failure(String(text), "\(value) is larger than 255") }
            bytes.append(UInt8(value))
        }
        return bytes
    }

    static func parseIPv6(_ text: Substring) throws(Failure) -> [UInt8] {
        let whole = String(text)
        let halves = splitAtDoubleColon(text)
        guard halves.count <= 2 else { throw Failure(whole, "'::' may appear only once") }
        let head = try groups(halves[0], isLast: halves.count == 1, whole)
        let tail = halves.count == 2 ? try groups(halves[1], isLast: true, whole) : []
        let total = head.count + tail.count
        if halves.count == 2 {
            // RFC 4291 §2.2: "::" stands for one or more groups of zeros.
            guard total <= 7 else { throw Failure(whole, "'::' with eight groups already present") }
        } else {
            guard total == 8 else { throw Failure(whole, "an IPv6 address has eight groups, found \(total)") }
        }
        let words = head + [UInt16](repeating: 0, count: 8 - total) + tail
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for w in words { bytes.append(UInt8(w >> 8)); bytes.append(UInt8(w & 0xff)) }
        return bytes
    }

    /// Splits at the first "::"; a second "::" (or ":::") yields three or more pieces.
    private static func splitAtDoubleColon(_ text: Substring) -> [Substring] {
        var pieces: [Substring] = []
        var start = text.startIndex
        var i = text.startIndex
        while i < text.endIndex {
            let next = text.index(after: i)
            if text[i] == ":", next < text.endIndex, text[next] == ":" {
                pieces.append(text[start..<i])
                start = text.index(after: next)
                i = start
            } else {
                i = next
            }
        }
        pieces.append(text[start...])
        return pieces
    }

    /// The 16-bit groups of one side of "::"; the last group of the address may be dotted IPv4.
    private static func groups(_ text: Substring, isLast: Bool, _ whole: String) throws(Failure) -> [UInt16] {
        if text.isEmpty { return [] }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var words: [UInt16] = []
        for (n, part) in parts.enumerated() {
            if isLast, n == parts.count - 1, part.contains(".") {
                let v4 = try parseIPv4(part)
                words.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                words.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                continue
            }
            guard (1...4).contains(part.utf8.count), let value = UInt16(part, radix: 16),
                  part.utf8.allSatisfy({ hexDigit($0) }) else {
                throw Failure(whole, "'\(part)' is not a group of one to four hex digits")
            }
            words.append(value)
        }
        return words
    }

    private static func hexDigit(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
    }

    /// Text for 4 or 16 address bytes; other lengths print as hex bytes (never a valid address).
    static func format(_ bytes: [UInt8]) -> String {
        switch bytes.count {
        case 4: return formatIPv4(bytes)
        case 16: return formatIPv6(bytes)
        default: return "<" + bytes.map { String($0, radix: 16) }.joined(separator: " ") + ">"
        }
    }

    /// Dotted quad written digit by digit into one small string (at most 15 bytes, so no heap):
    /// endpoints are in several log lines of every handshake.
    private static func formatIPv4(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: 15) { out in
            var i = 0
            for (n, b) in bytes.enumerated() {
                if n > 0 { out[i] = UInt8(ascii: "."); i += 1 }
                if b >= 100 { out[i] = 48 + b / 100; i += 1 }
                if b >= 10 { out[i] = 48 + b / 10 % 10; i += 1 }
                out[i] = 48 + b % 10; i += 1
            }
            return i
        }
    }

    private static func formatIPv6(_ bytes: [UInt8]) -> String {
        let words = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        // RFC 5952 §4.2: shorten the longest run (>= 2) of zero groups, the first if tied.
        var best = (start: -1, length: 0)
        var run = (start: -1, length: 0)
        for (i, w) in words.enumerated() {
            if w == 0 {
                run = run.length == 0 ? (i, 1) : (run.start, run.length + 1)
                if run.length > best.length { best = run }
            } else {
                run = (-1, 0)
            }
        }
        let hex = words.map { String($0, radix: 16) }
        guard best.length >= 2 else { return hex.joined(separator: ":") }
        let head = hex[0..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }
}
