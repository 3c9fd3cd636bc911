/// One thing wrong with a configuration: the file, the dotted key path
/// (`tunnel.tunnel1.dpd_action`), what is wrong and what is allowed. Never contains a secret:
/// messages about `psk` name the key, not its value.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var key: String
    public var message: String

    public init(file: String, key: String, message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    public var description: String { key.isEmpty ? "\(file): \(message)" : "\(file): \(key): \(message)" }
}

/// Every error found in one configuration file (all are reported, not only the first).
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// "Did you mean": the allowed word closest to a misspelt one, if it is close enough.
func closest(to word: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(word, $0)) }.min { $0.1 < $1.1 }
    guard let (best, d) = scored, d <= max(2, word.count / 3) else { return nil }
    return best
}

/// Levenshtein distance over Unicode scalars.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    var row = Array(0...y.count)
    for i in 1...max(1, x.count) where !x.isEmpty {
        var previous = row[0]
        row[0] = i
        for j in 1...max(1, y.count) where !y.isEmpty {
            let current = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (x[i - 1] == y[j - 1] ? 0 : 1))
            previous = current
        }
    }
    return x.isEmpty ? y.count : row[y.count]
}
