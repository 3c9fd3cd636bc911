import Testing
import IKECrypto
@testable import CryptoOpenSSL

@Suite("Key exchange")
struct KeyExchangeTests {
    /// RFC 5903 §8.1–8.3, RFC 7748 §6.1, RFC 8031 Appendix A, RFC 5114 Appendix A.3:
    /// both sides' public values from the fixed private keys, and g^ir both ways.
    @Test("published vectors", arguments: KEVectors.ecp + KEVectors.x25519 + KEVectors.modp2048s256)
    func vector(_ v: KEVector) throws {
        let i = try provider.makeKeyExchange(v.group, privateKey: SecretBytes(hex: v.privateI))
        let r = try provider.makeKeyExchange(v.group, privateKey: SecretBytes(hex: v.privateR))
        #expect(i.group == v.group)
        #expect(i.publicValue.hex == v.publicI, "\(v.name) g^i")
        #expect(r.publicValue.hex == v.publicR, "\(v.name) g^r")
        #expect(i.publicValue.count == v.group.publicValueSize)
        let zi = try i.sharedSecret(peerPublicValue: [UInt8](hex: v.publicR))
        let zr = try r.sharedSecret(peerPublicValue: [UInt8](hex: v.publicI))
        #expect(zi.bytes.hex == v.shared, "\(v.name) g^ir")
        #expect(zi == zr)
        #expect(zi.count == v.group.sharedSecretSize)
    }

    /// Two fresh key pairs agree, for every group (MODP 2/14/15/16 have no published DH
    /// vectors; this and the prime checks below stand in for them).
    @Test("fresh key pairs agree", arguments: DHGroup.allCases)
    func agreement(_ group: DHGroup) throws {
        let a = try provider.makeKeyExchange(group), b = try provider.makeKeyExchange(group)
        #expect(a.publicValue.count == group.publicValueSize)
        #expect(a.publicValue != b.publicValue)
        let za = try a.sharedSecret(peerPublicValue: b.publicValue)
        let zb = try b.sharedSecret(peerPublicValue: a.publicValue)
        #expect(za == zb)
        #expect(za.count == group.sharedSecretSize)
    }

    /// RFC 2409 §6.2 and RFC 3526 §2–5: p = 2^n − 2^(n−64) − 1 + 2^64 · (⌊2^(n−130) π⌋ + k),
    /// so every prime starts FFFFFFFF FFFFFFFF C90FDAA2 2168C234 and ends with 64 one bits.
    @Test("MODP prime constants", arguments: [(DHGroup.modp1024, 1024), (.modp2048, 2048), (.modp3072, 3072), (.modp4096, 4096)])
    func modpPrimes(_ group: DHGroup, _ bits: Int) throws {
        let params = try MODPParameters(group)
        #expect(params.primeBits == bits)
        let p = try params.primeBytes()
        #expect(Array(p.prefix(16)) == [UInt8](hex: "ffffffffffffffffc90fdaa22168c234"))
        #expect(Array(p.suffix(8)) == [UInt8](repeating: 0xff, count: 8))
        #expect(params.primeLength == group.publicValueSize)
    }

    /// RFC 5114 §2.3 group 24: p is 2048 bits, q 256 bits, and g^q ≡ 1 (mod p).
    @Test func group24Parameters() throws {
        let params = try MODPParameters(.modp2048s256)
        #expect(params.primeBits == 2048)
        #expect(params.subgroupOrderBits == 256)
        #expect(try params.generatorHasOrderQ())
        let p = try params.primeBytes()
        #expect(Array(p.prefix(8)).hex == "87a8e61db4b6663c" && Array(p.suffix(8)).hex == "db094ae91e1a1597")
    }

