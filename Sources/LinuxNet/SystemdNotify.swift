import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET per state change
/// ("READY=1", "STATUS=…", "WATCHDOG=1", "RELOADING=1", "STOPPING=1"). A no-op outside systemd.
public struct SystemdNotify {
    let path: String?
    /// The watchdog interval systemd asked for (WATCHDOG_USEC), halved as sd_watchdog_enabled suggests.
    public let watchdogInterval: Duration?

    public init() {
        path = getenv("NOTIFY_SOCKET").map { String(cString: $0) }
        if let usec = getenv("WATCHDOG_USEC").flatMap({ Int64(String(cString: $0)) }), usec > 0 {
            watchdogInterval = .microseconds(usec / 2)
        } else {
            watchdogInterval = nil
        }
    }

    /// Running under systemd with a notify socket (otherwise `notify` does nothing).
    public var isEnabled: Bool { path.map { !$0.isEmpty } ?? false }

    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let path, !path.isEmpty else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let bytes = Array(state.utf8)
        let n = UnixAddress.with(path) { addr, len in bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, addr, len) } }
        return n == bytes.count
    }
}
