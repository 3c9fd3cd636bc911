#if canImport(Glibc)
import Glibc
#endif
import CLinux
import IKECore

/// A listening TCP socket for the metrics endpoint. Connections are short: one request, one
/// response, close. Owns its descriptor.
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

    /// Answers one pending HTTP request with `respond(path)` (status, body), if one is waiting.
    /// Reads at most 8 KiB of request with a short timeout so a slow client cannot stall the loop.
    public func serveOne(_ respond: (String) -> (status: String, body: String)) {
        let c = clinux_accept_nonblocking(fd)
        guard c >= 0 else { return }
        defer { close(c) }
        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        while request.count < 8192, !request.ends(with: [13, 10, 13, 10]) {
            var p = pollfd(fd: c, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 200) > 0 else { break }
            let n = chunk.withUnsafeMutableBytes { read(c, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            request += chunk[..<n]
        }
        let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self).split(separator: " ")
        let path = line.count >= 2 && line[0] == "GET" ? String(line[1]) : ""
        let (status, body) = respond(path)
        let head = "HTTP/1.1 \(status)\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        var bytes = Array((head + body).utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(c, $0.baseAddress, $0.count) }
            if n < 0, errno == EAGAIN { var p = pollfd(fd: c, events: Int16(POLLOUT), revents: 0); guard poll(&p, 1, 200) > 0 else { return }; continue }
            guard n > 0 else { return }
            bytes = bytes.dropFirst(n)
        }
    }
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
