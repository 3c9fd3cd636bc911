import Testing
import IKECrypto
@testable import CryptoOpenSSL

@Suite("AEAD vectors and round trips")
struct AEADTests {
    /// McGrew–Viega GCM test cases 2–4 and 14–16 (tags 8/12 are truncations of test case 3's
    /// tag, RFC 4106 §8.1) and RFC 8439 §2.8.2 for ChaCha20-Poly1305.
    @Test("published AEAD vectors seal and open", arguments: CipherVectors.gcm + CipherVectors.chacha20Poly1305)
    func vector(_ v: AEADVector) throws {
        let algorithm: EncryptionAlgorithm = v.name.hasPrefix("RFC 8439") ? .chacha20Poly1305
            : v.tagSize == 8 ? .aesGCM8 : v.tagSize == 12 ? .aesGCM12 : .aesGCM16
        let aead = try provider.makeAEAD(algorithm, key: SecretBytes(hex: v.keyMaterial))
        let iv = [UInt8](hex: v.iv).withUnsafeBytes(loadBigEndianUInt64)
        let sealed = try aead.seal(iv: iv, aad: [UInt8](hex: v.aad), plaintext: [UInt8](hex: v.plaintext))
        #expect(sealed.hex == v.sealed, "\(v.name)")
        #expect(aead.open(iv: iv, aad: [UInt8](hex: v.aad), sealed: [UInt8](hex: v.sealed)) == [UInt8](hex: v.plaintext))
    }

    /// The pointer API with the IV as wire bytes gives the same result (GCM test case 4).
    @Test func ivBytesMatchUInt64() throws {
        let v = CipherVectors.gcm[4]
        let aead = try provider.makeAEAD(.aesGCM16, key: SecretBytes(hex: v.keyMaterial))
        var buffer = [UInt8](hex: v.plaintext)
        var tag = [UInt8](repeating: 0, count: 16)
        let aad = [UInt8](hex: v.aad), iv = [UInt8](hex: v.iv)
        try buffer.withMutableBytes { (b: UnsafeMutableRawBufferPointer) throws(CryptoError) in
            try tag.withMutableBytes { (t: UnsafeMutableRawBufferPointer) throws(CryptoError) in
                try aad.withBytes { (a: UnsafeRawBufferPointer) throws(CryptoError) in
                    try iv.withBytes { (i: UnsafeRawBufferPointer) throws(CryptoError) in
                        try aead.seal(ivBytes: i, aad: a, buffer: b, tag: t)
                    }
                }
            }
        }
        #expect((buffer + tag).hex == v.sealed)
    }

    @Test("wrong keying-material lengths are rejected")
    func keyLengths() {
        for length in [0, 16, 19, 21, 32, 35, 37] {
            #expect(throws: CryptoError.self) { try provider.makeAEAD(.aesGCM16, key: SecretBytes(count: length)) }
        }
        #expect(throws: CryptoError.self) { try provider.makeAEAD(.chacha20Poly1305, key: SecretBytes(count: 32)) }
        #expect(throws: CryptoError.self) { try provider.makeAEAD(.aesCBC, key: SecretBytes(count: 20)) }
    }

    /// Random round trips over many sizes, reusing one object for both directions.
    @Test("random round trips", arguments: aeadConfigurations.indices)
    func roundTrip(_ index: Int) throws {
        let (algorithm, keyLength) = aeadConfigurations[index]
        let random = SeededRandom(seed: UInt64(index) + 1)
        let aead = try provider.makeAEAD(algorithm, key: random.secretBytes(keyLength))
        #expect(aead.tagSize == algorithm.icvSize && aead.keySize == keyLength - 4)
        for size in roundTripSizes {
            let plaintext = random.bytes(size), aad = random.bytes(random.next(below: 40))
            let iv = random.uint64()
            let sealed = try aead.seal(iv: iv, aad: aad, plaintext: plaintext)
            #expect(sealed.count == size + aead.tagSize)
            #expect(aead.open(iv: iv, aad: aad, sealed: sealed) == plaintext)
            #expect(aead.open(iv: iv &+ 1, aad: aad, sealed: sealed) == nil)
        }
    }

    /// Flipping any single bit of ciphertext, tag or AAD makes open fail (GCM test case 4
    /// shape with random content; every bit for a 40-byte message).
    @Test("any single bit flip fails authentication", arguments: aeadConfigurations.indices)
    func bitFlips(_ index: Int) throws {
        let (algorithm, keyLength) = aeadConfigurations[index]
        let random = SeededRandom(seed: 0xB17 &+ UInt64(index))
        let aead = try provider.makeAEAD(algorithm, key: random.secretBytes(keyLength))
        let plaintext = random.bytes(40), aad = random.bytes(12), iv = random.uint64()
        let sealed = try aead.seal(iv: iv, aad: aad, plaintext: plaintext)
        for bit in 0..<(sealed.count * 8) {
            var bad = sealed
            bad[bit / 8] ^= 1 << (bit % 8)
            #expect(aead.open(iv: iv, aad: aad, sealed: bad) == nil)
        }
        for bit in 0..<(aad.count * 8) {
            var bad = aad
            bad[bit / 8] ^= 1 << (bit % 8)
            #expect(aead.open(iv: iv, aad: bad, sealed: sealed) == nil)
        }
        #expect(aead.open(iv: iv, aad: aad, sealed: Array(sealed.dropLast())) == nil)
        #expect(aead.open(iv: iv, aad: aad, sealed: sealed) == plaintext)
    }

    /// A failed GCM open must not leave unauthenticated plaintext in the buffer.
    @Test func failedOpenLeavesNoPlaintext() throws {
        let v = CipherVectors.gcm[4]
        let aead = try provider.makeAEAD(.aesGCM16, key: SecretBytes(hex: v.keyMaterial))
        let sealed = [UInt8](hex: v.sealed)
        var buffer = Array(sealed.dropLast(16))
        var tag = Array(sealed.suffix(16))
        tag[0] ^= 1
        let iv = [UInt8](hex: v.iv).withUnsafeBytes(loadBigEndianUInt64)
        let ok = buffer.withUnsafeMutableBytes { b in
            [UInt8](hex: v.aad).withUnsafeBytes { a in tag.withUnsafeBytes { aead.open(iv: iv, aad: a, buffer: b, tag: $0) } }
        }
        #expect(!ok)
        #expect(buffer != [UInt8](hex: v.plaintext))
        #expect(buffer.allSatisfy { $0 == 0 })
    }
}
