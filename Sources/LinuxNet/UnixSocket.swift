import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Unix stream sockets for the control channel: a listening server and connections carrying
/// newline-delimited messages. Each object owns its descriptor.
public final class UnixListener {
    public let fd: Int32
    public let path: String

    /// Binds `path` (replacing a stale socket file) with mode 0600.
    public init(path: String) throws(NetError) {
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw NetError("socket") }
        let old = umask(0o177)
        let rc = UnixAddress.with(path) { bind(fd, $0, $1) }
        umask(old)
        guard rc == 0, listen(fd, 16) == 0 else {
            let e = NetError("bind", path)
            close(fd)
            throw e
        }
        chmod(path, 0o600)
        self.fd = fd
        self.path = path
    }

    deinit {
        close(fd)
        unlink(path)
    }

    public func accept() -> UnixConnection? {
        let c = clinux_accept_nonblocking(fd)
        return c >= 0 ? UnixConnection(fd: c) : nil
    }
}

/// One control connection. Reads accumulate until a newline completes a message.
public final class UnixConnection {
    public let fd: Int32
    private var pending: [UInt8] = []
    public private(set) var closed = false
    /// A write failed or timed out: the client is not reading. Later writes return at once.
    public private(set) var writeFailed = false

    init(fd: Int32) { self.fd = fd }

    /// Connects to a server (the client side, blocking).
    public init(connectingTo path: String) throws(NetError) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NetError("socket") }
        guard UnixAddress.with(path, { connect(fd, $0, $1) }) == 0 else {
            let e = NetError("connect", path)
            close(fd)
            throw e
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Reads what is available; returns complete lines. Sets `closed` at end of stream.
    public func readLines() -> [String] {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { pending += chunk[..<n]; if pending.count > 1 << 20 { closed = true; return [] }; continue }
            if n == 0 { closed = true }
            break
        }
        // One pass, one removal: a megabyte of short lines costs linear time, not quadratic.
        var lines: [String] = []
        var start = 0
        while let i = pending[start...].firstIndex(of: 10) {
            lines.append(String(decoding: pending[start..<i], as: UTF8.self))
            start = i + 1
        }
        pending.removeFirst(start)
        return lines
    }

    /// Reads one line, blocking (client side).
    public func readLine() -> String? {
        while true {
            if let i = pending.firstIndex(of: 10) {
                defer { pending.removeSubrange(...i) }
                return String(decoding: pending[..<i], as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return nil }
            pending += chunk[..<n]
        }
    }

    /// Sends one line (MSG_NOSIGNAL: a client gone away is an error, not a SIGPIPE). A client
    /// that stops reading may not stall the daemon: after ~1 s of a full socket buffer the write
    /// fails, the connection is marked `closed` and `writeFailed`, and later writes fail at once.
    @discardableResult
    public func write(line: String) -> Bool {
        guard !writeFailed else { return false }
        var bytes = Array((line + "\n").utf8)[...]
        var waits = 0
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EAGAIN || errno == EINTR {
                waits += 1
                guard waits <= 10 else { break }
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&p, 1, 100)
                continue
            }
            guard n > 0 else { break }
            bytes = bytes.dropFirst(n)
        }
        if bytes.isEmpty { return true }
        writeFailed = true
        closed = true
        return false
    }
}

enum UnixAddress {
    static func with<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var sa = sockaddr_un()
        sa.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: sa.sun_path) - 1
        bytes = Array(bytes.prefix(capacity))
        withUnsafeMutableBytes(of: &sa.sun_path) { $0.copyBytes(from: bytes) }
        let length = MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1)
        return withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(length)) } }
    }
}
