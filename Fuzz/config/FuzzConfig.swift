// libFuzzer target: the daemon's configuration reader (`ConfigLoader.parse`: the TOML parser,
// then every table reader and the cross-checks), with the input as the file's text.
//
// Properties:
//  1. it returns a configuration or throws ConfigErrors; never traps;
//  2. a failure names at least one error, each in this file;
//  3. no error or warning contains an inline `psk` value (at least 6 characters long, written
//     once in the file, and not made only of characters iked's own words use);
//  4. an accepted configuration holds only tunnels with IKE and ESP proposals.
import Foundation
import IKEDaemon

enum ConfigFuzz {
    static let file = "fuzz.toml"
    /// psk_file paths are relative to this folder, which does not exist.
    static let folder = "/nonexistent/iked-fuzz"

    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let first = outcome(text)
        // (A second parse to check determinism was dropped: inside one process Swift's hashing
        // seed is fixed, so it could only catch global state, which the reader has none of,
        // and it cost a third of every execution.)
        guard text.contains("psk") else { return }
        // A psk that is also a word iked prints anyway (a key name like "start_action", a
        // keyword, an address written elsewhere in the file) would match by coincidence.
        let secrets = inlinePSKs(text).filter { psk in
            !psk.unicodeScalars.allSatisfy { "abcdefghijklmnopqrstuvwxyz0123456789_.-:/%".unicodeScalars.contains($0) }
                && text.components(separatedBy: psk).count == 2
        }
        for line in first.lines {
            for s in secrets where line.contains(s) { fatalError("a message contains a psk value: \(line)") }
        }
    }

    /// What one parse gave, as text lines: the errors, or the tunnels and warnings.
    struct Outcome {
        var accepted: Bool
        var lines: [String]
    }

    static func outcome(_ text: String) -> Outcome {
        do {
            let c = try ConfigLoader.parse(text, file: file, folder: folder)
            for t in c.tunnels where t.ike.ikeProposals.isEmpty || t.ike.espProposals.isEmpty {
                fatalError("tunnel \(t.name) accepted without proposals")
            }
            return Outcome(accepted: true, lines: c.tunnels.map { "\($0.name) \($0.interface)" } + c.warnings)
        } catch {
            guard !error.errors.isEmpty else { fatalError("ConfigErrors without an error") }
            for e in error.errors where e.file != file { fatalError("error about another file: \(e)") }
            return Outcome(accepted: false, lines: error.errors.map(\.description))
        }
    }

    /// Every inline psk string of the file, where the file is valid TOML.
    static func inlinePSKs(_ text: String) -> [String] {
        guard let root = try? TOMLTable(string: text) else { return [] }
        var found: [String] = []
        func scan(_ table: TOMLTable) {
            for key in table.keys {
                guard let value = table[key] else { fatalError("key \(key) listed without a value") }
                if key == "psk", let s = value.string, s.count >= 6 { found.append(s) }
                if let t = value.table { scan(t) }
                if let a = value.array { for v in a { if let t = v.table { scan(t) } } }
            }
        }
        scan(root)
        return found
    }
}
