import Testing
import IKECrypto
@testable import CryptoOpenSSL

@Suite("AES-CBC")
struct CBCTests {
    /// RFC 3602 §4 cases 1–3 and NIST SP 800-38A F.2.1/F.2.3/F.2.5.
    @Test("published CBC vectors", arguments: CipherVectors.cbc)
    func vector(_ v: CBCVector) throws {
        let key = SecretBytes(hex: v.key)
        let cipher = try provider.makeBlockCipher(keyLength: key.count, key: key)
        let ciphertext = try cipher.encrypt(iv: [UInt8](hex: v.iv), [UInt8](hex: v.plaintext))
        #expect(ciphertext.hex == v.ciphertext, "\(v.name)")
        #expect(try cipher.decrypt(iv: [UInt8](hex: v.iv), ciphertext) == [UInt8](hex: v.plaintext))
        // Again, to show the per-call IV reset leaves no state behind.
        #expect(try cipher.encrypt(iv: [UInt8](hex: v.iv), [UInt8](hex: v.plaintext)).hex == v.ciphertext)
    }

    @Test func rejectsPartialBlocksAndBadIV() throws {
        let cipher = try provider.makeBlockCipher(keyLength: 16, key: SecretBytes(count: 16))
        for size in [1, 15, 17, 31] {
            #expect(throws: CryptoError.self) { try cipher.encrypt(iv: [UInt8](repeating: 0, count: 16), [UInt8](repeating: 0, count: size)) }
            #expect(throws: CryptoError.self) { try cipher.decrypt(iv: [UInt8](repeating: 0, count: 16), [UInt8](repeating: 0, count: size)) }
        }
        #expect(throws: CryptoError.self) { try cipher.encrypt(iv: [UInt8](repeating: 0, count: 8), [UInt8](repeating: 0, count: 16)) }
        #expect(try cipher.encrypt(iv: [UInt8](repeating: 0, count: 16), []) == [])
    }

    @Test func rejectsBadKeyLengths() {
        for (declared, actual) in [(16, 15), (16, 24), (20, 20), (0, 0)] {
            #expect(throws: CryptoError.self) { try provider.makeBlockCipher(keyLength: declared, key: SecretBytes(count: actual)) }
        }
    }

    /// Random round trips over whole-block sizes for AES-128/192/256.
    @Test(arguments: [16, 24, 32])
    func roundTrip(_ keyLength: Int) throws {
        let random = SeededRandom(seed: UInt64(keyLength))
        let cipher = try provider.makeBlockCipher(keyLength: keyLength, key: random.secretBytes(keyLength))
        for blocks in 0...130 {
            let plaintext = random.bytes(blocks * 16), iv = random.bytes(16)
            let ciphertext = try cipher.encrypt(iv: iv, plaintext)
            #expect(ciphertext.count == plaintext.count)
            #expect(try cipher.decrypt(iv: iv, ciphertext) == plaintext)
        }
    }
}

@Suite("HMAC PRF and integrity")
struct HMACTests {
    static let prfCases: [(PRFAlgorithm, MACVector)] =
        HMACVectors.rfc2202SHA1.map { (.hmacSHA1, $0) }
        + HMACVectors.rfc4231SHA256.map { (.hmacSHA256, $0) }
        + HMACVectors.rfc4231SHA384.map { (.hmacSHA384, $0) }
        + HMACVectors.rfc4231SHA512.map { (.hmacSHA512, $0) }
        + HMACVectors.rfc4868PRFSHA256.map { (.hmacSHA256, $0) }
        + HMACVectors.rfc4868PRFSHA384.map { (.hmacSHA384, $0) }
        + HMACVectors.rfc4868PRFSHA512.map { (.hmacSHA512, $0) }

