import IKECrypto
import IKEWire
import Testing
@testable import IKECore

/// Liveness checks (RFC 7296 §2.4) with each DPD action, and retransmission under loss (§2.1).
@Suite struct LivenessSimTests {
    /// AWS's DPD: a liveness check after 10 s without traffic, dead after 40 s.
    static func awsDPD(_ action: DPDAction) throws -> TunnelConfig {
        var a = try SimConfig.tunnel(.a)
        a.dpdDelay = .seconds(10)
        a.dpdTimeout = .seconds(40)
        a.dpdAction = action
        return a
    }

    @Test func idleTunnelIsProbedAndStaysUp() throws {
        let pair = try EstablishmentTests.establish(try Self.awsDPD(.clear), try SimConfig.tunnel(.b))
        pair.run(for: .seconds(300))
        let probes = pair.sent[.a]!.compactMap { try? IKEMessage.decode($0.bytes) }.filter { $0.header.exchangeType == .informational }
        #expect(probes.count >= 9, "an empty INFORMATIONAL about every 10 s while idle (\(probes.count))")
        #expect(pair.expectAgreement() == 1)
    }

    @Test func espTrafficSuppressesProbes() throws {
        let pair = try EstablishmentTests.establish(try Self.awsDPD(.clear), try SimConfig.tunnel(.b))
        let spi = try #require(pair.a.childSAs(tunnel: "t").first).id.inbound
        let before = pair.sent[.a]!.count
        for _ in 0..<30 {
            pair.a.childSAActivity(inboundSPI: spi, now: pair.now)
            pair.run(for: .seconds(5))
        }
        #expect(pair.sent[.a]!.count == before, "no probe while ESP arrives every 5 s")
    }

