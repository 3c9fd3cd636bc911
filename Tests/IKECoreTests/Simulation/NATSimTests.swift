import IKECrypto
import IKEWire
import Testing
@testable import IKECore

/// NAT traversal (RFC 7296 §2.23, RFC 3948): detection in IKE_SA_INIT, the move to port 4500,
/// keepalives from the side behind the NAT, and forced encapsulation.
@Suite struct NATSimTests {
    /// A sits at 10.0.0.1 behind a NAT that shows it to B as 203.0.113.5 (ports + 40000).
    static func natted() throws -> SimPair {
        var a = try SimConfig.tunnel(.a)
        a.local = Endpoint(address: [10, 0, 0, 1], port: 500)
        a.localID = .fqdn("azure-gw.example")
        var b = try SimConfig.tunnel(.b)
        b.remote = nil   // B cannot know the NAT's address: accept any peer
        b.remoteID = .fqdn("azure-gw.example")
        let pair = try SimPair(a: [a], b: [b])
        pair.nat = SimPair.NAT(inside: [10, 0, 0, 1], publicAddress: [203, 0, 113, 5])
        try pair.a.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(5))
        return pair
    }

    @Test func initiatorBehindNATMovesTo4500() throws {
        let pair = try Self.natted()
        #expect(pair.expectAgreement() == 1)
        let a = try #require(pair.a.ikeSAs().first), b = try #require(pair.b.ikeSAs().first)
        #expect(a.udpEncapsulation && b.udpEncapsulation)
        #expect(a.local.port == 4500 && a.remote.port == 4500)
        #expect(b.remote == Endpoint(address: [203, 0, 113, 5], port: 44500), "B answers the NAT's mapping of 4500")
        #expect(pair.log(.a, containing: "NAT detected (local true, remote false)"))
        #expect(pair.log(.b, containing: "NAT detected (local false, remote true)"))
        #expect(pair.log(.b, containing: "peer floated from 203.0.113.5:"), "B logs A's switch to its NAT-T port as such")
        #expect(!pair.log(.b, containing: "NAT mapping changed"), "and not as a change of the NAT's mapping")
        let child = try #require(pair.a.childSAs().first)
        #expect(child.udpEncapsulation && child.remote.port == 4500)
        let auth = pair.sent[.a]!.filter { (try? IKEHeader.decode($0.bytes))?.exchangeType == .ikeAuth }
        #expect(auth.allSatisfy { $0.source.port == 4500 && $0.destination.port == 4500 })
        #expect(pair.events[.a]!.contains { if case .encapsulationChanged = $0 { true } else { false } })
    }

    @Test func sideBehindNATSendsKeepalives() throws {
        let pair = try Self.natted()
        pair.run(for: .seconds(65))
        let keepalives = pair.sent[.a]!.filter { $0.kind == .natKeepalive }
        #expect(keepalives.count == 3, "one every 20 s of silence")
        #expect(keepalives.allSatisfy { $0.bytes == [0xFF] && $0.source.port == 4500 })
        #expect(pair.sent[.b]!.allSatisfy { $0.kind == .ike }, "B is not behind a NAT")
    }

    @Test func noNATStaysOn500() throws {
        let pair = try EstablishmentTests.establish(try SimConfig.tunnel(.a), try SimConfig.tunnel(.b))
        #expect(pair.a.ikeSAs().first?.udpEncapsulation == false)
        #expect(pair.sent[.a]!.allSatisfy { $0.source.port == 500 })
    }

    @Test func forcedEncapsulationWithoutNAT() throws {
        var a = try SimConfig.tunnel(.a)
        a.forceEncapsulation = true
        let pair = try EstablishmentTests.establish(a, try SimConfig.tunnel(.b))
        #expect(pair.a.ikeSAs().first?.udpEncapsulation == true)
        #expect(pair.b.ikeSAs().first?.udpEncapsulation == true, "the faked hash makes B see a NAT")
        #expect(pair.b.childSAs().first?.udpEncapsulation == true)
        #expect(pair.expectAgreement() == 1)
    }

    @Test func dpdRunsBehindANATDespiteKeepalives() throws {
        // Keepalives every 20 s must not hide a dead peer: idle means nothing received.
        var a = try SimConfig.tunnel(.a)
        a.local = Endpoint(address: [10, 0, 0, 1], port: 500)
        a.localID = .fqdn("azure-gw.example")
        a.dpdDelay = .seconds(30)
        a.dpdTimeout = .seconds(40)
        var b = try SimConfig.tunnel(.b)
        b.remote = nil
        b.remoteID = .fqdn("azure-gw.example")
        let pair = try SimPair(a: [a], b: [b])
        pair.nat = SimPair.NAT(inside: [10, 0, 0, 1], publicAddress: [203, 0, 113, 5])
        try pair.a.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(5))
        pair.silent = [.b]
        pair.run(for: .seconds(120))
        #expect(pair.a.ikeSAs().isEmpty, "30 s idle + 40 s timeout, keepalives or not")
    }
}
