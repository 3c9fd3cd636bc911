import Foundation
import Glibc
import Testing
@testable import IKEDaemon

/// `psk_file` must be a small regular file: a FIFO (or /proc/kmsg) would block `iked --check`
/// and a reload forever, and a huge file would be read whole (issue 10).
@Suite struct PSKFileTests {
    static func config(_ pskFile: String) -> String {
        ConfigCheckTests.base.replacingOccurrences(of: "psk = \"a-shared-secret\"", with: "psk_file = \"\(pskFile)\"")
    }

    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iked-psk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func errors(_ toml: String, folder: URL) -> [ConfigError] {
        do { _ = try ConfigLoader.parse(toml, file: "iked.toml", folder: folder.path); return [] } catch { return error.errors }
    }

    @Test func aFIFOIsRefusedWithoutBeingOpened() throws {
        let dir = try Self.folder()
        #expect(mkfifo(dir.appendingPathComponent("k.psk").path, 0o600) == 0)
        let e = Self.errors(Self.config("k.psk"), folder: dir)
        #expect(e.count == 1 && e[0].key == "tunnel.t.psk_file" && e[0].message.contains("not a regular file"), "\(e)")
    }

    @Test func aHugeFileIsRefused() throws {
        let dir = try Self.folder()
        let file = dir.appendingPathComponent("k.psk")
        try Data(repeating: 0x41, count: TunnelReader.maxPSKFileSize + 1).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        let e = Self.errors(Self.config("k.psk"), folder: dir)
        #expect(e.count == 1 && e[0].message.contains("larger than"), "\(e)")
        try Data(repeating: 0x41, count: TunnelReader.maxPSKFileSize).write(to: file)
        #expect(Self.errors(Self.config("k.psk"), folder: dir).isEmpty, "the limit itself is allowed")
    }
}
