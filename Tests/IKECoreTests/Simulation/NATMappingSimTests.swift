import IKEWire
import Testing
@testable import IKECore

/// The NAT in front of A changes its mapping (RFC 7296 §2.23) while A only sends ESP: B learns it
/// from the datapath (`childSAPacket`), checks the new address with a liveness check and moves
/// its IKE SA and Child SAs only on the authenticated answer.
@Suite struct NATMappingSimTests {
    static let moved = Endpoint(address: [203, 0, 113, 9], port: 44500)

    /// The tunnel up across the NAT, then the NAT shows A at 203.0.113.9 and forgets the old mapping.
    static func remapped() throws -> (SimPair, spi: UInt32) {
        let pair = try NATSimTests.natted()
        let spi = try #require(pair.b.childSAs().first).id.inbound
        pair.nat = SimPair.NAT(inside: [10, 0, 0, 1], publicAddress: moved.address)
        pair.filter = { side, d in side == .b && d.destination.address == [203, 0, 113, 5] }
        return (pair, spi)
    }

    static func informational(_ pair: SimPair, from index: Int, to destination: Endpoint) -> Int {
        pair.sent[.b]![index...].filter {
            $0.destination == destination && (try? IKEHeader.decode($0.bytes))?.exchangeType == .informational
        }.count
    }

    @Test func espFromANewMappingMovesTheIKESAAfterALivenessCheck() throws {
        let (pair, spi) = try Self.remapped()
        let old = try #require(pair.b.ikeSAs().first).remote
        let before = pair.sent[.b]!.count
        pair.b.childSAPacket(inboundSPI: spi, from: Self.moved, now: pair.now)
        pair.run(for: .seconds(1))
        #expect(Self.informational(pair, from: before, to: Self.moved) == 1, "a liveness check to the new address at once")
        #expect(Self.informational(pair, from: before, to: old) == 1, "and to the known one")
        #expect(pair.b.ikeSAs().first?.remote == Self.moved, "the authenticated answer moved the IKE SA")
        #expect(pair.b.childSAs().first?.remote == Self.moved, "and its Child SAs")
        #expect(pair.events[.b]!.contains {
            if case .encapsulationChanged(_, _, let remote, true) = $0 { remote == Self.moved } else { false }
        }, "the daemon is told, so ESP follows")
        #expect(pair.log(.b, containing: "NAT mapping changed"))
        #expect(pair.expectAgreement() == 1, "the same SAs: the tunnel followed, nothing was re-made")
    }

    @Test func withoutAnAnswerNothingMoves() throws {
        let (pair, spi) = try Self.remapped()
        let old = try #require(pair.b.ikeSAs().first).remote
        pair.silent = [.a]
        let events = pair.events[.b]!.count
        pair.b.childSAPacket(inboundSPI: spi, from: Self.moved, now: pair.now)
        pair.run(for: .seconds(3))
        #expect(pair.b.ikeSAs().first?.remote == old, "ESP alone, even authentic, does not move the IKE SA")
        #expect(!pair.events[.b]![events...].contains { if case .encapsulationChanged = $0 { true } else { false } })
    }

    @Test func espFromTheKnownAddressOrRepeatedReportsSendOneCheckAtMost() throws {
        let (pair, spi) = try Self.remapped()
        let old = try #require(pair.b.ikeSAs().first).remote
        let before = pair.sent[.b]!.count
        pair.b.childSAPacket(inboundSPI: spi, from: old, now: pair.now)
        pair.run(for: .milliseconds(5))
        #expect(pair.sent[.b]!.count == before, "ESP from where the peer is: no check")
        pair.silent = [.a]
        for _ in 0..<5 { pair.b.childSAPacket(inboundSPI: spi, from: Self.moved, now: pair.now) }
        pair.run(for: .milliseconds(5))
        #expect(Self.informational(pair, from: before, to: Self.moved) == 1, "one check per new address, not one per packet")
    }

    @Test func withoutTheESPReportTheMoveWaitsForThePeersNextIKEMessage() throws {
        // What the report shortens: B only learns the mapping from A's own DPD (30 s idle here).
        let (pair, _) = try Self.remapped()
        pair.run(for: .seconds(5))
        #expect(pair.b.ikeSAs().first?.remote != Self.moved)
    }
}
