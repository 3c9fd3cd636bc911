import COpenSSL
import IKECrypto
import Testing
@testable import CryptoOpenSSL

/// HMAC with precomputed inner/outer states (`PrecomputedHMAC`, the ESP and SK integrity path)
/// against the RFC vectors and against libcrypto's own HMAC (EVP_Q_mac).
@Suite("Precomputed-state HMAC")
struct PrecomputedHMACTests {
    static let fullCases: [(PRFAlgorithm, MACVector)] =
        HMACVectors.rfc2202SHA1.map { (.hmacSHA1, $0) }
        + HMACVectors.rfc4231SHA256.map { (.hmacSHA256, $0) }
        + HMACVectors.rfc4231SHA384.map { (.hmacSHA384, $0) }
        + HMACVectors.rfc4231SHA512.map { (.hmacSHA512, $0) }

    /// RFC 2202 §3 and RFC 4231 §4 (keys of 4 to 131 bytes: the 131-byte keys are longer than
    /// every block and are hashed first), computed twice on one object and once more after
    /// re-keying it from another key.
    @Test("RFC 2202 and RFC 4231 vectors", arguments: fullCases.indices)
    func vector(_ index: Int) {
        let (algorithm, v) = Self.fullCases[index]
        let key = [UInt8](hex: v.key), data = [UInt8](hex: v.data)
        let hmac = PrecomputedHMAC(algorithm, key: key)
        #expect(hmac.outputSize == algorithm.outputSize)
        #expect(hmac.mac(data).hex == v.mac, "\(v.name)")
        #expect(hmac.mac(data).hex == v.mac, "\(v.name), second MAC on the same object")
        hmac.setKey(bytes: [1, 2, 3])
        #expect(hmac.mac(data).hex != v.mac)
        hmac.setKey(bytes: key)
        #expect(hmac.mac(data).hex == v.mac, "\(v.name), after re-keying")
    }

    static let truncatedCases: [(PRFAlgorithm, MACVector)] =
        HMACVectors.rfc2202SHA1_96.map { (.hmacSHA1, $0) }
        + HMACVectors.rfc4868AuthSHA256.map { (.hmacSHA256, $0) }
        + HMACVectors.rfc4868AuthSHA384.map { (.hmacSHA384, $0) }
        + HMACVectors.rfc4868AuthSHA512.map { (.hmacSHA512, $0) }
        + truncationCase5

    /// RFC 2202 §3 and RFC 4231 §4.6 test case 5, "Test With Truncation": the leftmost 96
    /// (SHA-1) or 128 bits of the HMAC.
    static let truncationCase5: [(PRFAlgorithm, MACVector)] = [
        (.hmacSHA1, "RFC 2202 §3 test case 5, 96-bit", "4c1a03424b55e07fe7f27be1"),
        (.hmacSHA256, "RFC 4231 §4.6 test case 5, SHA-256", "a3b6167473100ee06e0c796c2955552b"),
        (.hmacSHA384, "RFC 4231 §4.6 test case 5, SHA-384", "3abf34c3503b2a23a46efc619baef897"),
        (.hmacSHA512, "RFC 4231 §4.6 test case 5, SHA-512", "415fad6271580a531d4179bc891d87a6"),
    ].map { algorithm, name, mac in
        (algorithm, MACVector(name: name, key: "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
                              data: "546573742057697468205472756e636174696f6e", mac: mac))
    }

    /// RFC 4868 §2.7.2 authenticators (HMAC-SHA-256-128/384-192/512-256) and the RFC 2202 /
    /// RFC 4231 truncation cases: the leftmost bytes of the MAC, RFC 2104 §5.
    @Test("RFC 4868 and RFC 2202/4231 truncation", arguments: truncatedCases.indices)
    func truncation(_ index: Int) {
        let (algorithm, v) = Self.truncatedCases[index]
        let hmac = PrecomputedHMAC(algorithm, key: [UInt8](hex: v.key))
        let data = [UInt8](hex: v.data), count = v.mac.count / 2
        #expect(hmac.mac(data, count: count).hex == v.mac, "\(v.name)")
        #expect(hmac.mac(data, count: count).hex == v.mac, "\(v.name), second MAC on the same object")
    }

    static func blockSize(_ algorithm: PRFAlgorithm) -> Int {
        algorithm == .hmacSHA384 || algorithm == .hmacSHA512 ? 128 : 64
    }

