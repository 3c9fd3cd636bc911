import Foundation
import LinuxNet
#if canImport(Glibc)
import Glibc
#endif

/// iked's files in `bird_config_dir`: `iked_*.conf`, one per tunnel with `bgp` that is up, mode
/// 644 whatever the daemon's umask (BIRD runs as its own user and must read them). A file is
/// written under a temporary name that BIRD's `*.conf` include does not match, then renamed, so
/// BIRD never reads half a fragment. Files of other names are never touched.
struct BirdFiles {
    let directory: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func isOurs(_ name: String) -> Bool { name.hasPrefix("iked_") && name.hasSuffix(".conf") }

    func path(_ name: String) -> String { "\(directory)/\(name)" }

    private func failure(_ what: String, _ path: String) -> Failure {
        Failure(description: "\(what) \(path): \(String(cString: strerror(errno)))")
    }

    /// Creates the directory (mode 755, parents too) if it is missing.
    func ensureDirectory() throws {
        var prefix = ""
        for part in directory.split(separator: "/") {
            prefix += "/\(part)"
            if mkdir(prefix, 0o755) != 0, errno != EEXIST { throw failure("cannot create", prefix) }
        }
    }

    /// The names of iked's fragments in the directory.
    func list() throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory).filter(Self.isOurs).sorted()
        } catch {
            throw Failure(description: "cannot read \(directory): \(error.localizedDescription)")
        }
    }

    /// The file's text, or nil when it does not exist or cannot be read.
    func read(_ name: String) -> String? {
        let fd = open(path(name), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func write(_ name: String, _ text: String) throws {
        let temporary = path(".\(name).tmp")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw failure("cannot write", temporary) }
        var ok = fchmod(fd, 0o644) == 0
        let bytes = Array(text.utf8)
        var done = 0
        while ok, done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            ok = n > 0
            if ok { done += n }
        }
        let error = failure("cannot write", temporary)
        close(fd)
        guard ok else { unlink(temporary); throw error }
        guard rename(temporary, path(name)) == 0 else {
            let e = failure("cannot rename to", path(name))
            unlink(temporary)
            throw e
        }
    }

    func remove(_ name: String) throws {
        if unlink(path(name)) != 0, errno != ENOENT { throw failure("cannot remove", path(name)) }
    }
}
