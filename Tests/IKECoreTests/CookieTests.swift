import CryptoOpenSSL
import IKECrypto
import Testing
@testable import IKECore

/// RFC 7296 §2.6 cookies: bound to Ni, IPi and SPIi, valid across one secret rotation, not two.
struct CookieTests {
    let prf = try! OpenSSLProvider().makePRF(.hmacSHA256)
    let ni = Array(repeating: UInt8(0x11), count: 32)
    let ip: [UInt8] = [198, 51, 100, 7]

    @Test func cookieIsBoundToInitiator() {
        let g = CookieGenerator(prf: prf, now: .zero, random: SeededRandom(seed: 1))
        let c = g.cookie(nonceI: ni, initiatorAddress: ip, spiI: 42)
        #expect(c.count == 33 && c.count <= 64)
        #expect(g.verify(c, nonceI: ni, initiatorAddress: ip, spiI: 42))
        #expect(!g.verify(c, nonceI: ni, initiatorAddress: [198, 51, 100, 8], spiI: 42))
        #expect(!g.verify(c, nonceI: ni, initiatorAddress: ip, spiI: 43))
        #expect(!g.verify(c, nonceI: Array(ni.dropLast()), initiatorAddress: ip, spiI: 42))
        var flipped = c
        flipped[5] ^= 1
        #expect(!g.verify(flipped, nonceI: ni, initiatorAddress: ip, spiI: 42))
        #expect(!g.verify(Array(c.dropLast()), nonceI: ni, initiatorAddress: ip, spiI: 42))
        #expect(!g.verify([], nonceI: ni, initiatorAddress: ip, spiI: 42))
    }

    @Test func survivesOneRotationNotTwo() {
        let random = SeededRandom(seed: 2)
        var g = CookieGenerator(prf: prf, rotation: .seconds(60), now: .zero, random: random)
        let c = g.cookie(nonceI: ni, initiatorAddress: ip, spiI: 7)
        g.rotateIfDue(now: .seconds(59), random: random)
        #expect(g.cookie(nonceI: ni, initiatorAddress: ip, spiI: 7) == c)   // not yet due
        g.rotateIfDue(now: .seconds(60), random: random)
        #expect(g.cookie(nonceI: ni, initiatorAddress: ip, spiI: 7) != c)
        #expect(g.verify(c, nonceI: ni, initiatorAddress: ip, spiI: 7))
        g.rotateIfDue(now: .seconds(120), random: random)
        #expect(!g.verify(c, nonceI: ni, initiatorAddress: ip, spiI: 7))
    }

    @Test func thresholdDecides() {
        #expect(!CookieGenerator.isRequired(halfOpen: 9, threshold: 10))
        #expect(CookieGenerator.isRequired(halfOpen: 10, threshold: 10))
    }
}
