import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// epoll(7) for the daemon's loop: descriptors are registered once, when they come (sockets,
/// TUNs, control clients), and each wait fills a preallocated array, so a turn costs the same
/// with 1 tunnel as with 1,000 (poll(2) rebuilt and scanned every descriptor per turn).
/// Level-triggered, like the poll loop it replaces: a reader that leaves data behind is woken
/// again. Readable, unless `watch(_:writable:)` asks for writability instead (a metrics client
/// with a response still to send, whose unread input must not wake the loop again and again). Not thread-safe; one loop owns it.
public final class EventLoop {
    public let fd: Int32
    /// The most descriptors one `wait` reports; the rest stay ready for the next.
    public let capacity = 256
    private let ready: UnsafeMutablePointer<Int32>
    private var count = 0

    public init() throws(NetError) {
        let fd = clinux_epoll_create()
        guard fd >= 0 else { throw NetError("epoll_create1") }
        self.fd = fd
        ready = .allocate(capacity: capacity)
    }

    deinit {
        close(fd)
        ready.deallocate()
    }

    /// Watches `fd` for input; true if it is watched now (also when it already was).
    @discardableResult
    public func register(_ fd: Int32) -> Bool {
        clinux_epoll_add(self.fd, fd) == 0 || errno == EEXIST
    }

    /// Wakes for `fd` while it is writable instead of readable (or readable again); it must be
    /// registered.
    public func watch(_ fd: Int32, writable: Bool) {
        _ = clinux_epoll_watch(self.fd, fd, writable ? 1 : 0)
    }

    /// Stops watching `fd` (a closed descriptor is dropped by the kernel on its own).
    public func unregister(_ fd: Int32) {
        _ = clinux_epoll_remove(self.fd, fd)
    }

    /// Waits until a watched descriptor is readable or `timeout` passes (nil: no limit; at most
    /// a minute, like the poll loop); returns how many are ready, readable with `subscript`.
    public func wait(timeout: Duration?) -> Int {
        var ms: Int32 = -1
        if let timeout {
            let c = max(.zero, timeout).components
            // Rounded up: waking a little early would only spin to the deadline.
            ms = Int32(min(60_000, c.seconds * 1000 + (c.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000))
        }
        let n = clinux_epoll_wait(fd, ready, Int32(capacity), ms)
        count = max(0, Int(n))
        return count
    }

    /// The `i`th ready descriptor of the last `wait`.
    public subscript(i: Int) -> Int32 {
        precondition(i >= 0 && i < count, "EventLoop: ready index out of range")
        return ready[i]
    }
}
