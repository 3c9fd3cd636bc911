import IKECrypto
import IKEWire
import Testing
@testable import IKECore

/// Rekeying Child SAs and the IKE SA (RFC 7296 §1.3.2, §1.3.3, §2.8, §2.18), make-before-break,
/// by time and by volume.
@Suite struct RekeySimTests {
    static func up(_ a: TunnelConfig? = nil, _ b: TunnelConfig? = nil, seed: UInt64 = 1) throws -> SimPair {
        try EstablishmentTests.establish(try a ?? SimConfig.tunnel(.a), try b ?? SimConfig.tunnel(.b), seed: seed)
    }

    @Test func childRekeyByTimeReplacesThePairBeforeDeletingIt() throws {
        // CREATE_CHILD_SA { N(REKEY_SA), SA, Ni, KEi, TSi, TSr } -->   <-- { SA, Nr, KEr, TSi, TSr }
        // INFORMATIONAL { D(ESP, old) } -->   <-- { D(ESP, old) }
        var a = try SimConfig.tunnel(.a, esp: ["aes256gcm16-modp2048"])
        a.childLifetime = Lifetime(time: .seconds(600), margin: .seconds(60), fuzz: 0)
        let b = try SimConfig.tunnel(.b, esp: ["aes256gcm16-modp2048"])
        let pair = try Self.up(a, b)
        let before = try #require(pair.a.childSAs(tunnel: "t").first).id
        pair.invariant = { p in #expect(p.matchingPairs() >= 1, "a Child SA pair exists at every step") }
        pair.run(for: .seconds(500))   // establishment took the first 30 s: now 530 s
        #expect(pair.a.childSAs(tunnel: "t").map(\.id) == [before], "no rekey before 540 s")
        pair.run(for: .seconds(20))
        let after = try #require(pair.a.childSAs(tunnel: "t").first).id
        #expect(after != before)
        #expect(pair.events[.a]!.rekeyed == 1 && pair.events[.b]!.rekeyed == 1)
        // Make-before-break: the successor was announced before the old pair's deletion.
        let order = pair.events[.b]!.compactMap { e -> String? in
            switch e { case .childSARekeyed: "rekeyed"; case .childSADeleted: "deleted"; default: nil }
        }
        #expect(order == ["rekeyed", "deleted"])
        #expect(pair.expectAgreement() == 1)
    }

    @Test(arguments: [false, true])
    func childRekeyWithAndWithoutPFS(_ pfs: Bool) throws {
        let esp = pfs ? ["aes256-sha256-ecp256"] : ["aes256-sha256"]
        let pair = try Self.up(try SimConfig.tunnel(.a, esp: esp), try SimConfig.tunnel(.b, esp: esp))
        let old = try #require(pair.a.childSAs(tunnel: "t").first)
        pair.a.rekeyChildSAs(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(5))
        let new = try #require(pair.a.childSAs(tunnel: "t").first)
        #expect(new.id != old.id)
        #expect(new.inboundKeys.encryption != old.inboundKeys.encryption)
        let request = pair.sent[.a]!.compactMap { try? IKEMessage.decode($0.bytes) }.filter { $0.header.exchangeType == .createChildSA }
        #expect(request.count == 1)
        #expect(pair.expectAgreement() == 1)
        #expect(pair.b.childSAs(tunnel: "t").count == 1, "the old pair is gone on both sides")
    }

    @Test func childRekeyByVolume() throws {
        var a = try SimConfig.tunnel(.a)
        a.childLifetime = Lifetime(time: .seconds(3600), margin: .seconds(360), fuzz: 0, bytes: 1_000_000)
        let pair = try Self.up(a)
        let child = try #require(pair.a.childSAs(tunnel: "t").first)
        #expect(child.hardBytes == 1_000_000 && child.softBytes == 900_000, "soft limit scaled by the 10 % margin")
        // The datapath counted past the soft limit.
        pair.a.childSAExpired(inboundSPI: child.id.inbound, hard: false, now: pair.now)
        pair.run(for: .seconds(5))
        #expect(pair.events[.a]!.rekeyed == 1)
        #expect(pair.expectAgreement() == 1)
        // A hard limit deletes without a successor.
        let current = try #require(pair.a.childSAs(tunnel: "t").first)
        pair.a.childSAExpired(inboundSPI: current.id.inbound, hard: true, now: pair.now)
        pair.run(for: .seconds(5))
        #expect(pair.expectAgreement() == 0)
    }

    @Test func ikeRekeyMovesChildSAsToTheNewIKESA() throws {
        // CREATE_CHILD_SA { SA(IKE, SPIi'), Ni, KEi } -->   <-- { SA(IKE, SPIr'), Nr, KEr }
        // INFORMATIONAL(old SA) { D(IKE) } -->   <-- { }
        var a = try SimConfig.tunnel(.a)
        a.ikeLifetime = Lifetime(time: .seconds(1800), margin: .seconds(300), fuzz: 0)
        let pair = try Self.up(a)
        let oldIKE = try #require(pair.a.ikeSAs(tunnel: "t").first).id
        let child = try #require(pair.a.childSAs(tunnel: "t").first).id
        pair.invariant = { p in #expect(p.matchingPairs() == 1) }
        pair.run(for: .seconds(1510))
        let newIKE = try #require(pair.a.ikeSAs(tunnel: "t").first).id
        #expect(newIKE != oldIKE)
        #expect(pair.a.ikeSACount == 1 && pair.b.ikeSACount == 1, "the old IKE SA was deleted on both sides")
        #expect(pair.a.childSAs(tunnel: "t").map(\.id) == [child], "the Child SA moved, unchanged")
        #expect(pair.events[.a]!.ikeRekeyed == 1 && pair.events[.b]!.ikeRekeyed == 1)
        #expect(pair.expectAgreement() == 1)
        // The new IKE SA works: rekey the child through it (two pairs exist briefly).
        pair.invariant = { p in #expect(p.matchingPairs() >= 1) }
        pair.a.rekeyChildSAs(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(5))
        #expect(pair.expectAgreement() == 1)
        #expect(pair.a.childSAs(tunnel: "t").first?.id != child)
    }

    @Test func responderRekeysTheIKESAToo() throws {
        var b = try SimConfig.tunnel(.b)
        b.ikeLifetime = Lifetime(time: .seconds(900), margin: .seconds(100), fuzz: 0)
        let pair = try Self.up(nil, b)
        pair.run(for: .seconds(810))
        #expect(pair.events[.b]!.ikeRekeyed == 1)
        #expect(pair.a.ikeSAs().first?.isOriginalInitiator == false, "B initiated the rekey, so it is the new SA's original initiator")
        #expect(pair.expectAgreement() == 1)
    }

    @Test func additionalChildSAWithCreateChildSA() throws {
        // CREATE_CHILD_SA { SA, Ni, KEi, TSi, TSr } -->   <-- { SA, Nr, KEr, TSi, TSr }
        let esp = ["aes128gcm16-ecp256"]
        let pair = try Self.up(try SimConfig.tunnel(.a, esp: esp), try SimConfig.tunnel(.b, esp: esp))
        pair.b.createChildSA(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(5))
        #expect(pair.events[.a]!.installed == 2 && pair.events[.b]!.installed == 2)
        #expect(pair.expectAgreement() == 2)
    }

    @Test func duplicatedDatagramsAreAnsweredOnceAndCounted() throws {
        let pair = try SimPair(a: [try SimConfig.tunnel(.a)], b: [try SimConfig.tunnel(.b)])
        pair.duplicate = 1.0   // every datagram arrives twice
        try pair.a.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(5))
        pair.a.rekeyChildSAs(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(5))
        #expect(pair.expectAgreement() == 1)
        // Duplicate requests get the cached response again (§2.1); those duplicates then
        // arrive as responses to nothing and are dropped and counted.
        #expect((pair.a.dropCounts[.unexpectedResponse] ?? 0) >= 3)
        #expect(pair.log(.b, containing: "retransmitting response"))
        #expect(pair.events[.b]!.rekeyed == 1, "the duplicated rekey request created one Child SA, not two")
    }

    @Test func lostDeleteOfTheOldIKESADoesNotDisturbTheNewOne() throws {
        // The Delete of the replaced IKE SA never arrives: B removes the old SA itself after a
        // minute; A's unanswered Delete ends the old SA quietly, without dpd_action restart.
        var a = try SimConfig.tunnel(.a)
        a.dpdAction = .restart
        let pair = try Self.up(a)
        let old = try #require(pair.a.ikeSAs().first).id
        pair.filter = { side, d in
            guard side == .a, let h = try? IKEHeader.decode(d.bytes) else { return false }
            return h.exchangeType == .informational && h.initiatorSPI == old.spiI
        }
        pair.a.rekeyIKESA(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(300))
        #expect(pair.a.ikeSACount == 1 && pair.b.ikeSACount == 1)
        #expect(pair.a.ikeSAs().first?.id != old)
        #expect(pair.events[.a]!.established == 1, "no new IKE_SA_INIT: nothing restarted")
        #expect(pair.expectAgreement() == 1)
    }
}
