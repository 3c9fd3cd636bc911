/// The lexical half of `TOMLParser`: a cursor over the document's UTF-8 bytes that reads keys,
/// strings and scalars (TOML 1.0) and counts lines for error messages. Every read checks the
/// end of the input first.
struct TOMLScanner {
    let bytes: [UInt8]
    var i = 0
    var line = 1

    init(bytes: [UInt8]) { self.bytes = bytes }

    func peek(_ offset: Int = 0) -> UInt8? { i + offset < bytes.count ? bytes[i + offset] : nil }
    mutating func advance() { if i < bytes.count { if bytes[i] == 0x0A { line += 1 }; i += 1 } }
    func error(_ message: String) -> TOMLParseError { TOMLParseError(line: line, message: message) }

    mutating func expect(_ c: Character, _ message: String) throws(TOMLParseError) {
        guard peek() == c.asciiValue else { throw error(message) }
        advance()
    }

    mutating func skipSpaces() { while peek() == 0x20 || peek() == 0x09 { advance() } }

    mutating func skipComment() throws(TOMLParseError) {
        while let c = peek(), c != 0x0A, c != 0x0D {
            guard c == 0x09 || c >= 0x20, c != 0x7F else { throw error("control character in a comment") }
            advance()
        }
    }

    /// LF or CR LF (a lone CR is not a newline in TOML).
    mutating func newline() throws(TOMLParseError) {
        if peek() == 0x0D {
            guard peek(1) == 0x0A else { throw error("carriage return without a line feed") }
            advance()
        }
        advance()
    }

    /// After a key/value pair or a header: spaces, maybe a comment, then a newline or the end.
    mutating func endOfLine() throws(TOMLParseError) {
        skipSpaces()
        if peek() == UInt8(ascii: "#") { try skipComment() }
        guard let c = peek() else { return }
        guard c == 0x0A || c == 0x0D else { throw error("expected the end of the line after a value") }
        try newline()
    }

    mutating func skipSpacesNewlinesAndComments() throws(TOMLParseError) {
        while true {
            skipSpaces()
            switch peek() {
            case UInt8(ascii: "#"): try skipComment()
            case 0x0A, 0x0D: try newline()
            default: return
            }
        }
    }

    // MARK: Keys

    /// A dotted key: bare (`A-Za-z0-9_-`) or quoted parts, dots with optional spaces around. At
    /// most `TOMLParser.maxDepth` parts: each part is a table level, and the parser's work per
    /// key grows with the square of the levels (the config fuzz target found a 750-part header
    /// that took over 10 s).
    mutating func key() throws(TOMLParseError) -> [String] {
        var parts: [String] = []
        while true {
            guard parts.count < TOMLParser.maxDepth else { throw error("a key has more than \(TOMLParser.maxDepth) dotted parts") }
            skipSpaces()
            guard let c = peek() else { throw error("a key is missing") }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                parts.append(try string(allowMultiline: false))
            } else {
                let start = i
                while let b = peek(), Self.isBareKey(b) { advance() }
                guard i > start else { throw error("expected a key, found \(Self.describe(c))") }
                parts.append(String(decoding: bytes[start..<i], as: UTF8.self))
            }
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { return parts }
            advance()
        }
    }

    static func isBareKey(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
    }

    static func describe(_ c: UInt8) -> String {
        c >= 0x21 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte \(c)"
    }

    // MARK: Strings

    /// "basic", 'literal', and (where allowed) their """multi-line""" and '''multi-line''' forms.
    mutating func string(allowMultiline: Bool) throws(TOMLParseError) -> String {
        let quote = peek()!
        let literal = quote == UInt8(ascii: "'")
        if peek(1) == quote, peek(2) == quote {
            guard allowMultiline else { throw error("a key cannot be a multi-line string") }
            advance(); advance(); advance()
            return try multiline(quote: quote, literal: literal)
        }
        advance()
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw error("a string is not closed") }
            if c == quote { advance(); return String(decoding: out, as: UTF8.self) }
            guard c != 0x0A, c != 0x0D else { throw error("a string is not closed on its line") }
            if c == UInt8(ascii: "\\"), !literal {
                advance()
                try escape(into: &out)
                continue
            }
            guard c == 0x09 || (c >= 0x20 && c != 0x7F) else { throw error("control character in a string") }
            out.append(c)
            advance()
        }
    }

    private mutating func multiline(quote: UInt8, literal: Bool) throws(TOMLParseError) -> String {
        // A newline right after the opening delimiter is not part of the string.
        if peek() == 0x0A { advance() } else if peek() == 0x0D, peek(1) == 0x0A { advance(); advance() }
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw error("a multi-line string is not closed") }
            if c == quote, peek(1) == quote, peek(2) == quote {
                advance(); advance(); advance()
                // Up to two more quotes belong to the content ("""a"""" is a").
                var extra = 0
                while peek() == quote, extra < 2 { out.append(quote); advance(); extra += 1 }
                return String(decoding: out, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\"), !literal {
                advance()
                if try lineEndingBackslash() { continue }
                try escape(into: &out)
                continue
            }
            if c == 0x0D {
                guard peek(1) == 0x0A else { throw error("carriage return without a line feed") }
                advance()
                continue
            }
            guard c == 0x09 || c == 0x0A || (c >= 0x20 && c != 0x7F) else { throw error("control character in a string") }
            out.append(c)
            advance()
        }
    }

    /// After a backslash in a multi-line basic string: if only spaces follow on the line, the
    /// newline and all whitespace after it are trimmed.
    private mutating func lineEndingBackslash() throws(TOMLParseError) -> Bool {
        var j = i
        while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
        guard j < bytes.count, bytes[j] == 0x0A || (bytes[j] == 0x0D && j + 1 < bytes.count && bytes[j + 1] == 0x0A) else { return false }
        while let c = peek(), c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D {
            if c == 0x0D { try newline() } else { advance() }
        }
        return true
    }

    private mutating func escape(into out: inout [UInt8]) throws(TOMLParseError) {
        guard let c = peek() else { throw error("a string ends in a backslash") }
        advance()
        let simple: [UInt8: UInt8] = [0x62: 0x08, 0x74: 0x09, 0x6E: 0x0A, 0x66: 0x0C, 0x72: 0x0D, 0x22: 0x22, 0x5C: 0x5C]
        if let e = simple[c] { out.append(e); return }
        let digits: Int
        switch c {
        case UInt8(ascii: "u"): digits = 4
        case UInt8(ascii: "U"): digits = 8
        default: throw error("unknown escape \\\(Self.describe(c)) in a string")
        }
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let h = peek(), let d = Self.hexValue(h) else { throw error("\\u needs \(digits) hex digits") }
            value = value << 4 | UInt32(d)
            advance()
        }
        guard let scalar = Unicode.Scalar(value) else { throw error("\\u escape \(value) is not a Unicode scalar value") }
        out += Array(String(Character(scalar)).utf8)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
}
