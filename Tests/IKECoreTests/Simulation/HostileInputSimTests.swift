import IKECrypto
import IKEWire
import Testing
@testable import IKECore

/// Peer errors never trap (issue 4): truncated and bit-flipped copies of every datagram of a
/// real exchange are fed to engines in each state. Each is dropped and counted or answered
/// with a Notify, and the tunnel keeps working afterwards.
@Suite struct HostileInputSimTests {
    static func mutations(of bytes: [UInt8], rng: SeededRandom) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 24)) { out.append(Array(bytes[..<cut])) }
        for _ in 0..<40 {
            var m = bytes
            let i = rng.next(below: m.count)
            m[i] ^= UInt8(1 << rng.next(below: 8))
            out.append(m)
        }
        // Header-only changes that keep the SPIs: other exchange types, flags and message IDs.
        for k in [17, 18, 19, 20, 23] where k < bytes.count {
            var m = bytes
            m[k] = UInt8(truncatingIfNeeded: rng.next())
            out.append(m)
        }
        return out
    }

    @Test func mutatedDatagramsAreDroppedAndTheTunnelSurvives() throws {
        let rng = SeededRandom(seed: 99)
        let pair = try EstablishmentTests.establish(try SimConfig.tunnel(.a, esp: ["aes256gcm16-modp2048"]),
                                                    try SimConfig.tunnel(.b, esp: ["aes256gcm16-modp2048"]))
        pair.a.rekeyChildSAs(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(5))
        pair.b.rekeyIKESA(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(5))
        let recorded = pair.sent
        var fed = 0
        for (side, datagrams) in recorded {
            let target = side == .a ? pair.b : pair.a
            for d in datagrams {
                for m in Self.mutations(of: d.bytes, rng: rng) {
                    target.handle(datagram: Datagram(source: d.source, destination: d.destination, bytes: m), now: pair.now)
                    fed += 1
                }
            }
        }
        // Fresh responder state: mutated IKE_SA_INITs into a new engine, too.
        let fresh = try SimPair(a: [try SimConfig.tunnel(.a)], b: [try SimConfig.tunnel(.b)], seed: 5)
        for d in recorded[.a]! where (try? IKEHeader.decode(d.bytes))?.exchangeType == .ikeSAInit {
            for m in Self.mutations(of: d.bytes, rng: rng) {
                fresh.b.handle(datagram: Datagram(source: d.source, destination: d.destination, bytes: m), now: .zero)
                fed += 1
            }
        }
        #expect(fed > 900)
        let drops = pair.a.dropCounts.values.reduce(0, +) + pair.b.dropCounts.values.reduce(0, +)
        #expect(drops > 0)
        // Whatever the garbage did, the pair still agrees and still rekeys.
        pair.drain()
        pair.run(for: .seconds(30))
        pair.a.rekeyChildSAs(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(30))
        #expect(pair.a.ikeSAs().count == 1)
        #expect(pair.expectAgreement() == 1)
    }
}
