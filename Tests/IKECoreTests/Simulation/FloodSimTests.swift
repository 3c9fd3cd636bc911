import CryptoOpenSSL
import IKECrypto
import IKEWire
import Testing
@testable import IKECore

/// Half-open floods and forged messages against a responder (issue 10), with exact numbers:
/// the cookie threshold keeps state bounded, the per-peer and total half-open limits hold, a
/// legitimate initiator still gets through, and every refused datagram is counted by reason.
@Suite struct FloodSimTests {
    /// A real IKE_SA_INIT request from `address` to B (a fresh initiator engine made it).
    static func initRequest(from address: [UInt8], seed: UInt64) throws -> Datagram {
        var t = try SimConfig.tunnel(.a)
        t.local = Endpoint(address: address, port: 500)
        let engine = try IKEEngine(tunnels: [t], provider: OpenSSLProvider(), random: SeededRandom(seed: seed), now: .zero)
        try engine.initiate(tunnel: "t", now: .zero)
        return try #require(engine.pollTransmit())
    }

    /// B answering anyone (remote_address %any), like a road-warrior responder.
    static func anyResponder(_ settings: EngineSettings) throws -> IKEEngine {
        var b = try SimConfig.tunnel(.b)
        b.remote = nil
        b.remoteID = nil
        return try IKEEngine(tunnels: [b], settings: settings, provider: OpenSSLProvider(), random: SeededRandom(seed: 3), now: .zero)
    }

    @Test func halfOpenLimitsPerPeerAndInTotal() throws {
        var settings = EngineSettings()
        settings.cookieThreshold = 1000     // no cookies: only the limits stand in the way
        settings.halfOpenLimit = 6
        settings.halfOpenPerPeerLimit = 2
        let b = try Self.anyResponder(settings)
        // 5 addresses × 3 requests each: 2 per address would be 10, the total allows 6.
        var answered: [UInt8: Int] = [:]
        for host in UInt8(10)..<15 {
            for k in 0..<3 {
                let d = try Self.initRequest(from: [203, 0, 113, host], seed: UInt64(host) * 10 + UInt64(k))
                b.handle(datagram: d, now: .zero)
                while let reply = b.pollTransmit() { answered[reply.destination.address[3], default: 0] += 1 }
            }
        }
        #expect(b.halfOpenCount == 6)
        #expect(b.ikeSACount == 6)
        #expect(answered == [10: 2, 11: 2, 12: 2], "two per address until the total is reached")
        #expect(b.dropCounts[.halfOpenLimit] == 9, "\(b.dropCounts)")
        // They expire (halfOpenTimeout) and make room again.
        b.handleTimeout(now: settings.halfOpenTimeout + .seconds(1))
        #expect(b.halfOpenCount == 0 && b.ikeSACount == 0)
        b.handle(datagram: try Self.initRequest(from: [203, 0, 113, 14], seed: 99), now: settings.halfOpenTimeout + .seconds(1))
        #expect(b.halfOpenCount == 1)
    }

    @Test func aboveTheCookieThresholdNoStateIsKeptAndALegitimatePeerConnects() throws {
        // 50 IKE_SA_INIT { SA, KEi, Ni } from forged addresses -->   <-- { N(COOKIE) } for all but 3
        var settings = EngineSettings()
        settings.cookieThreshold = 3
        var b = try SimConfig.tunnel(.b)
        b.remote = nil
        b.remoteID = nil
        let pair = try SimPair(a: [try SimConfig.tunnel(.a)], b: [b], settingsB: settings)
        var cookieReplies = 0
        for i in 0..<50 {
            let d = try Self.initRequest(from: [198, 18, UInt8(i / 250), UInt8(1 + i % 250)], seed: 1000 + UInt64(i))
            pair.b.handle(datagram: d, now: pair.now)
            while let reply = pair.b.pollTransmit() {
                let m = try IKEMessage.decode(reply.bytes)
                if m.payloads.count == 1, m.notifies.first?.type == .cookie { cookieReplies += 1 }
            }
        }
        #expect(pair.b.halfOpenCount == 3 && pair.b.ikeSACount == 3)
        #expect(cookieReplies == 47 && pair.b.dropCounts[.cookieRequired] == 47, "\(pair.b.dropCounts)")
        // IKE_SA_INIT -->  <-- N(COOKIE);  IKE_SA_INIT { N(COOKIE), SA, KEi, Ni } -->  ...  IKE_AUTH
        try pair.a.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(5))
        #expect(pair.log(.a, containing: "responder asked for a cookie"))
        #expect(pair.expectAgreement() == 1)
        #expect(pair.b.dropCounts[.cookieRequired] == 48)
        // The flood's half-open SAs time out; the legitimate IKE SA stays.
        pair.run(for: settings.halfOpenTimeout + .seconds(5))
        #expect(pair.b.halfOpenCount == 0 && pair.b.ikeSACount == 1)
    }

    @Test func aForgedRequestWithTheLastMessageIDIsNotAnswered() throws {
        let pair = try EstablishmentTests.establish(try SimConfig.tunnel(.a), try SimConfig.tunnel(.b))
        pair.drain()
        // A's IKE_AUTH request (message ID 1), as B answered it.
        let auth = try #require(pair.sent[.a]!.first { (try? IKEHeader.decode($0.bytes))?.exchangeType == .ikeAuth })
        // INFORMATIONAL-looking garbage with the same SPIs and message ID 1: not a retransmission.
        var forged = auth.bytes
        for i in (forged.count - 40)..<forged.count { forged[i] ^= 0x5A }
        let before = pair.b.dropCounts[.integrityCheckFailed] ?? 0
        pair.b.handle(datagram: Datagram(source: auth.source, destination: auth.destination, bytes: forged), now: pair.now)
        #expect(pair.b.pollTransmit() == nil, "a forgery must not make B resend its IKE_AUTH response")
        #expect(pair.b.dropCounts[.integrityCheckFailed] == before + 1)
        // The real retransmission is still answered from the cache.
        pair.b.handle(datagram: auth, now: pair.now)
        #expect(pair.b.pollTransmit() != nil)
        #expect(pair.expectAgreement() == 1)
    }

    @Test func aDatagramLongerOrShorterThanItsHeaderSaysIsCountedAsLengthMismatch() throws {
        let b = try Self.anyResponder(EngineSettings())
        let d = try Self.initRequest(from: [203, 0, 113, 9], seed: 5)
        for bytes in [d.bytes + [0], Array(d.bytes.dropLast()), Array(d.bytes.prefix(28))] {
            b.handle(datagram: Datagram(source: d.source, destination: d.destination, bytes: bytes), now: .zero)
        }
        b.handle(datagram: Datagram(source: d.source, destination: d.destination, bytes: Array(d.bytes.prefix(27))), now: .zero)
        #expect(b.dropCounts[.lengthMismatch] == 3 && b.dropCounts[.malformed] == 1, "\(b.dropCounts)")
        #expect(b.ikeSACount == 0 && b.pollTransmit() == nil)
    }
}
