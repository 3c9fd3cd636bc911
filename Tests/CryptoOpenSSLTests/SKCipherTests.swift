import Testing
import IKECrypto
@testable import CryptoOpenSSL

/// One SK payload configuration: encryption, keying-material length, optional integrity.
struct SKConfiguration: Sendable, CustomStringConvertible {
    let encryption: EncryptionAlgorithm
    let encKeyLength: Int
    let integrity: IntegrityAlgorithm?

    var description: String { "\(encryption.name)/\(encKeyLength)/\(integrity?.name ?? "-")" }

    static let all: [SKConfiguration] =
        aeadConfigurations.map { SKConfiguration(encryption: $0.0, encKeyLength: $0.1, integrity: nil) }
        + [16, 24, 32].flatMap { keyLength in
            IntegrityAlgorithm.allCases.map { SKConfiguration(encryption: .aesCBC, encKeyLength: keyLength, integrity: $0) }
        }

    /// The sending and receiving objects, built from the same keys.
    func pair(_ random: SeededRandom) throws -> (SKCipher, SKCipher) {
        let encKey = random.secretBytes(encKeyLength)
        let integKey = integrity.map { random.secretBytes($0.keySize) }
        func make() throws -> SKCipher {
            try SKCipher.make(provider: provider, encryption: encryption, encryptionKey: encKey,
                              integrity: integrity, integrityKey: integKey)
        }
        return (try make(), try make())
    }
}

@Suite("SK payload protection (RFC 7296 §3.14, RFC 5282)")
struct SKCipherTests {
    /// Random payloads of 0…2000 bytes protect and unprotect, and the body has the length
    /// and layout §3.14 requires.
    @Test("round trips", arguments: SKConfiguration.all)
    func roundTrip(_ config: SKConfiguration) throws {
        let random = SeededRandom(seed: UInt64(config.encKeyLength) << 8 | UInt64(config.integrity?.rawValue ?? 0))
        let (sender, receiver) = try config.pair(random)
        for size in roundTripSizes {
            let ad = random.bytes(28 + random.next(below: 8)), plaintext = random.bytes(size)
            let body = try sender.protect(associatedData: ad, plaintext: plaintext, random: random)
            #expect(body.count == sender.bodyLength(plaintextLength: size))
            if !config.encryption.isAEAD {
                #expect((body.count - 16 - config.integrity!.icvSize) % 16 == 0)
            }
            #expect(try receiver.unprotect(associatedData: ad, body: body) == plaintext)
        }
    }

    /// Any single flipped bit in the associated data or the body is refused.
    @Test("bit flips", arguments: SKConfiguration.all)
    func bitFlips(_ config: SKConfiguration) throws {
        let random = SeededRandom(seed: 99)
        let (sender, receiver) = try config.pair(random)
        let ad = random.bytes(32), plaintext = random.bytes(33)
        let body = try sender.protect(associatedData: ad, plaintext: plaintext, random: random)
        for bit in 0..<(body.count * 8) {
            var bad = body
            bad[bit / 8] ^= 1 << (bit % 8)
            #expect(throws: CryptoError.self) { try receiver.unprotect(associatedData: ad, body: bad) }
        }
        for bit in stride(from: 0, to: ad.count * 8, by: 3) {
            var bad = ad
            bad[bit / 8] ^= 1 << (bit % 8)
            #expect(throws: CryptoError.self) { try receiver.unprotect(associatedData: bad, body: body) }
        }
    }

    /// Every truncation of a valid body (and one extra byte) is refused without a crash.
    @Test("truncations", arguments: SKConfiguration.all)
    func truncations(_ config: SKConfiguration) throws {
        let random = SeededRandom(seed: 5)
        let (sender, receiver) = try config.pair(random)
        let ad = random.bytes(32)
        let body = try sender.protect(associatedData: ad, plaintext: random.bytes(50), random: random)
        for length in 0..<body.count {
            #expect(throws: CryptoError.self) { try receiver.unprotect(associatedData: ad, body: Array(body.prefix(length))) }
        }
        #expect(throws: CryptoError.self) { try receiver.unprotect(associatedData: ad, body: body + [0]) }
    }

    /// A peer's padding (any pad bytes, any valid length) is accepted; a Pad Length larger
    /// than the decrypted data is `badPadding` (RFC 7296 §3.14).
    @Test func peerPadding() throws {
        let random = SeededRandom(seed: 3)
        let key = random.secretBytes(16), integKey = random.secretBytes(32)
        let cipher = try provider.makeBlockCipher(keyLength: 16, key: key)
        let integrity = try provider.makeIntegrity(.hmacSHA256_128, key: integKey)
        let receiver = SKCipher(cipher: cipher, integrity: integrity)
        let ad = random.bytes(32), iv = random.bytes(16)
        func body(_ decrypted: [UInt8]) throws -> [UInt8] {
            let ciphertext = try cipher.encrypt(iv: iv, decrypted)
            return iv + ciphertext + integrity.compute(ad + iv + ciphertext)
        }
        // 5 payload bytes, 26 pad bytes of 0xAA, Pad Length 26: two blocks.
        let padded = [1, 2, 3, 4, 5] + [UInt8](repeating: 0xAA, count: 26) + [26]
        #expect(try receiver.unprotect(associatedData: ad, body: body(padded)) == [1, 2, 3, 4, 5])
        let tooLong = [UInt8](repeating: 0, count: 15) + [16]
        #expect {
            try receiver.unprotect(associatedData: ad, body: body(tooLong))
        } throws: { ($0 as? CryptoError)?.kind == .badPadding }
    }

    @Test func mismatchedTransformsAreRefused() {
        #expect(throws: CryptoError.self) {
            try SKCipher.make(provider: provider, encryption: .aesGCM16, encryptionKey: SecretBytes(count: 20),
                              integrity: .hmacSHA256_128, integrityKey: SecretBytes(count: 32))
        }
        #expect(throws: CryptoError.self) {
            try SKCipher.make(provider: provider, encryption: .aesCBC, encryptionKey: SecretBytes(count: 16),
                              integrity: nil, integrityKey: nil)
        }
    }
}
