import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Delivers SIGTERM, SIGINT and SIGHUP through a descriptor (signalfd) that the event loop
/// polls, so no code runs in signal context. The signals are blocked for the process.
public final class SignalDescriptor {
    public let fd: Int32

    public init() throws(NetError) {
        let fd = clinux_termination_signalfd()
        guard fd >= 0 else { throw NetError("signalfd") }
        self.fd = fd
    }

    deinit { close(fd) }

    /// The signals that arrived since the last call.
    public func pending() -> [Int32] {
        var out: [Int32] = []
        var info = signalfd_siginfo()
        while read(fd, &info, MemoryLayout<signalfd_siginfo>.size) == MemoryLayout<signalfd_siginfo>.size {
            out.append(Int32(info.ssi_signo))
        }
        return out
    }
}
