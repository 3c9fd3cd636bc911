#if canImport(Glibc)
import Glibc
#endif
import IKECore
import Testing
@testable import LinuxNet

/// `ReceiveBatch.source(_:is:)`, which the datapath asks of every ESP-in-UDP packet to see a NAT
/// mapping change: true only for the same family, address and port, on real loopback sockets.
@Suite struct ReceiveSourceTests {
    /// Sends one datagram from `from` to `to` and hands `check` the batch that received it.
    static func received(from: UDPSocket, to: UDPSocket, _ check: (ReceiveBatch) throws -> Void) throws {
        let batch = ReceiveBatch(capacity: 1)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { buffer.deallocate() }
        batch.setBuffer(0, buffer)
        #expect(from.send([1, 2, 3, 4, 5, 6, 7, 8], to: to.local))
        var n = 0
        for _ in 0..<100 {
            n = to.receive(batch)
            if n > 0 { break }
            usleep(10_000)
        }
        try #require(n == 1)
        try check(batch)
    }

    static func endpoint(_ text: String, _ port: UInt16) throws -> Endpoint {
        Endpoint(address: try Endpoint.address(parsing: text), port: port)
    }

    /// `self`, and the same with another port, another address, another family.
    static func check(_ self_: Endpoint, others: [(String, Endpoint)], on batch: ReceiveBatch) {
        #expect(batch.source(0) == self_)
        #expect(batch.source(0, is: SocketDestination(self_)))
        for (what, other) in others { #expect(!batch.source(0, is: SocketDestination(other)), "\(what)") }
    }

    @Test func ipv4SourceMatchesOnlyItsAddressAndPort() throws {
        let receiver = try UDPSocket(bind: try Self.endpoint("127.0.0.1", 47611))
        let sender = try UDPSocket(bind: try Self.endpoint("127.0.0.1", 47612))
        let others = [("another port", try Self.endpoint("127.0.0.1", 47613)),
                      ("another address", try Self.endpoint("127.0.0.2", 47612)),
                      ("another family", try Self.endpoint("::1", 47612))]
        try Self.received(from: sender, to: receiver) { Self.check(sender.local, others: others, on: $0) }
    }

    @Test func ipv6SourceMatchesOnlyItsAddressAndPort() throws {
        let receiver = try UDPSocket(bind: try Self.endpoint("::1", 47611))
        let sender = try UDPSocket(bind: try Self.endpoint("::1", 47612))
        let others = [("another port", try Self.endpoint("::1", 47613)),
                      ("another address", try Self.endpoint("::2", 47612)),
                      ("another family", try Self.endpoint("127.0.0.1", 47612))]
        try Self.received(from: sender, to: receiver) { Self.check(sender.local, others: others, on: $0) }
    }
}
