import Testing
@testable import IKECrypto

/// A toy keyed function (NOT a PRF): FNV-1a over key ‖ 0xff ‖ data, stretched with splitmix64.
/// It lets the pure module test the shape of prf+ and the KDF without a crypto library.
final class ToyPRF: PRF {
    let algorithm = PRFAlgorithm.hmacSHA1
    let outputSize = 20
    private(set) var calls: [[UInt8]] = []

    func compute(key: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        calls.append(Array(data))
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in Array(key) + [0xff] + Array(data) { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let stretch = SeededRandom(seed: h)
        stretch.fill(output)
    }
}

@Suite("KDF structure (RFC 7296 §2.13–2.18) with a toy PRF")
struct KeyDerivationTests {
    @Test func prfPlusChainsBlocks() throws {
        let prf = ToyPRF()
        let key = SecretBytes([1, 2, 3]), seed: [UInt8] = [7, 8]
        let out = try prfPlus(prf: prf, key: key, seed: seed, length: 45)
        #expect(out.count == 45)
        // T1 = prf(K, S | 0x01), T2 = prf(K, T1 | S | 0x02), T3 = prf(K, T2 | S | 0x03).
        #expect(prf.calls.count == 3)
        #expect(prf.calls[0] == seed + [1])
        let t1 = Array(out.bytes[0..<20]), t2 = Array(out.bytes[20..<40])
        #expect(prf.calls[1] == t1 + seed + [2])
        #expect(prf.calls[2] == t2 + seed + [3])
        #expect(try prfPlus(prf: ToyPRF(), key: key, seed: seed, length: 0).count == 0)
    }

    @Test func prfPlusLimitIs255Blocks() throws {
        #expect(try prfPlus(prf: ToyPRF(), key: SecretBytes([1]), seed: [], length: 255 * 20).count == 5100)
        #expect {
            try prfPlus(prf: ToyPRF(), key: SecretBytes([1]), seed: [], length: 255 * 20 + 1)
        } throws: { ($0 as? CryptoError)?.kind == .invalidLength }
    }

    @Test func ikeSAKeysOrderAndLengths() throws {
        let prf = ToyPRF()
        let seed = SecretBytes(count: 20)
        let keys = try ikeSAKeys(prf: prf, skeyseed: seed, nonceI: [1], nonceR: [2], spiI: 0x0102_0304_0506_0708,
                                 spiR: 0x1112_1314_1516_1718, encKeyLength: 36, integKeyLength: 0)
        #expect([keys.skD, keys.skAi, keys.skAr, keys.skEi, keys.skEr, keys.skPi, keys.skPr].map(\.count)
                == [20, 0, 0, 36, 36, 20, 20])
        // Seed = Ni | Nr | SPIi | SPIr, SPIs big-endian.
        #expect(prf.calls[0] == [1, 2, 1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 1])
        let stream = try prfPlus(prf: ToyPRF(), key: seed, seed: Array(prf.calls[0].dropLast()), length: 132)
        #expect(keys.skEi == stream.slice(20..<56) && keys.skPr == stream.slice(112..<132))
        #expect(throws: CryptoError.self) {
            try ikeSAKeys(prf: ToyPRF(), skeyseed: seed, nonceI: [1], nonceR: [2], spiI: [1], spiR: [2],
                          encKeyLength: 16, integKeyLength: 20)
        }
    }

    @Test func skeyseedUsesNoncesAsKey() {
        let a = skeyseed(prf: ToyPRF(), nonceI: [1, 2], nonceR: [3], sharedSecret: SecretBytes([9]))
        let b = ToyPRF().compute(key: [1, 2, 3], data: SecretBytes([9]))
        #expect(a == b)
        let rekey = rekeyedSkeyseed(prf: ToyPRF(), oldSKd: SecretBytes([5]), sharedSecret: SecretBytes([9]),
                                    nonceI: [1], nonceR: [2])
        #expect(rekey == ToyPRF().compute(key: SecretBytes([5]), data: [9, 1, 2]))
    }

    @Test func keymatSeedOrder() throws {
        let prf = ToyPRF()
        _ = try childSAKeyMaterial(prf: prf, skD: SecretBytes([1]), sharedSecret: SecretBytes([9, 9]),
                                   nonceI: [1], nonceR: [2], length: 10)
        #expect(prf.calls[0] == [9, 9, 1, 2, 1])
        let plain = ToyPRF()
        _ = try childSAKeyMaterial(prf: plain, skD: SecretBytes([1]), nonceI: [1], nonceR: [2], length: 10)
        #expect(plain.calls[0] == [1, 2, 1])
    }
}

