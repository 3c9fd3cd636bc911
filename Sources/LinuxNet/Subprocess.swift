import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Runs a short-lived command (`birdc`) to completion with a deadline and collects its output.
/// Blocking: call it off the event loop (BirdControl's worker thread). The child gets no
/// descriptor but stdin (/dev/null), stdout and stderr (one pipe), and none of the daemon's
/// blocked signals.
public enum Subprocess {
    /// How a run ended: the exit status (nil when killed by a signal or not started), stdout and
    /// stderr together, and whether the deadline killed it.
    public struct Result: Sendable, Equatable {
        public var status: Int32?
        public var output: String
        public var timedOut: Bool

        public var succeeded: Bool { status == 0 && !timedOut }
    }

    /// Output beyond this many bytes is read and dropped.
    public static let maxOutput = 8 << 20

    public static func run(_ argv: [String], timeout: Duration) -> Result {
        guard let fds = try? Subprocess.pipe(nonBlocking: false) else {
            return Result(status: nil, output: "pipe: \(String(cString: strerror(errno)))", timedOut: false)
        }
        var pid: pid_t = 0
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let rc = clinux_spawn(&cArgs, fds.write, &pid)
        for p in cArgs { free(p) }
        close(fds.write)
        defer { close(fds.read) }
        guard rc == 0 else {
            return Result(status: nil, output: "cannot run \(argv.first ?? ""): \(String(cString: strerror(rc)))", timedOut: false)
        }
        let (output, timedOut) = readAll(fds.read, deadline: monotonicSeconds() + timeout.seconds)
        if timedOut { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // WIFEXITED / WEXITSTATUS: the low 7 bits hold a terminating signal, if any.
        let exited = status & 0x7F == 0
        return Result(status: exited ? (status >> 8) & 0xFF : nil, output: String(decoding: output, as: UTF8.self),
                      timedOut: timedOut)
    }

    /// A close-on-exec pipe: (read end, write end).
    public static func pipe(nonBlocking: Bool) throws(NetError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard clinux_pipe(&fds, nonBlocking ? 1 : 0) == 0 else { throw NetError("pipe2") }
        return (fds[0], fds[1])
    }

    /// Reads until EOF or the deadline (monotonic seconds).
    static func readAll(_ fd: Int32, deadline: Double) -> (bytes: [UInt8], timedOut: Bool) {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let left = deadline - monotonicSeconds()
            if left <= 0 { return (out, true) }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(min(left * 1000 + 1, 60_000)))
            if ready < 0, errno == EINTR { continue }
            if ready <= 0 { continue }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return (out, false) }
            if out.count < maxOutput { out += chunk[0..<min(n, maxOutput - out.count)] }
        }
    }

    static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}

extension Duration {  // fileprivate: other modules have their own
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
