/// A TOML 1.0 parser for iked's configuration: key/value pairs with bare, quoted and dotted
/// keys, `[table]` and `[[array of tables]]` headers, the four string forms, integers (decimal,
/// hex, octal, binary), floats, booleans, dates and times (kept as text), arrays and inline
/// tables. Each problem is a `TOMLParseError` with its line, never a trap: the input is an
/// operator's file, and `iked --check` must report rather than crash (issue 10 fuzzes this).
/// Nesting of arrays and inline tables is limited to `maxDepth`.
enum TOMLParser {
    static let maxDepth = 32

    static func parse(_ text: String) throws(TOMLParseError) -> TOMLTable {
        var p = DocumentParser(bytes: Array(text.utf8))
        try p.document()
        return p.root
    }
}

/// One parse: a cursor over the UTF-8 bytes, the document built so far and the bookkeeping
/// TOML's redefinition rules need (TOML 1.0, "Table" and "Array of Tables"). Paths name tables
/// by their keys, with `#N` after the key of an array of tables for its element N.
struct DocumentParser {
    var s: TOMLScanner
    var root = TOMLTable()
    /// Tables named by a `[header]`, created by dotted keys, or written inline (closed).
    var headerTables: Set<[String]> = []
    var dottedTables: Set<[String]> = []
    var closedTables: Set<[String]> = []
    /// Keys holding arrays of tables made by `[[headers]]`.
    var tableArrays: Set<[String]> = []
    /// The table that key/value lines go to.
    var current: [String] = []

    init(bytes: [UInt8]) { s = TOMLScanner(bytes: bytes) }

