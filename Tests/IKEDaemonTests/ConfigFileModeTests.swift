import Foundation
import Testing
@testable import IKEDaemon

/// The configuration file's own mode (issue 10): a file others can write is refused, and a file
/// others can read gets a warning when it holds a pre-shared key inline.
@Suite struct ConfigFileModeTests {
    /// Writes `toml` to a fresh file with `mode` and loads it.
    static func load(_ toml: String, mode: Int) throws -> Result<IkedConfiguration, ConfigErrors> {
        let dir = try PSKFileTests.folder()
        let file = dir.appendingPathComponent("iked.toml")
        try toml.write(to: file, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file.path)
        do { return .success(try ConfigLoader.load(path: file.path)) } catch { return .failure(error) }
    }

    @Test func writableByGroupOrOthersIsRefused() throws {
        for mode in [0o664, 0o646, 0o622] {
            guard case .failure(let e) = try Self.load(ConfigCheckTests.base, mode: mode) else {
                Issue.record("mode \(String(mode, radix: 8)) accepted"); continue
            }
            #expect(e.errors.count == 1 && e.errors[0].message.contains("writable by group or others"), "\(e)")
        }
    }

    @Test func anInlinePSKInAReadableFileIsAWarningThatNamesTheKeyNotTheSecret() throws {
        let config = try Self.load(ConfigCheckTests.base, mode: 0o644).get()
        let w = config.warnings.filter { $0.contains("pre-shared key") }
        #expect(w.count == 1 && w[0].contains("tunnel.t.psk") && w[0].contains("mode 644"), "\(config.warnings)")
        #expect(!config.warnings.contains { $0.contains("a-shared-secret") })
    }

    @Test func mode600OrAPSKFileGivesNoWarning() throws {
        let config = try Self.load(ConfigCheckTests.base, mode: 0o600).get()
        #expect(config.inlinePSKKeys == ["tunnel.t.psk"])
        #expect(!config.warnings.contains { $0.contains("pre-shared key") }, "\(config.warnings)")
        // psk_file, mode 644 config: nothing secret in the file, nothing to say.
        let dir = try PSKFileTests.folder()
        let key = dir.appendingPathComponent("k.psk")
        try "a-shared-secret".write(to: key, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key.path)
        let file = dir.appendingPathComponent("iked.toml")
        try PSKFileTests.config("k.psk").write(to: file, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        let withFile = try ConfigLoader.load(path: file.path)
        #expect(withFile.inlinePSKKeys.isEmpty && !withFile.warnings.contains { $0.contains("pre-shared key") })
    }
}
