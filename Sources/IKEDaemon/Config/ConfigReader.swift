import IKECore
import IKEWire

/// Collects errors while a configuration is read, so one run reports them all.
final class ConfigReader {
    let file: String
    private(set) var errors: [ConfigError] = []
    var warnings: [String] = []
    /// Keys that hold a pre-shared key inline (`tunnel.NAME.psk`): the file is then as secret
    /// as the key, which `ConfigLoader.load` checks against the file's mode.
    var inlinePSKKeys: [String] = []

    init(file: String) { self.file = file }

    func fail(_ key: String, _ message: String) {
        errors.append(ConfigError(file: file, key: key, message: message))
    }
}

/// One TOML table at a dotted path, with typed getters that report wrong types and ranges
/// against the full key name. A getter returns nil both when the key is absent and when it is
/// wrong; in the second case an error has been recorded.
struct Section {
    let reader: ConfigReader
    let table: TOMLTable
    let path: String

    func key(_ k: String) -> String { path.isEmpty ? k : "\(path).\(k)" }
    func fail(_ k: String, _ message: String) { reader.fail(key(k), message) }
    func has(_ k: String) -> Bool { table[k] != nil }

    /// Unknown keys are errors, with the closest known key as a suggestion.
    func rejectUnknownKeys(_ allowed: [String]) {
        for k in table.keys.sorted() where !allowed.contains(k) {
            let hint = closest(to: k, in: allowed).map { "; did you mean \($0)?" } ?? ""
            fail(k, "unknown key\(hint) (known keys: \(allowed.joined(separator: ", ")))")
        }
    }

    func string(_ k: String) -> String? {
        guard let v = table[k] else { return nil }
        guard let s = v.string else { fail(k, "must be a string, not \(v.type)"); return nil }
        return s
    }

    /// A string or an array of strings.
    func strings(_ k: String) -> [String]? {
        guard let v = table[k] else { return nil }
        if let s = v.string { return [s] }
        guard let a = v.array else { fail(k, "must be a string or a list of strings, not \(v.type)"); return nil }
        var out: [String] = []
        for (i, item) in a.enumerated() {
            guard let s = item.string else { fail("\(k)[\(i)]", "must be a string, not \(item.type)"); return nil }
            out.append(s)
        }
        guard !out.isEmpty else { fail(k, "must not be empty"); return nil }
        return out
    }

    func bool(_ k: String) -> Bool? {
        guard let v = table[k] else { return nil }
        guard let b = v.bool else { fail(k, "must be true or false, not \(v.type)"); return nil }
        return b
    }

    func int(_ k: String, _ range: ClosedRange<Int>) -> Int? {
        guard let v = table[k] else { return nil }
        guard let n = v.int else { fail(k, "must be an integer, not \(v.type)"); return nil }
        guard range.contains(n) else { fail(k, "\(n) is out of range \(range.lowerBound)…\(range.upperBound)"); return nil }
        return n
    }

    /// Seconds as an integer, or text like "8h", "270s", "1h30m", "2d".
    func duration(_ k: String, _ range: ClosedRange<Int>) -> Duration? {
        guard let v = table[k] else { return nil }
        let seconds: Int
        if let n = v.int {
            seconds = n
        } else if let s = v.string {
            guard let parsed = parseDuration(s) else {
                fail(k, "\"\(s)\" is not a duration (write seconds, or e.g. \"270s\", \"45m\", \"8h\", \"1h30m\", \"2d\")")
                return nil
            }
            seconds = parsed
        } else {
            fail(k, "must be a duration (seconds or a string like \"8h\"), not \(v.type)")
            return nil
        }
        guard range.contains(seconds) else {
            fail(k, "\(seconds) s is out of range \(range.lowerBound)…\(range.upperBound) s")
            return nil
        }
        return .seconds(seconds)
    }

    func choice<E: RawRepresentable & CaseIterable>(_ k: String, _: E.Type) -> E? where E.RawValue == String {
        guard let s = string(k) else { return nil }
        guard let e = E(rawValue: s) else {
            let allowed = E.allCases.map(\.rawValue)
            let hint = closest(to: s, in: allowed).map { "; did you mean \($0)?" } ?? ""
            fail(k, "\"\(s)\" is not one of \(allowed.joined(separator: ", "))\(hint)")
            return nil
        }
        return e
    }

    func cidrs(_ k: String) -> [TrafficSelector]? {
        guard let texts = strings(k) else { return nil }
        var out: [TrafficSelector] = []
        for (i, t) in texts.enumerated() {
            do { out.append(try TrafficSelector(parsing: t)) } catch {
                fail(texts.count == 1 ? k : "\(k)[\(i)]", "\(error)")
                return nil
            }
        }
        return out
    }

    func address(_ k: String) -> [UInt8]? {
        guard let s = string(k) else { return nil }
        do { return try Endpoint.address(parsing: s) } catch {
            fail(k, "\(error)")
            return nil
        }
    }
}

/// "90", "270s", "45m", "8h", "2d", "1h30m" → seconds.
func parseDuration(_ text: String) -> Int? {
    let t = text.trimmingSpaces
    if let n = Int(t) { return n }
    var total = 0, number = 0, digits = 0
    for c in t {
        if let d = c.wholeNumberValue, c.isASCII {
            number = number * 10 + d
            digits += 1
            guard number < 100_000_000 else { return nil }
            continue
        }
        let unit: Int? = switch c { case "s": 1; case "m": 60; case "h": 3600; case "d": 86_400; default: nil }
        guard let unit, digits > 0 else { return nil }
        total += number * unit
        number = 0
        digits = 0
    }
    return digits == 0 && !t.isEmpty ? total : nil
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