    /// Random keys and messages of the edge lengths (empty, one byte, either side of the block,
    /// a packet, a jumbo frame) against EVP_Q_mac; one object per key computes every message
    /// twice, so a consumed or shared state would show.
    @Test("random keys and messages against EVP_Q_mac", arguments: PRFAlgorithm.allCases)
    func randomAgainstEVP(_ algorithm: PRFAlgorithm) {
        let random = SeededRandom(seed: 0x4D4143 &+ UInt64(algorithm.rawValue))
        let block = Self.blockSize(algorithm)
        let keySizes = [0, 1, algorithm.outputSize, block - 1, block, block + 1, 200]
        let dataSizes = [0, 1, block - 1, block, block + 1, 1400, 9000]
        for keySize in keySizes {
            for _ in 0..<3 {
                let key = random.bytes(keySize)
                let hmac = PrecomputedHMAC(algorithm, key: key)
                let messages = dataSizes.map { random.bytes($0) }
                let expected = messages.map { evpHMAC(algorithm, key: key, data: $0) }
                for (data, mac) in zip(messages, expected) {
                    #expect(hmac.mac(data) == mac, "key \(keySize) bytes, data \(data.count) bytes")
                }
                // Again in reverse order on the same object.
                for (data, mac) in zip(messages, expected).reversed() {
                    #expect(hmac.mac(data, count: mac.count / 2) == Array(mac.prefix(mac.count / 2)))
                }
            }
        }
    }

    /// `OpenSSLIntegrity` (what ESPCore and SKCipher call) for all four integrity transforms:
    /// random keys of the transform's size, the ICV is EVP_Q_mac's HMAC truncated to `icvSize`,
    /// the same twice, and data at every alignment.
    @Test("integrity transforms against EVP_Q_mac", arguments: IntegrityAlgorithm.allCases)
    func integrityAgainstEVP(_ algorithm: IntegrityAlgorithm) throws {
        let random = SeededRandom(seed: 0x1C5 &+ UInt64(algorithm.rawValue))
        let block = Self.blockSize(algorithm.hmac)
        for _ in 0..<4 {
            let key = random.secretBytes(algorithm.keySize)
            let integrity = try provider.makeIntegrity(algorithm, key: key)
            for size in [0, 1, block - 1, block, block + 1, 1400, 9000] {
                let data = random.bytes(size + 8)
                for offset in [0, 1, 3, 8] {
                    let message = Array(data[offset..<(offset + size)])
                    let expected = Array(evpHMAC(algorithm.hmac, key: key.bytes, data: message).prefix(algorithm.icvSize))
                    let icv = data.withUnsafeBytes { d in
                        [UInt8](unsafeUninitializedCapacity: algorithm.icvSize) { out, n in
                            integrity.compute(data: UnsafeRawBufferPointer(rebasing: d[offset..<(offset + size)]),
                                              icv: UnsafeMutableRawBufferPointer(out))
                            n = algorithm.icvSize
                        }
                    }
                    #expect(icv == expected, "\(algorithm.name), \(size) bytes at offset \(offset)")
                    #expect(integrity.compute(message) == expected)
                    #expect(integrity.verify(message, icv: expected))
                }
            }
        }
    }
}

extension PrecomputedHMAC {
    init(_ algorithm: PRFAlgorithm, key: [UInt8]) {
        self.init(algorithm)
        setKey(bytes: key)
    }

    func setKey(bytes key: [UInt8]) { key.withUnsafeBytes { setKey($0) } }

    /// The leftmost `count` bytes (all of them by default) of the HMAC of `data`.
    func mac(_ data: [UInt8], count: Int? = nil) -> [UInt8] {
        let count = count ?? outputSize
        return [UInt8](unsafeUninitializedCapacity: count) { out, n in
            data.withUnsafeBytes { mac($0, into: UnsafeMutableRawBufferPointer(out)) }
            n = count
        }
    }
}

/// libcrypto's one-shot HMAC (EVP_MAC "HMAC" with the named digest), the reference.
func evpHMAC(_ algorithm: PRFAlgorithm, key: [UInt8], data: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 64)
    var written = 0
    // A NULL key would mean "no key" to EVP_MAC_init, so an empty key gets a real pointer.
    let keyStorage = key + [0], dataStorage = data + [0]
    let result = keyStorage.withUnsafeBytes { k in
        dataStorage.withUnsafeBufferPointer { d in
            out.withUnsafeMutableBufferPointer { o in
                EVP_Q_mac(nil, "HMAC", nil, HMACContext.digestName(algorithm), nil, k.baseAddress, key.count,
                          d.baseAddress, data.count, o.baseAddress, o.count, &written)
            }
        }
    }
    precondition(result != nil && written == algorithm.outputSize, "EVP_Q_mac failed")
    return Array(out.prefix(written))
}