    /// RFC 2202 §3 (HMAC-SHA-1), RFC 4231 §4 (HMAC-SHA-256/384/512), RFC 4868 §2.7.1 (PRFs).
    @Test("PRF vectors", arguments: prfCases.indices)
    func prf(_ index: Int) throws {
        let (algorithm, v) = Self.prfCases[index]
        let prf = try provider.makePRF(algorithm)
        #expect(prf.outputSize == algorithm.outputSize)
        #expect(prf.compute(key: [UInt8](hex: v.key), data: [UInt8](hex: v.data)).bytes.hex == v.mac, "\(v.name)")
        // The same object re-keys cleanly for the next call.
        #expect(prf.compute(key: SecretBytes(hex: v.key), data: [UInt8](hex: v.data)).bytes.hex == v.mac)
    }

    static let integrityCases: [(IntegrityAlgorithm, MACVector)] =
        HMACVectors.rfc2202SHA1_96.map { (.hmacSHA1_96, $0) }
        + HMACVectors.rfc4868AuthSHA256.map { (.hmacSHA256_128, $0) }
        + HMACVectors.rfc4868AuthSHA384.map { (.hmacSHA384_192, $0) }
        + HMACVectors.rfc4868AuthSHA512.map { (.hmacSHA512_256, $0) }

    /// RFC 4868 §2.7.2 authenticator cases and RFC 2202 case 1 truncated to 96 bits.
    @Test("truncated integrity vectors", arguments: integrityCases.indices)
    func integrity(_ index: Int) throws {
        let (algorithm, v) = Self.integrityCases[index]
        let mac = try provider.makeIntegrity(algorithm, key: SecretBytes(hex: v.key))
        #expect(mac.icvSize == algorithm.icvSize && mac.keySize == algorithm.keySize)
        let data = [UInt8](hex: v.data)
        #expect(mac.compute(data).hex == v.mac, "\(v.name)")
        #expect(mac.compute(data).hex == v.mac, "context reuse must give the same ICV")
        #expect(mac.verify(data, icv: [UInt8](hex: v.mac)))
        for bit in 0..<(v.mac.count * 4) {
            var bad = [UInt8](hex: v.mac)
            bad[bit / 8] ^= 1 << (bit % 8)
            #expect(!mac.verify(data, icv: bad))
        }
        #expect(!mac.verify(data + [0], icv: [UInt8](hex: v.mac)))
        #expect(!mac.verify(data, icv: Array([UInt8](hex: v.mac).dropLast())))
    }

    @Test func integrityKeyMustBeHashLength() {
        for algorithm in IntegrityAlgorithm.allCases {
            #expect(throws: CryptoError.self) { try provider.makeIntegrity(algorithm, key: SecretBytes(count: algorithm.keySize - 1)) }
        }
    }

    /// Interleaving calls on one integrity object with different data keeps the key (the
    /// precomputed inner/outer states are copied, not consumed), checked against the PRF, which
    /// is a separate HMAC (EVP_MAC) keyed per call.
    @Test func integrityContextReuse() throws {
        let random = SeededRandom(seed: 7)
        for algorithm in IntegrityAlgorithm.allCases {
            let key = random.secretBytes(algorithm.keySize)
            let mac = try provider.makeIntegrity(algorithm, key: key)
            let prf = try provider.makePRF(algorithm.hmac)
            for size in [0, 1, 63, 64, 65, 1000] {
                let data = random.bytes(size)
                #expect(mac.compute(data) == Array(prf.compute(key: key, data: data).bytes.prefix(algorithm.icvSize)))
            }
        }
    }

    /// An empty HMAC key is a real key (RFC 2104 pads it with zeros), not "keep the old one".
    @Test func emptyKeyIsNotPreviousKey() throws {
        let prf = try provider.makePRF(.hmacSHA256)
        let first = prf.compute(key: [1, 2, 3], data: [9])
        let empty = prf.compute(key: [UInt8](), data: [9])
        #expect(first != empty)
        #expect(empty == (try provider.makePRF(.hmacSHA256)).compute(key: [UInt8](), data: [9]))
    }
}