/// XOR "cipher" and additive "MAC" so SKCipher's framing is testable without a library.
final class ToyAEAD: AEAD {
    let algorithm = EncryptionAlgorithm.aesGCM16
    let keySize = 16, saltSize = 4, ivSize = 8, tagSize = 16

    func seal(iv: UInt64, aad: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer,
              tag: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        for i in 0..<buffer.count { buffer[i] ^= UInt8(truncatingIfNeeded: iv &+ UInt64(i)) }
        makeTag(iv, aad, UnsafeRawBufferPointer(buffer), tag)
    }

    func open(iv: UInt64, aad: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer,
              tag: UnsafeRawBufferPointer) -> Bool {
        var expected = [UInt8](repeating: 0, count: 16)
        expected.withUnsafeMutableBytes { makeTag(iv, aad, UnsafeRawBufferPointer(buffer), $0) }
        guard expected == Array(tag) else { return false }
        for i in 0..<buffer.count { buffer[i] ^= UInt8(truncatingIfNeeded: iv &+ UInt64(i)) }
        return true
    }

    private func makeTag(_ iv: UInt64, _ aad: UnsafeRawBufferPointer, _ data: UnsafeRawBufferPointer,
                         _ tag: UnsafeMutableRawBufferPointer) {
        var h: UInt64 = iv
        for b in Array(aad) + [0xff] + Array(data) { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        SeededRandom(seed: h).fill(tag)
    }
}

@Suite("SKCipher framing with a toy AEAD")
struct SKCipherFramingTests {
    @Test func layoutAndRoundTrip() throws {
        let sk = SKCipher(aead: ToyAEAD())
        let random = SeededRandom(seed: 1)
        for size in [0, 1, 17, 300] {
            let plaintext = random.bytes(size)
            let body = try sk.protect(associatedData: [1, 2, 3], plaintext: plaintext, random: random)
            // IV(8) ‖ E(payload ‖ Pad Length 0) ‖ tag(16)
            #expect(body.count == 8 + size + 1 + 16)
            #expect(body.count == sk.bodyLength(plaintextLength: size))
            #expect(try sk.unprotect(associatedData: [1, 2, 3], body: body) == plaintext)
            #expect(throws: CryptoError.self) { try sk.unprotect(associatedData: [1, 2, 4], body: body) }
        }
        #expect(sk.overhead == 25)
    }

    @Test func shortBodiesAreInvalidLength() {
        let sk = SKCipher(aead: ToyAEAD())
        for length in 0..<25 {
            #expect {
                try sk.unprotect(associatedData: [], body: [UInt8](repeating: 0, count: length))
            } throws: { ($0 as? CryptoError)?.kind == .invalidLength }
        }
    }

    @Test func paddingRules() throws {
        #expect(SKCipher.paddedLength(0, 16) == 16)
        #expect(SKCipher.paddedLength(15, 16) == 16)
        #expect(SKCipher.paddedLength(16, 16) == 32)
        #expect(SKCipher.paddedLength(5, 1) == 6)
        #expect(try SKCipher.stripPadding([1, 2, 0xAA, 0xBB, 2]) == [1, 2])
        #expect(try SKCipher.stripPadding([0]) == [])
        #expect(throws: CryptoError.self) { try SKCipher.stripPadding([1, 2]) }
        #expect(throws: CryptoError.self) { try SKCipher.stripPadding([]) }
    }
}