    /// RFC 6989 §2.1: y = 0, 1, p−1, p and > p are refused; also wrong lengths (RFC 7296 §3.4).
    @Test("MODP range checks", arguments: [DHGroup.modp1024, .modp2048, .modp2048s256])
    func modpRejects(_ group: DHGroup) throws {
        let ke = try provider.makeKeyExchange(group)
        let params = try MODPParameters(group)
        let n = params.primeLength
        let p = try params.primeBytes()
        var pMinus1 = p; pMinus1[n - 1] -= 1  // p is odd
        // A value just above p: p + 1 where the last byte allows it, else 2^(8n) − 1 (> p).
        var pPlus1 = [UInt8](repeating: 0xff, count: n)
        if p[n - 1] != 0xff { pPlus1 = p; pPlus1[n - 1] += 1 }
        let zero = [UInt8](repeating: 0, count: n)
        var one = zero; one[n - 1] = 1
        for bad in [zero, one, pMinus1, p, pPlus1, [UInt8](repeating: 0xff, count: n)] {
            #expect(throws: CryptoError.self) { try ke.sharedSecret(peerPublicValue: bad) }
        }
        var two = zero; two[n - 1] = 2
        #expect(throws: CryptoError.self) { try ke.sharedSecret(peerPublicValue: Array(two.dropFirst())) }
        #expect(throws: CryptoError.self) { try ke.sharedSecret(peerPublicValue: [0] + two) }
        if group != .modp2048s256 {
            #expect(throws: Never.self) { try ke.sharedSecret(peerPublicValue: two) }
        }
    }

    /// RFC 6989 §2.2: in group 24 a value outside the order-q subgroup is refused (2 is not in
    /// it: g^q = 1 but 2^q ≠ 1 for this group), while the peer's genuine value is accepted.
    @Test func group24SubgroupCheck() throws {
        let v = KEVectors.modp2048s256[0]
        let ke = try provider.makeKeyExchange(.modp2048s256, privateKey: SecretBytes(hex: v.privateR))
        var two = [UInt8](repeating: 0, count: 256); two[255] = 2
        #expect(throws: CryptoError.self) { try ke.sharedSecret(peerPublicValue: two) }
        // p − y for a genuine y is in the range but (as −y) not in the subgroup, since q is odd.
        let params = try MODPParameters(.modp2048s256)
        let negated = try params.negated([UInt8](hex: v.publicI))
        #expect(throws: CryptoError.self) { try ke.sharedSecret(peerPublicValue: negated) }
        #expect(throws: Never.self) { try ke.sharedSecret(peerPublicValue: [UInt8](hex: v.publicI)) }
    }

    /// RFC 5903 §7 format and on-curve checks: wrong length, off-curve point, coordinates ≥ p,
    /// and the all-zero encoding (no affine point; infinity has no x ‖ y encoding).
    @Test("ECP point checks", arguments: KEVectors.ecp)
    func ecpRejects(_ v: KEVector) throws {
        let ke = try provider.makeKeyExchange(v.group, privateKey: SecretBytes(hex: v.privateI))
        let good = [UInt8](hex: v.publicR)
        var offCurve = good; offCurve[offCurve.count - 1] ^= 1
        let zero = [UInt8](repeating: 0, count: good.count)
        let allOnes = [UInt8](repeating: 0xff, count: good.count)
        for bad in [offCurve, zero, allOnes, Array(good.dropLast()), good + [0], [0x04] + good, []] {
            #expect(throws: CryptoError.self) { try ke.sharedSecret(peerPublicValue: bad) }
        }
        #expect(throws: Never.self) { try ke.sharedSecret(peerPublicValue: good) }
    }

    /// RFC 7748 §6.1 / RFC 8031 §2.1: an all-zero shared secret (low-order u such as 0 or 1)
    /// is refused, and so is a public value that is not 32 bytes.
    @Test func x25519Rejects() throws {
        let ke = try provider.makeKeyExchange(.curve25519)
        var one = [UInt8](repeating: 0, count: 32); one[0] = 1
        // u = 0 and u = 1 have small order; so does this order-8 point from the libsodium
        // blacklist (e0eb7a7c...): RFC 7748 §7 discusses such points.
        let order8 = [UInt8](hex: "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")
        for bad in [[UInt8](repeating: 0, count: 32), one, order8] {
            #expect(throws: CryptoError.self) { try ke.sharedSecret(peerPublicValue: bad) }
        }
        #expect(throws: CryptoError.self) { try ke.sharedSecret(peerPublicValue: [UInt8](repeating: 9, count: 31)) }
        #expect(throws: CryptoError.self) { try provider.makeKeyExchange(.curve25519, privateKey: SecretBytes(count: 31)) }
    }

    @Test func invalidFixedPrivateKeys() {
        #expect(throws: CryptoError.self) { try provider.makeKeyExchange(.ecp256, privateKey: SecretBytes(count: 32)) }
        #expect(throws: CryptoError.self) { try provider.makeKeyExchange(.ecp256, privateKey: SecretBytes([UInt8](repeating: 0xff, count: 32))) }
        #expect(throws: CryptoError.self) { try provider.makeKeyExchange(.modp2048, privateKey: SecretBytes(count: 32)) }
    }
}
