import Testing
@testable import IKECrypto

@Suite("SecretBytes")
struct SecretBytesTests {
    @Test func descriptionHidesContent() {
        let secret = SecretBytes([0xde, 0xad, 0xbe, 0xef])
        #expect(secret.description == "SecretBytes(4 bytes)")
        #expect(secret.debugDescription == "SecretBytes(4 bytes)")
        #expect(String(describing: secret) == "SecretBytes(4 bytes)")
        #expect(String(reflecting: secret) == "SecretBytes(4 bytes)")
        #expect(!"\(secret)".lowercased().contains("de"))
        let keys = IKESAKeys(skD: secret, skAi: secret, skAr: secret, skEi: secret, skEr: secret, skPi: secret, skPr: secret)
        #expect(!String(describing: keys).lowercased().contains("deadbeef"))
    }

    @Test func copiesAndSlices() {
        let bytes: [UInt8] = Array(0..<40)
        let secret = SecretBytes(bytes)
        #expect(secret.count == 40 && secret.bytes == bytes)
        #expect(secret.prefix(8).bytes == Array(0..<8))
        #expect(secret.prefix(100).bytes == bytes)
        #expect(secret.slice(10..<20).bytes == Array(10..<20))
        #expect(secret.slice(40..<40).count == 0)
        #expect(secret.appending(SecretBytes([99])).bytes == bytes + [99])
        #expect(SecretBytes(count: 5).bytes == [0, 0, 0, 0, 0])
        #expect(SecretBytes([]).count == 0)
    }

    @Test func equality() {
        #expect(SecretBytes([1, 2, 3]) == SecretBytes([1, 2, 3]))
        #expect(SecretBytes([1, 2, 3]) != SecretBytes([1, 2, 4]))
        #expect(SecretBytes([1, 2, 3]) != SecretBytes([1, 2]))
        #expect(SecretBytes([]) == SecretBytes(count: 0))
    }

    /// deinit writes zeros through the pointer before deallocating.
    @Test func zeroizeClearsMemory() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 16)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0xA5)
        zeroize(buffer)
        #expect(buffer.allSatisfy { $0 == 0 })
        zeroize(UnsafeMutableRawBufferPointer(start: nil, count: 0))
    }

    @Test func constantTimeCompare() {
        let a: [UInt8] = [1, 2, 3], b: [UInt8] = [1, 2, 3], c: [UInt8] = [1, 2, 0]
        a.withUnsafeBytes { pa in
            b.withUnsafeBytes { #expect(constantTimeEqual(pa, $0)) }
            c.withUnsafeBytes { #expect(!constantTimeEqual(pa, $0)) }
        }
    }
}

@Suite("SeededRandom")
struct SeededRandomTests {
    @Test func deterministic() {
        let a = SeededRandom(seed: 42), b = SeededRandom(seed: 42), c = SeededRandom(seed: 43)
        let x = a.bytes(100)
        #expect(x == b.bytes(100))
        #expect(x != c.bytes(100))
        #expect(a.bytes(0).isEmpty)
        // splitmix64 reference: seed 0 → first output 0xe220a8397b1dcdaf.
        #expect(SeededRandom(seed: 0).next() == 0xE220_A839_7B1D_CDAF)
    }

    @Test func oddSizesFillEveryByte() {
        let random = SeededRandom(seed: 1)
        for size in 1...33 {
            let bytes = random.bytes(size)
            #expect(bytes.count == size)
        }
        #expect(random.secretBytes(16).count == 16)
    }
}

@Suite("Algorithm sizes")
struct AlgorithmTests {
    @Test func keyMaterialLengths() {
        #expect(EncryptionAlgorithm.aesGCM16.keyMaterialLength(keyLengthBits: 256) == 36)
        #expect(EncryptionAlgorithm.aesGCM8.keyMaterialLength(keyLengthBits: 128) == 20)
        #expect(EncryptionAlgorithm.aesCBC.keyMaterialLength(keyLengthBits: 192) == 24)
        #expect(EncryptionAlgorithm.aesCBC.keyMaterialLength(keyLengthBits: nil) == nil)
        #expect(EncryptionAlgorithm.chacha20Poly1305.keyMaterialLength(keyLengthBits: nil) == 36)
        #expect(EncryptionAlgorithm.chacha20Poly1305.keyMaterialLength(keyLengthBits: 128) == nil)
        #expect(IntegrityAlgorithm.allCases.map(\.icvSize) == [12, 16, 24, 32])
        #expect(DHGroup.ecp521.sharedSecretSize == 66)
    }
}
