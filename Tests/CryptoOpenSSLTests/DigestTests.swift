import Testing
import IKECrypto
@testable import CryptoOpenSSL

/// One plain-hash test case: message (ASCII) and expected digest (lowercase hex).
struct DigestVector: Sendable, CustomTestStringConvertible {
    let name: String
    let algorithm: HashAlgorithm
    let message: String
    let digest: String

    var testDescription: String { name }
}

@Suite("SHA-1 and SHA-256 digests")
struct DigestTests {
    /// The 448-bit two-block message of FIPS 180-4's examples and RFC 3174 / RFC 6234 TEST2.
    static let twoBlock = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

    static let vectors: [DigestVector] = [
        // SHA-1: RFC 3174 §7.3 TEST1 and TEST2 (also NIST's FIPS 180 examples, SHA1.pdf).
        DigestVector(name: "SHA-1 \"abc\" (RFC 3174 §7.3 TEST1)", algorithm: .sha1,
                     message: "abc", digest: "a9993e364706816aba3e25717850c26c9cd0d89d"),
        DigestVector(name: "SHA-1 448-bit message (RFC 3174 §7.3 TEST2)", algorithm: .sha1,
                     message: twoBlock, digest: "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        // SHA-1 of the empty message: NIST CAVP SHAVS SHA1ShortMsg.rsp, Len = 0.
        DigestVector(name: "SHA-1 empty message (CAVP SHA1ShortMsg Len = 0)", algorithm: .sha1,
                     message: "", digest: "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        // SHA-256: FIPS 180-4 examples (NIST SHA256.pdf), = RFC 6234 §8.5 TEST1 and TEST2_1.
        DigestVector(name: "SHA-256 \"abc\" (FIPS 180-4 example, RFC 6234 TEST1)", algorithm: .sha256,
                     message: "abc", digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        DigestVector(name: "SHA-256 448-bit message (FIPS 180-4 example, RFC 6234 TEST2_1)", algorithm: .sha256,
                     message: twoBlock, digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        // SHA-256 of the empty message: NIST CAVP SHAVS SHA256ShortMsg.rsp, Len = 0.
        DigestVector(name: "SHA-256 empty message (CAVP SHA256ShortMsg Len = 0)", algorithm: .sha256,
                     message: "", digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ]

    @Test("published vectors", arguments: vectors)
    func publishedVector(_ v: DigestVector) {
        let out = provider.digest(v.algorithm, Array(v.message.utf8))
        #expect(out.count == v.algorithm.digestSize)
        #expect(out.hex == v.digest)
    }

    /// RFC 3174 §7.3 TEST3 / RFC 6234 TEST3: one million repetitions of "a" (many blocks).
    @Test func millionA() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(provider.digest(.sha1, message).hex == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
        #expect(provider.digest(.sha256, message).hex
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func sizes() {
        #expect(HashAlgorithm.sha1.digestSize == 20)
        #expect(HashAlgorithm.sha256.digestSize == 32)
        for algorithm in HashAlgorithm.allCases {
            for n in [0, 1, 55, 56, 63, 64, 65, 1000] {
                #expect(provider.digest(algorithm, [UInt8](repeating: 0x5a, count: n)).count == algorithm.digestSize)
            }
        }
    }
}
