import Testing
@testable import LinuxNet
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's local clients over socket pairs: a metrics client (`HTTPConnection`) that sends
/// its request in pieces or does not read its answer is left waiting, not waited for; a control
/// client (`UnixConnection`) that does not read its answers stops getting them; and a megabyte
/// of short control lines splits in one pass.
@Suite struct LocalClientTests {
    /// (the daemon's end, non-blocking; the client's end, blocking)
    func streamPair() throws -> (server: Int32, client: Int32) {
        var fds: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        try #require(fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK) == 0)
        return (fds[0], fds[1])
    }

    func send(_ text: String, to fd: Int32) {
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
    }

    func readAll(_ fd: Int32) -> String {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            out += chunk[..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func aMetricsRequestInPiecesIsAnsweredWhenItsHeadIsComplete() throws {
        let p = try streamPair()
        defer { close(p.client) }
        let c = HTTPConnection(fd: p.server)
        var asked: [String] = []
        let respond = { (path: String) -> (status: String, body: String) in asked.append(path); return ("200 OK", "iked_up 1\n") }
        #expect(c.advance(respond) == .reading, "nothing sent yet")
        send("GET /metr", to: p.client)
        #expect(c.advance(respond) == .reading)
        send("ics HTTP/1.1\r\nHost: x\r\n", to: p.client)
        #expect(c.advance(respond) == .reading, "the head is not complete without its blank line")
        #expect(asked.isEmpty)
        send("\r\n", to: p.client)
        #expect(c.advance(respond) == .finished)
        #expect(asked == ["/metrics"])
        shutdown(p.server, Int32(SHUT_WR))
        let answer = readAll(p.client)
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(answer.contains("Content-Length: 10\r\n"))
        #expect(answer.hasSuffix("\r\n\r\niked_up 1\n"))
    }

    @Test func aMetricsClientThatDoesNotReadIsLeftWaitingForItsSocket() throws {
        let p = try streamPair()
        defer { close(p.client) }
        let c = HTTPConnection(fd: p.server)
        let body = String(repeating: "iked_child_bytes_total{tunnel=\"t\",direction=\"in\"} 1\n", count: 100_000)
        send("GET /metrics HTTP/1.0\r\n\r\n", to: p.client)
        // About 5 MB into a socket buffer of a few hundred KB: the call must return, not wait.
        #expect(c.advance { _ in ("200 OK", body) } == .writing)
        #expect(c.advance { _ in Issue.record("asked twice"); return ("500", "") } == .writing)
        // The client reads now; the rest goes as the socket drains.
        var received = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var progress = HTTPConnection.Progress.writing
        while progress == .writing {
            let n = chunk.withUnsafeMutableBytes { read(p.client, $0.baseAddress, $0.count) }
            try #require(n > 0)
            received += n
            progress = c.advance { _ in ("500", "") }
        }
        #expect(progress == .finished)
        shutdown(p.server, Int32(SHUT_WR))
        received += readAll(p.client).utf8.count
        #expect(received > body.utf8.count && received < body.utf8.count + 200)
    }

    @Test func aClientWaitingForItsAnswerDoesNotWakeTheLoopWithUnreadInput() throws {
        let p = try streamPair()
        defer { close(p.client) }
        let c = HTTPConnection(fd: p.server)
        let loop = try EventLoop()
        #expect(loop.register(c.fd))
        send("GET /metrics HTTP/1.0\r\n\r\nbytes right after the head", to: p.client)
        #expect(c.advance { _ in ("200 OK", String(repeating: "x", count: 5_000_000)) } == .writing,
                "answered although more came after the blank line")
        send("more, never read", to: p.client)
        #expect(loop.wait(timeout: .zero) == 1, "readable: the client's later bytes are unread")
        loop.watch(c.fd, writable: true)
        #expect(loop.wait(timeout: .zero) == 0, "the socket buffer is full; the unread input must not wake the loop")
    }

    @Test func aMetricsClientThatLeavesWithoutARequestIsFinished() throws {
        let p = try streamPair()
        let c = HTTPConnection(fd: p.server)
        close(p.client)
        #expect(c.advance { _ in Issue.record("no request was made"); return ("500", "") } == .finished)
    }

    @Test func aMetricsRequestThatIsNotAGetGetsTheEmptyPath() throws {
        let p = try streamPair()
        defer { close(p.client) }
        let c = HTTPConnection(fd: p.server)
        send(String(repeating: "x", count: 9000), to: p.client)
        var asked: [String] = []
        #expect(c.advance { path in asked.append(path); return ("404 Not Found", "try /metrics\n") } == .finished,
                "8 KiB without a blank line: answered, not read further")
        #expect(asked == [""])
    }

    @Test func aControlClientThatDoesNotReadStopsGettingAnswers() throws {
        let p = try streamPair()
        defer { close(p.client) }
        let c = UnixConnection(fd: p.server)
        let line = String(repeating: "r", count: 4000)
        var written = 0
        while c.write(line: line) { written += 1; try #require(written < 10_000, "the socket buffer never filled") }
        #expect(written > 0)
        #expect(c.writeFailed && c.closed)
        #expect(!c.write(line: "late"), "later answers fail without waiting")
    }

    @Test func aControlClientGoneAwayIsAWriteErrorNotASignal() throws {
        let p = try streamPair()
        let c = UnixConnection(fd: p.server)
        close(p.client)
        // Without MSG_NOSIGNAL this write raises SIGPIPE, which ends the test process.
        #expect(!c.write(line: "{\"ok\":true}"))
        #expect(c.writeFailed)
    }

    @Test func aMegabyteOfShortControlLinesSplitsIntoEveryLine() throws {
        let p = try streamPair()
        defer { close(p.client) }
        let c = UnixConnection(fd: p.server)
        var lines: [String] = []
        let total = 200_000
        var sent = 0
        // 5 bytes a line: 1 MB in pieces the socket takes, read as they come.
        while sent < total {
            let n = min(20_000, total - sent)
            send((sent..<sent + n).map { _ in "list" }.joined(separator: "\n") + "\n", to: p.client)
            sent += n
            lines += c.readLines()
        }
        lines += c.readLines()
        #expect(lines.count == total)
        #expect(Set(lines) == ["list"])
        #expect(!c.closed)
    }
}