    mutating func document() throws(TOMLParseError) {
        while true {
            s.skipSpaces()
            guard let c = s.peek() else { return }
            switch c {
            case UInt8(ascii: "#"): try s.skipComment()
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): try s.newline()
            case UInt8(ascii: "["):
                try header()
                try s.endOfLine()
            default:
                let (keys, value) = try keyValue(depth: 0)
                try insert(value, at: keys, under: current, marking: true)
                try s.endOfLine()
            }
        }
    }

    /// `[a.b]` or `[[a.b]]`.
    mutating func header() throws(TOMLParseError) {
        s.advance()
        let isArray = s.peek() == UInt8(ascii: "[")
        if isArray { s.advance() }
        s.skipSpaces()
        let keys = try s.key()
        s.skipSpaces()
        try s.expect("]", "a table header must end with ]")
        if isArray { try s.expect("]", "an array-of-tables header must end with ]]") }
        var path: [String] = []
        for (i, k) in keys.enumerated() {
            let last = i == keys.count - 1
            let existing = value(at: path + [k])
            switch (existing, last, isArray) {
            case (nil, false, _):
                try set(.table(TOMLTable()), at: path + [k])
                path.append(k)
            case (nil, true, false):
                try set(.table(TOMLTable()), at: path + [k])
                path.append(k)
                headerTables.insert(path)
            case (nil, true, true):
                try set(.array([.table(TOMLTable())]), at: path + [k])
                tableArrays.insert(path + [k])
                path += [k, "#0"]
            case (.table?, _, _) where !(last && isArray):
                path.append(k)
                guard !closedTables.contains(path) else { throw s.error("table \(path.joined(separator: ".")) is an inline table and cannot be extended") }
                if last {
                    guard !headerTables.contains(path), !dottedTables.contains(path) else {
                        throw s.error("table \(keys.joined(separator: ".")) is defined twice")
                    }
                    headerTables.insert(path)
                }
            case (.array(let a)?, _, _) where tableArrays.contains(path + [k]):
                if last {
                    guard isArray else { throw s.error("\(keys.joined(separator: ".")) is an array of tables, not a table") }
                    try set(.array(a + [.table(TOMLTable())]), at: path + [k])
                    path += [k, "#\(a.count)"]
                } else {
                    path += [k, "#\(a.count - 1)"]
                }
            default:
                throw s.error("key \((path.filter { !$0.hasPrefix("#") } + [k]).joined(separator: ".")) already holds a value")
            }
        }
        current = path
    }

    /// `key = value`; the key's parts and the value.
    mutating func keyValue(depth: Int) throws(TOMLParseError) -> ([String], TOMLValue) {
        let keys = try s.key()
        s.skipSpaces()
        try s.expect("=", "expected = after the key \(keys.joined(separator: "."))")
        s.skipSpaces()
        return (keys, try parseValue(depth: depth))
    }

    /// Puts `value` at the dotted `keys` under the table at `base`; tables the dots create are
    /// remembered as made by dotted keys (`marking`, for the document's tables only).
    mutating func insert(_ value: TOMLValue, at keys: [String], under base: [String], marking: Bool) throws(TOMLParseError) {
        var path = base
        for k in keys.dropLast() {
            switch self.value(at: path + [k]) {
            case nil:
                try set(.table(TOMLTable()), at: path + [k])
                path.append(k)
                if marking { dottedTables.insert(path) }
            case .table?:
                path.append(k)
                guard !closedTables.contains(path), !marking || !headerTables.contains(path) else {
                    throw s.error("dotted key \(keys.joined(separator: ".")) reaches into a table defined elsewhere")
                }
            default:
                throw s.error("key \(k) already holds a value")
            }
        }
        let last = keys[keys.count - 1]
        guard self.value(at: path + [last]) == nil else { throw s.error("key \(keys.joined(separator: ".")) is defined twice") }
        try set(value, at: path + [last])
        if case .table = value, marking { closedTables.insert(path + [last]) }
    }

    // MARK: Values

    mutating func parseValue(depth: Int) throws(TOMLParseError) -> TOMLValue {
        guard depth < TOMLParser.maxDepth else { throw s.error("arrays and inline tables nest deeper than \(TOMLParser.maxDepth)") }
        guard let c = s.peek() else { throw s.error("a value is missing at the end of the file") }
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return .string(try s.string(allowMultiline: true))
        case UInt8(ascii: "["): return .array(try array(depth: depth + 1))
        case UInt8(ascii: "{"): return .table(try inlineTable(depth: depth + 1))
        default: return try s.scalar()
        }
    }

    mutating func array(depth: Int) throws(TOMLParseError) -> [TOMLValue] {
        s.advance()
        var items: [TOMLValue] = []
        while true {
            try s.skipSpacesNewlinesAndComments()
            if s.peek() == UInt8(ascii: "]") { s.advance(); return items }
            items.append(try parseValue(depth: depth))
            try s.skipSpacesNewlinesAndComments()
            guard let c = s.peek() else { throw s.error("an array is not closed with ]") }
            if c == UInt8(ascii: ",") { s.advance(); continue }
            try s.expect("]", "expected , or ] in an array")
            return items
        }
    }

    /// `{ a = 1, b.c = 2 }` on one line; dotted keys inside make nested tables (TOML 1.0).
    mutating func inlineTable(depth: Int) throws(TOMLParseError) -> TOMLTable {
        s.advance()
        var inner = DocumentParser(bytes: [])
        swap(&inner.s, &s)
        defer { swap(&inner.s, &s) }
        inner.s.skipSpaces()
        if inner.s.peek() == UInt8(ascii: "}") { inner.s.advance(); return inner.root }
        while true {
            inner.s.skipSpaces()
            let (keys, value) = try inner.keyValue(depth: depth)
            try inner.insert(value, at: keys, under: [], marking: false)
            inner.s.skipSpaces()
            guard let c = inner.s.peek() else { throw inner.s.error("an inline table is not closed with }") }
            if c == UInt8(ascii: ",") { inner.s.advance(); continue }
            try inner.s.expect("}", "expected , or } in an inline table (which must fit on one line)")
            return inner.root
        }
    }

    // MARK: Paths

    /// The value at a resolved path (`#N` picks an element of an array of tables).
    func value(at path: [String]) -> TOMLValue? {
        var v = TOMLValue.table(root)
        for k in path {
            if k.hasPrefix("#") {
                guard case .array(let a) = v, let n = Int(k.dropFirst()), n < a.count else { return nil }
                v = a[n]
            } else {
                guard case .table(let t) = v, let next = t[k] else { return nil }
                v = next
            }
        }
        return v
    }

    /// Sets the value at a resolved path whose parents exist.
    mutating func set(_ value: TOMLValue, at path: [String]) throws(TOMLParseError) {
        guard Self.set(value, at: path[...], in: &root) else { throw s.error("internal: no table at \(path.joined(separator: "."))") }
    }

    private static func set(_ value: TOMLValue, at path: ArraySlice<String>, in table: inout TOMLTable) -> Bool {
        guard let k = path.first else { return false }
        let rest = path.dropFirst()
        if rest.isEmpty { table[k] = value; return true }
        if let index = rest.first, index.hasPrefix("#") {
            guard case .array(var a)? = table[k], let n = Int(index.dropFirst()), n < a.count, case .table(var t) = a[n] else { return false }
            if rest.count == 1 { a[n] = value } else {
                table[k] = .array([])   // one reference while it changes: no copy of the subtree
                guard set(value, at: rest.dropFirst(), in: &t) else { return false }
                a[n] = .table(t)
            }
            table[k] = .array(a)
            return true
        }
        guard case .table(var t)? = table[k] else { return false }
        table[k] = .table(TOMLTable())   // as above
        let ok = set(value, at: rest, in: &t)
        table[k] = .table(t)
        return ok
    }
}
