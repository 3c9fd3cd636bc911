import Testing
import IKECrypto
@testable import CryptoOpenSSL

@Suite("Key exchange")
struct KeyExchangeTests {
    /// RFC 5903 §8.1–8.3, RFC 7748 §6.1, RFC 8031 Appendix A, RFC 5114 Appendix A.1–A.3:
    /// both sides' public values from the fixed private keys, and g^ir both ways.
    @Test("published vectors", arguments: KEVectors.ecp + KEVectors.x25519 + KEVectors.rfc5114)
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

    /// Two fresh key pairs agree, for every group (MODP 2 and 14–18 have no published DH
    /// vectors; this and the prime checks below stand in for them). One 8192-bit case: four
    /// short-exponent modular exponentiations.
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

    /// RFC 2409 §6.2 and RFC 3526 §2–§7: p = 2^n − 2^(n−64) − 1 + 2^64 · (⌊2^(n−130) π⌋ + k),
    /// so every prime starts FFFFFFFF FFFFFFFF C90FDAA2 2168C234 and ends with 64 one bits.
    @Test("MODP prime constants", arguments: [(DHGroup.modp1024, 1024), (.modp2048, 2048), (.modp3072, 3072),
                                              (.modp4096, 4096), (.modp6144, 6144), (.modp8192, 8192)])
    func modpPrimes(_ group: DHGroup, _ bits: Int) throws {
        let params = try MODPParameters(group)
        #expect(params.primeBits == bits)
        let p = try params.primeBytes()
        #expect(Array(p.prefix(16)) == [UInt8](hex: "ffffffffffffffffc90fdaa22168c234"))
        #expect(Array(p.suffix(8)) == [UInt8](repeating: 0xff, count: 8))
        #expect(params.primeLength == group.publicValueSize)
    }

    /// Groups 17 and 18 come from OpenSSL's RFC 3526 tables (BN_get_rfc3526_prime_6144/8192);
    /// checked here against the RFC instead. The pinned digests are SHA-256 of the 768- and
    /// 1024-byte primes as printed in RFC 3526 §6 and §7, which also equal the sections'
    /// formulas 2^6144 − 2^6080 − 1 + 2^64 · (⌊2^6014 π⌋ + 929484) and
    /// 2^8192 − 2^8128 − 1 + 2^64 · (⌊2^8062 π⌋ + 4743158) evaluated with π to 9000 bits.
    @Test("RFC 3526 §6/§7 primes", arguments: [
        (DHGroup.modp6144, "d1bfe6d0925ce7e4da262b62861514a7755e35831e429f343e7b864848657efd"),  // RFC 3526 §6
        (.modp8192, "39ab4feab950a3128fb71accb9fc3965d857012e081998a85996e3ea8b3c3bcf"),  // RFC 3526 §7
    ])
    func rfc3526LargePrimes(_ group: DHGroup, _ sha256: String) throws {
        let params = try MODPParameters(group)
        #expect(provider.digest(.sha256, try params.primeBytes()).hex == sha256)
        #expect(try params.generatorBytes() == [2])  // RFC 3526 §6, §7: the generator is 2
        #expect(params.subgroupOrderBits == nil)
    }

    /// RFC 5114 §2.1–§2.3 (groups 22, 23, 24): sizes, q | p − 1, g^q ≡ 1 (mod p), and p, q, g
    /// byte-equal to the same groups as OpenSSL carries them, so a slip in transcription shows.
    @Test("RFC 5114 constants", arguments: [
        (DHGroup.modp1024s160, 1024, 160, "dh_1024_160"),  // RFC 5114 §2.1
        (.modp2048s224, 2048, 224, "dh_2048_224"),  // RFC 5114 §2.2
        (.modp2048s256, 2048, 256, "dh_2048_256"),  // RFC 5114 §2.3
    ])
    func rfc5114Parameters(_ group: DHGroup, _ pBits: Int, _ qBits: Int, _ openSSLName: String) throws {
        let params = try MODPParameters(group)
        #expect(params.primeBits == pBits)
        #expect(params.subgroupOrderBits == qBits)
        #expect(params.primeLength == group.publicValueSize)
        #expect(try params.subgroupOrderDividesPMinusOne())
        #expect(try params.generatorHasOrderQ())
        let reference = try #require(OpenSSLNamedGroup(openSSLName), "OpenSSL lacks \(openSSLName)")
        #expect(try params.primeBytes() == reference.p, "p of \(group.name)")
        #expect(try params.subgroupOrderBytes() == reference.q, "q of \(group.name)")
        #expect(try params.generatorBytes() == reference.g, "g of \(group.name)")
    }

    /// The KE payload and g^ir lengths (RFC 7296 §3.4: the prime's length) of the groups added
    /// for the AWS endpoint, and of fresh values: both are always padded to that length.
    @Test("MODP fixed sizes", arguments: [(DHGroup.modp6144, 768), (.modp8192, 1024), (.modp1024s160, 128), (.modp2048s224, 256)])
    func modpSizes(_ group: DHGroup, _ bytes: Int) throws {
        #expect(group.publicValueSize == bytes && group.sharedSecretSize == bytes)
        #expect(try MODPParameters(group).primeLength == bytes)
    }

    /// RFC 6989 §2.1: y = 0, 1, p−1, p and > p are refused; also wrong lengths (RFC 7296 §3.4).
    @Test("MODP range checks", arguments: [DHGroup.modp1024, .modp2048, .modp6144, .modp8192,
                                           .modp1024s160, .modp2048s224, .modp2048s256])
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
        if params.q == nil {
            #expect(throws: Never.self) { try ke.sharedSecret(peerPublicValue: two) }
        }
    }

    /// RFC 6989 §2.2: in groups 22, 23 and 24 a value outside the order-q subgroup is refused,
    /// while the peer's genuine value is accepted. 2 is not in the subgroup (2^q ≠ 1 for these
    /// groups), and neither is p − y = g^x · (p − 1) for a genuine y = g^x: p − 1 has order 2
    /// and q is odd, so (p − y)^q = −1. Both pass the range check, so the subgroup check is
    /// what refuses them.
    @Test("RFC 5114 subgroup checks", arguments: KEVectors.rfc5114)
    func rfc5114SubgroupCheck(_ v: KEVector) throws {
        let ke = try provider.makeKeyExchange(v.group, privateKey: SecretBytes(hex: v.privateR))
        let n = v.group.publicValueSize
        var two = [UInt8](repeating: 0, count: n); two[n - 1] = 2
        let params = try MODPParameters(v.group)
        let negated = try params.negated([UInt8](hex: v.publicI))
        for bad in [two, negated] {
            #expect { try ke.sharedSecret(peerPublicValue: bad) } throws: { e in
                (e as? CryptoError)?.kind == .invalidPublicValue && "\(e)".contains("subgroup")
            }
        }
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
