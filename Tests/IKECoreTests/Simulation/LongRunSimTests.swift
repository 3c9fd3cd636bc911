import IKECrypto
import IKEWire
import Testing
@testable import IKECore

/// Thirty simulated days with AWS's lifetimes on both sides at once (phase 1 28800 s, phase 2
/// 3600 s, margin 270 s, fuzz 100 %) and 2 % random loss each way: the tunnel never loses its
/// Child SA pair, every rekey converges, and the engines' footprint stays flat.
@Suite struct LongRunSimTests {
    static func aws(_ side: SimPair.Side) throws -> TunnelConfig {
        var c = try SimConfig.tunnel(side, ike: ["aes256-sha256-modp2048", "aes128-sha1-modp2048"],
                                     esp: ["aes256gcm16-modp2048", "aes128-sha1-modp2048"])
        c.ikeLifetime = Lifetime(time: .seconds(28800), margin: .seconds(270), fuzz: 1.0)
        c.childLifetime = Lifetime(time: .seconds(3600), margin: .seconds(270), fuzz: 1.0)
        return c
    }

    @Test func thirtyDaysOfAWSLifetimesWithLoss() throws {
        let pair = try SimPair(a: [try Self.aws(.a)], b: [try Self.aws(.b)], seed: 30)
        pair.record = false
        try pair.a.initiate(tunnel: "t", now: pair.now)
        pair.loss = [.a: 0.02, .b: 0.02]
        pair.run(for: .seconds(60))
        #expect(pair.matchingPairs() == 1, "up within a minute despite loss")
        var gaps = 0
        pair.invariant = { p in if p.matchingPairs() == 0 { gaps += 1 } }
        var footprints: [Int] = []
        for _ in 1...30 {
            pair.run(for: .seconds(86_400))
            footprints.append(max(pair.a.footprint, pair.b.footprint))
        }
        #expect(gaps == 0, "no step without a matching Child SA pair")
        pair.loss = [.a: 0, .b: 0]
        pair.run(for: .seconds(60))
        pair.expectAgreement()
        #expect(pair.a.ikeSACount == 1 && pair.b.ikeSACount == 1)
        let childRekeys = (pair.counts["a.childSARekeyed"] ?? 0)
        let ikeRekeys = (pair.counts["a.ikeSARekeyed"] ?? 0)
        // One Child SA rekey roughly every 3060–3330 s and an IKE rekey every ~8 h, by whichever side fires first.
        #expect(childRekeys >= 30 * 86_400 / 3_400, "child rekeys: \(childRekeys)")
        #expect(ikeRekeys >= 30 * 86_400 / 28_800, "IKE rekeys: \(ikeRekeys)")
        #expect((pair.counts["a.childSAFailed"] ?? 0) + (pair.counts["b.childSAFailed"] ?? 0) == 0)
        #expect((pair.counts["a.ikeSAFailed"] ?? 0) + (pair.counts["b.ikeSAFailed"] ?? 0) == 0)
        #expect(footprints.max()! <= footprints.first! + 4, "footprint by day: \(footprints)")
        print("long run: \(childRekeys) child rekeys, \(ikeRekeys) IKE rekeys, footprint by day \(footprints), counts \(pair.counts.sorted { $0.key < $1.key })")
    }
}
