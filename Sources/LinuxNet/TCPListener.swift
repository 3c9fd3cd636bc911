#if canImport(Glibc)
import Glibc
#endif
import CLinux
import IKECore

/// A listening TCP socket for the metrics endpoint. Owns its descriptor; each accepted client
/// is an `HTTPConnection` that the event loop serves without ever blocking on it.
public final class TCPListener {
    public let fd: Int32
    public let local: Endpoint

    public init(bind local: Endpoint) throws(NetError) {
        let fd = try boundSocket(type: SOCK_STREAM, protocol: 0, local: local)
        guard listen(fd, 16) == 0 else {
            let e = NetError("listen", "\(local)")
            close(fd)
            throw e
        }
        self.fd = fd
        self.local = local
    }

    deinit { close(fd) }

    /// The next waiting client (non-blocking), or nil when none is.
    public func accept() -> HTTPConnection? {
        let c = clinux_accept_nonblocking(fd)
        return c >= 0 ? HTTPConnection(fd: c) : nil
    }
}

/// One client of the metrics endpoint: one request, one response, close. The request head is
/// read as it arrives (at most 8 KiB) and the response written as the socket takes it, so a
/// client that sends or reads slowly costs a descriptor, never the loop's time; the caller
/// closes it at its deadline. Owns its descriptor.
public final class HTTPConnection {
    public let fd: Int32
    private var request: [UInt8] = []
    private var output: ArraySlice<UInt8>?

    /// Where a client is after `advance`.
    public enum Progress: Equatable, Sendable {
        /// The request head is not complete yet: wait until the client is readable.
        case reading
        /// Part of the response is still to be sent: wait until the client is writable.
        case writing
        /// Answered, or gone: close it.
        case finished
    }

    init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    /// Reads what has arrived; once the head is complete (or 8 KiB, or the client stopped
    /// sending) asks `respond(path)` for the answer (`path` is "" unless the request is a GET)
    /// and writes what the socket takes. Call again when the client is readable or writable.
    public func advance(_ respond: (String) -> (status: String, body: String)) -> Progress {
        if output == nil {
            var chunk = [UInt8](repeating: 0, count: 2048)
            while request.count < 8192, !request.containsBlankLine {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, 8192 - request.count)) }
                if n > 0 { request += chunk[..<n]; continue }
                if n < 0, errno == EAGAIN || errno == EINTR { return .reading }
                if n < 0 || request.isEmpty { return .finished }
                break   // end of stream after part of a request: answer what came
            }
            let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self).split(separator: " ")
            let path = line.count >= 2 && line[0] == "GET" ? String(line[1]) : ""
            let (status, body) = respond(path)
            let head = "HTTP/1.1 \(status)\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
            output = Array((head + body).utf8)[...]
        }
        while let bytes = output, !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { output = bytes.dropFirst(n); continue }
            if n < 0, errno == EAGAIN || errno == EINTR { return .writing }
            return .finished
        }
        return .finished
    }
}

extension Array where Element == UInt8 {
    /// An HTTP head's end (CR LF CR LF) anywhere: a client may send more right after it.
    var containsBlankLine: Bool {
        count >= 4 && (0...(count - 4)).contains { self[$0] == 13 && self[$0 + 1] == 10 && self[$0 + 2] == 13 && self[$0 + 3] == 10 }
    }
}