    @Test func silentPeerIsDeclaredDeadAndClearedWithActionClear() throws {
        let pair = try EstablishmentTests.establish(try Self.awsDPD(.clear), try SimConfig.tunnel(.b))
        pair.silent = [.b]
        // The last answered probe was at most 10 s ago; the next one gives up 40 s after it is sent.
        pair.run(for: .seconds(35))
        #expect(pair.a.ikeSAs().count == 1, "still waiting for the 40 s DPD timeout")
        pair.run(for: .seconds(20))
        #expect(pair.a.ikeSACount == 0)
        #expect(pair.a.childSAs().isEmpty)
        let deleted = pair.events[.a]!.compactMap { if case .ikeSADeleted(_, let r) = $0 { r } else { nil } }
        #expect(deleted.map(\.kind) == [.deadPeer])
        pair.run(for: .seconds(300))
        #expect(pair.sent[.a]!.filter { (try? IKEHeader.decode($0.bytes))?.exchangeType == .ikeSAInit }.count == 1,
                "clear does not initiate again")
    }

    @Test func actionRestartInitiatesAgainAndRecoversWhenThePeerReturns() throws {
        let pair = try EstablishmentTests.establish(try Self.awsDPD(.restart), try SimConfig.tunnel(.b))
        let first = try #require(pair.a.ikeSAs().first).id
        pair.silent = [.b]
        pair.run(for: .seconds(60))
        #expect(pair.a.ikeSAs().isEmpty)
        #expect(pair.sent[.a]!.filter { (try? IKEHeader.decode($0.bytes))?.exchangeType == .ikeSAInit }.count >= 2,
                "restart sent a new IKE_SA_INIT")
        pair.silent = []
        pair.run(for: .seconds(200))
        // B still held the old SA; INITIAL_CONTACT in the new IKE_AUTH made it drop it.
        #expect(pair.a.ikeSAs().first?.id != first)
        #expect(pair.a.ikeSACount == 1 && pair.b.ikeSACount == 1)
        #expect(pair.expectAgreement() == 1)
        #expect(pair.log(.b, containing: "INITIAL_CONTACT"))
    }

    @Test func actionNoneKeepsTheSAs() throws {
        let pair = try EstablishmentTests.establish(try Self.awsDPD(.none), try SimConfig.tunnel(.b))
        pair.silent = [.b]
        pair.run(for: .seconds(120))
        #expect(pair.a.ikeSAs().count == 1 && pair.a.childSAs().count == 1)
        #expect(pair.log(.a, containing: "dpd_action none keeps the SAs"))
        pair.silent = []
        pair.run(for: .seconds(60))
        #expect(pair.expectAgreement() == 1, "the kept SAs still work when the peer returns")
    }

    @Test(arguments: 0..<4)
    func retransmissionRecoversALostMessage(_ lost: Int) throws {
        // Drop the n-th datagram of IKE_SA_INIT/IKE_AUTH (request or response, either direction).
        let pair = try SimPair(a: [try SimConfig.tunnel(.a)], b: [try SimConfig.tunnel(.b)])
        var count = 0
        pair.filter = { _, _ in
            defer { count += 1 }
            return count == lost
        }
        try pair.a.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(3))
        #expect(pair.a.ikeSAs().isEmpty, "not up before the 4 s retransmission")
        pair.run(for: .seconds(10))
        #expect(pair.expectAgreement() == 1)
        #expect(pair.events[.a]!.established == 1 && pair.events[.b]!.established == 1)
    }

    @Test func heavyLossDuplicationAndReorderingStillEstablish() throws {
        for seed in UInt64(1)...8 {
            let pair = try SimPair(a: [try SimConfig.tunnel(.a)], b: [try SimConfig.tunnel(.b)], seed: seed)
            pair.loss = [.a: 0.3, .b: 0.3]
            pair.duplicate = 0.3
            pair.reorderJitter = .seconds(2)
            try pair.a.initiate(tunnel: "t", now: pair.now)
            pair.run(for: .seconds(200))
            pair.loss = [.a: 0, .b: 0]
            pair.run(for: .seconds(200))
            #expect(pair.expectAgreement() <= 1)
            #expect(pair.b.ikeSAs().count == pair.a.ikeSAs().count)
        }
    }

    @Test func peerThatNeverAnswersFailsAfterTheRetransmissionSchedule() throws {
        let pair = try SimPair(a: [try SimConfig.tunnel(.a)], b: [try SimConfig.tunnel(.b)])
        pair.silent = [.b]
        try pair.a.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(160))
        #expect(pair.events[.a]!.failures.isEmpty, "4 s × 1.8^n, 5 retransmissions: about 165 s")
        pair.run(for: .seconds(10))
        #expect(pair.events[.a]!.failures.map(\.kind) == [.peerUnreachable])
        #expect(pair.sent[.a]!.count == 6)
    }

    @Test func fragmentedIKEAuthWithALostFragment() throws {
        // IKE_AUTH { SKF(1/n) } ... { SKF(n/n) } --> with many selectors and a 300-byte limit.
        var a = try SimConfig.tunnel(.a), b = try SimConfig.tunnel(.b)
        a.fragmentSize = 300
        b.fragmentSize = 300
        a.localTS = try (0..<24).map { try TrafficSelector(cidr: "10.1.\($0).0/24") }
        b.remoteTS = [try TrafficSelector(cidr: "10.1.0.0/16")]
        let pair = try SimPair(a: [a], b: [b])
        var authDatagrams = 0
        pair.filter = { side, d in
            guard side == .a, (try? IKEHeader.decode(d.bytes))?.exchangeType == .ikeAuth else { return false }
            authDatagrams += 1
            return authDatagrams == 2   // lose the second fragment once
        }
        try pair.a.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(30))
        let auth = pair.sent[.a]!.filter { (try? IKEHeader.decode($0.bytes))?.exchangeType == .ikeAuth }
        #expect(auth.count >= 4, "IKE_AUTH went out in fragments, twice")
        #expect(auth.allSatisfy { $0.bytes.count <= 300 })
        #expect(auth.allSatisfy { (try? IKEMessage.decode($0.bytes))?.encryptedFragment != nil })
        #expect(pair.expectAgreement() == 1)
        #expect(pair.a.childSAs(tunnel: "t").first?.localTS.count == 24)
    }

    @Test func longDPDTimeoutOutlastsTheRetransmissionSchedule() throws {
        // Azure allows DPD timeouts up to 3600 s; the schedule alone gives up after ~165 s.
        var a = try Self.awsDPD(.clear)
        a.dpdTimeout = .seconds(600)
        let pair = try EstablishmentTests.establish(a, try SimConfig.tunnel(.b))
        pair.silent = [.b]
        pair.run(for: .seconds(400))
        #expect(pair.a.ikeSAs().count == 1, "still probing after 400 s")
        let probes = pair.sent[.a]!.filter { (try? IKEHeader.decode($0.bytes))?.exchangeType == .informational }
        #expect(probes.count > 10, "retransmitted at the longest interval (\(probes.count))")
        pair.run(for: .seconds(300))
        #expect(pair.a.ikeSAs().isEmpty, "dead after 600 s")
    }
}
