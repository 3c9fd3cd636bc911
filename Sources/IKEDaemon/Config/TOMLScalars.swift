/// Bare values of TOML 1.0: booleans, integers, floats, dates and times.
extension TOMLScanner {
    mutating func scalar() throws(TOMLParseError) -> TOMLValue {
        let start = i
        while let c = peek(), Self.isScalarByte(c) { advance() }
        // A date and a time may be separated by one space (TOML 1.0, "Offset Date-Time").
        if i - start == 10, peek() == 0x20, let a = peek(1), let b = peek(2), Self.isDigit(a), Self.isDigit(b), peek(3) == UInt8(ascii: ":") {
            advance()
            while let c = peek(), Self.isScalarByte(c) { advance() }
        }
        let token = Array(bytes[start..<i])
        guard !token.isEmpty else {
            throw error(peek().map { "expected a value, found \(Self.describe($0))" } ?? "a value is missing")
        }
        let text = String(decoding: token, as: UTF8.self)
        switch text {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "inf", "+inf": return .double(.infinity)
        case "-inf": return .double(-.infinity)
        case "nan", "+nan", "-nan": return .double(.nan)
        default: break
        }
        if let kind = Self.dateTimeKind(token) { return .dateTime(text, kind: kind) }
        if let n = Self.integer(token) { return .int(n) }
        if let d = Self.float(token) { return .double(d) }
        throw error("\(text.prefix(40)) is not a TOML value (strings need quotes)")
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    static func isScalarByte(_ c: UInt8) -> Bool {
        isBareKey(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: ":")
    }

    /// Digits with single underscores between them (TOML 1.0 "Integer"), in `radix`.
    static func digits(_ t: ArraySlice<UInt8>, radix: Int) -> Int? {
        guard let first = t.first, let last = t.last, first != 0x5F, last != 0x5F else { return nil }
        var value = 0, previousUnderscore = false
        for c in t {
            if c == 0x5F {
                guard !previousUnderscore else { return nil }
                previousUnderscore = true
                continue
            }
            previousUnderscore = false
            guard let d = hexValue(c), Int(d) < radix else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: radix)
            let (s, o2) = m.addingReportingOverflow(Int(d))
            guard !o1, !o2 else { return nil }
            value = s
        }
        return value
    }

    static func integer(_ t: [UInt8]) -> Int? {
        if t.count > 2, t[0] == 0x30 {
            let radix: Int? = switch t[1] {
            case UInt8(ascii: "x"): 16
            case UInt8(ascii: "o"): 8
            case UInt8(ascii: "b"): 2
            default: nil
            }
            if let radix { return digits(t[2...], radix: radix) }
        }
        var body = t[...]
        var negative = false
        if let sign = body.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            body = body.dropFirst()
        }
        // No leading zeros: "0" alone, or a non-zero first digit.
        guard let first = body.first, isDigit(first), first != 0x30 || body.count == 1 else { return nil }
        guard body.allSatisfy({ isDigit($0) || $0 == 0x5F }), let magnitude = digits(body, radix: 10) else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// `[+-]int[.frac][(e|E)[+-]exp]` with at least a fraction or an exponent.
    static func float(_ t: [UInt8]) -> Double? {
        var parts = t[...]
        if let sign = parts.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { parts = parts.dropFirst() }
        let e = parts.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        let mantissa = parts[..<(e ?? parts.endIndex)]
        let dot = mantissa.firstIndex(of: UInt8(ascii: "."))
        let whole = mantissa[..<(dot ?? mantissa.endIndex)]
        guard let w = whole.first, isDigit(w), w != 0x30 || whole.count == 1, digits(whole, radix: 10) != nil else { return nil }
        if let dot { guard digits(mantissa[(dot + 1)...], radix: 10) != nil else { return nil } }
        if let e {
            var exponent = parts[(e + 1)...]
            if let sign = exponent.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { exponent = exponent.dropFirst() }
            guard digits(exponent, radix: 10) != nil else { return nil }
        }
        guard dot != nil || e != nil else { return nil }
        return Double(String(decoding: t.filter { $0 != 0x5F }, as: UTF8.self))
    }

    /// "dateTime", "date" or "time" when the token has that shape (RFC 3339 as TOML allows it).
    static func dateTimeKind(_ t: [UInt8]) -> String? {
        func shape(_ s: ArraySlice<UInt8>, _ pattern: String) -> Bool {
            s.count == pattern.utf8.count && zip(s, pattern.utf8).allSatisfy { c, p in p == UInt8(ascii: "d") ? isDigit(c) : c == p }
        }
        func time(_ s: ArraySlice<UInt8>) -> Bool {
            guard s.count >= 8, shape(s.prefix(8), "dd:dd:dd") else { return false }
            var rest = s.dropFirst(8)
            if rest.first == UInt8(ascii: ".") {
                rest = rest.dropFirst()
                guard let f = rest.first, isDigit(f) else { return false }
                while let c = rest.first, isDigit(c) { rest = rest.dropFirst() }
            }
            return rest.isEmpty || rest == [UInt8(ascii: "Z")] || rest == [UInt8(ascii: "z")]
                || shape(rest, "+dd:dd") || shape(rest, "-dd:dd")
        }
        let s = t[...]
        if time(s) { return "time" }
        guard s.count >= 10, shape(s.prefix(10), "dddd-dd-dd") else { return nil }
        if s.count == 10 { return "date" }
        let separator = s[s.startIndex + 10]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == 0x20 else { return nil }
        return time(s.dropFirst(11)) ? "dateTime" : nil
    }
}
