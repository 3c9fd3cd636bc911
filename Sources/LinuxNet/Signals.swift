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

/// poll(2) over a set of descriptors; returns the readable ones.
public func pollReadable(_ fds: [Int32], timeout: Duration?) -> Set<Int32> {
    var set = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    var ms: Int32 = -1
    if let timeout {
        let c = max(.zero, timeout).components
        ms = Int32(min(60_000, c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000 + 1))
    }
    guard poll(&set, nfds_t(set.count), ms) > 0 else { return [] }
    return Set(set.filter { $0.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 }.map(\.fd))
}
