import IKECrypto
import IKEWire
import Testing
@testable import IKECore

/// Exchange collisions (RFC 7296 §2.8.1, §2.8.2, §2.25): both peers rekey the same SA at once,
/// or one deletes what the other rekeys. After each, exactly one SA pair survives and both
/// peers agree on it and its keys.
@Suite struct CollisionSimTests {
    static let seeds: [UInt64] = Array(1...12)

    /// Runs a simultaneous action on both sides for several seeds and returns how often A's
    /// own exchange held the lowest nonce (so "lost"), and how often B's did.
    static func simultaneous(_ action: (SimPair) -> Void, check: (SimPair) -> Void) throws -> (aLost: Int, bLost: Int) {
        var aLost = 0, bLost = 0
        for seed in seeds {
            let pair = try RekeySimTests.up(try SimConfig.tunnel(.a, esp: ["aes256gcm16-ecp256"]),
                                            try SimConfig.tunnel(.b, esp: ["aes256gcm16-ecp256"]), seed: seed)
            action(pair)
            pair.run(for: .seconds(120))
            check(pair)
            if pair.log(.a, containing: "our exchange holds the lowest nonce") { aLost += 1 }
            if pair.log(.b, containing: "our exchange holds the lowest nonce") { bLost += 1 }
        }
        return (aLost, bLost)
    }

    @Test func simultaneousChildRekeyLeavesOnePair() throws {
        // A: CREATE_CHILD_SA { N(REKEY_SA), SA, Ni_a, KEi, TSi, TSr } -->
        //                    <-- CREATE_CHILD_SA { N(REKEY_SA), SA, Ni_b, KEi, TSi, TSr } :B
        // each answers the other; the SA from the exchange with the lowest nonce is deleted by
        // its initiator, and the other initiator deletes the old pair (§2.8.1).
        var oldIDs: [ChildSAID] = []
        let (aLost, bLost) = try Self.simultaneous({ pair in
            oldIDs = pair.a.childSAs(tunnel: "t").map(\.id)
            pair.a.rekeyChildSAs(tunnel: "t", now: pair.now)
            pair.b.rekeyChildSAs(tunnel: "t", now: pair.now)
        }, check: { pair in
            #expect(pair.expectAgreement() == 1)
            #expect(pair.a.childSAs(tunnel: "t").map(\.id) != oldIDs, "the old pair was replaced")
            #expect(pair.a.ikeSAs().count == 1)
        })
        #expect(aLost + bLost == Self.seeds.count, "every run was a collision resolved by nonces")
        #expect(aLost > 0 && bLost > 0, "both orders of the nonces occurred (A lost \(aLost), B lost \(bLost))")
    }

    @Test func simultaneousIKERekeyLeavesOneIKESA() throws {
        // Both send CREATE_CHILD_SA { SA(IKE), Ni, KEi }; the new IKE SA from the exchange with
        // the lowest nonce is deleted by its initiator, the old one by the other (§2.8.2).
        var oldIKE: IKESAID?
        var child: ChildSAID?
        let (aLost, bLost) = try Self.simultaneous({ pair in
            oldIKE = pair.a.ikeSAs().first?.id
            child = pair.a.childSAs(tunnel: "t").first?.id
            pair.a.rekeyIKESA(tunnel: "t", now: pair.now)
            pair.b.rekeyIKESA(tunnel: "t", now: pair.now)
        }, check: { pair in
            #expect(pair.a.ikeSACount == 1 && pair.b.ikeSACount == 1, "one IKE SA each: \(pair.a.ikeSACount), \(pair.b.ikeSACount)")
            #expect(pair.a.ikeSAs().first?.id != oldIKE)
            #expect(pair.a.childSAs(tunnel: "t").map(\.id) == [child].compactMap { $0 }, "the Child SA moved to the survivor")
            #expect(pair.expectAgreement() == 1)
        })
        #expect(aLost + bLost == Self.seeds.count)
        #expect(aLost > 0 && bLost > 0, "both orders of the nonces occurred (A lost \(aLost), B lost \(bLost))")
    }

    @Test(arguments: [SimPair.Side.a, .b])
    func deleteCrossingAChildRekey(_ deleter: SimPair.Side) throws {
        // A: CREATE_CHILD_SA { N(REKEY_SA, x), ... } -->  <-- INFORMATIONAL { D(ESP, x) } :B
        // B refuses to rekey what it is deleting (TEMPORARY_FAILURE, §2.25.1); A answers the
        // Delete as usual. Nothing survives, and both agree.
        for seed in Self.seeds.prefix(4) {
            let pair = try RekeySimTests.up(seed: seed)
            let rekeyer = deleter == .a ? pair.b : pair.a
            let deleting = deleter == .a ? pair.a : pair.b
            rekeyer.rekeyChildSAs(tunnel: "t", now: pair.now)
            deleting.deleteChildSAs(tunnel: "t", now: pair.now)
            pair.run(for: .seconds(60))
            #expect(pair.expectAgreement() == 0)
            #expect(pair.a.ikeSAs().count == 1 && pair.b.ikeSAs().count == 1, "the IKE SA is untouched")
            let rekeyerSide: SimPair.Side = deleter == .a ? .b : .a
            #expect(pair.log(rekeyerSide, containing: "TEMPORARY_FAILURE"))
        }
    }

    @Test func childRekeyDuringIKERekeyGetsTemporaryFailureThenBothComplete() throws {
        // A rekeys the IKE SA while B rekeys the Child SA: each answers TEMPORARY_FAILURE
        // (§2.25), retries after a random delay, and both rekeys complete.
        for seed in Self.seeds.prefix(4) {
            let pair = try RekeySimTests.up(seed: seed)
            let ike = pair.a.ikeSAs().first?.id, child = pair.a.childSAs(tunnel: "t").first?.id
            pair.a.rekeyIKESA(tunnel: "t", now: pair.now)
            pair.b.rekeyChildSAs(tunnel: "t", now: pair.now)
            pair.run(for: .seconds(60))
            #expect(pair.log(.a, containing: "TEMPORARY_FAILURE") || pair.log(.b, containing: "TEMPORARY_FAILURE"))
            #expect(pair.a.ikeSAs().first?.id != ike)
            #expect(pair.a.childSAs(tunnel: "t").first?.id != child)
            #expect(pair.a.ikeSACount == 1 && pair.b.ikeSACount == 1)
            #expect(pair.expectAgreement() == 1)
        }
    }

    @Test(arguments: [SimPair.Side.a, .b])
    func ikeDeleteCrossingAnIKERekey(_ deleter: SimPair.Side) throws {
        // A: CREATE_CHILD_SA { SA(IKE), Ni, KEi } -->  <-- INFORMATIONAL { D(IKE) } :B
        // §2.25.2: the rekeyer answers the Delete and forgets its rekey; the deleter refuses
        // the rekey of an SA it is closing. Both end with nothing.
        for seed in Self.seeds.prefix(4) {
            let pair = try RekeySimTests.up(seed: seed)
            let rekeyer = deleter == .a ? pair.b : pair.a
            let deleting = deleter == .a ? pair.a : pair.b
            rekeyer.rekeyIKESA(tunnel: "t", now: pair.now)
            deleting.terminate(tunnel: "t", now: pair.now)
            pair.run(for: .seconds(60))
            #expect(pair.a.ikeSACount == 0 && pair.b.ikeSACount == 0)
            #expect(pair.expectAgreement() == 0)
        }
    }
}
