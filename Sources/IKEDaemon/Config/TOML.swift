/// The values of a TOML document (TOML 1.0) as iked's configuration reader sees them. Parsed by
/// `TOMLParser`; plain Swift values, so nothing is held outside Swift's memory management (the
/// C++ parser this replaced never freed a parsed document, issue 10).
public enum TOMLValue: Equatable, Sendable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    /// An offset or local date-time, local date or local time, kept as written; `kind` is
    /// "dateTime", "date" or "time".
    case dateTime(String, kind: String)
    case array([TOMLValue])
    case table(TOMLTable)

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var int: Int? { if case .int(let n) = self { n } else { nil } }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var array: [TOMLValue]? { if case .array(let a) = self { a } else { nil } }
    public var table: TOMLTable? { if case .table(let t) = self { t } else { nil } }

    /// The type's name in messages ("must be a string, not int").
    public var type: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .double: "double"
        case .bool: "bool"
        case .dateTime(_, let kind): kind
        case .array: "array"
        case .table: "table"
        }
    }
}

/// A TOML table: keys in the order they were defined, each with one value. Invariant: `keys`
/// holds each key of `values` exactly once.
public struct TOMLTable: Equatable, Sendable {
    public private(set) var keys: [String] = []
    private var values: [String: TOMLValue] = [:]

    public init() {}

    /// Parses a whole document (throws `TOMLParseError` with the line of the problem).
    public init(string: String) throws(TOMLParseError) {
        self = try TOMLParser.parse(string)
    }

    public var isEmpty: Bool { keys.isEmpty }

    public subscript(key: String) -> TOMLValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }
}

/// Why a document is not valid TOML, and on which line (1-based).
public struct TOMLParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { message }
}
