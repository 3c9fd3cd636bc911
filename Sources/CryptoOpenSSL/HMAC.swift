import COpenSSL
import IKECrypto

/// libcrypto's names of the PRF digests (the raw-reference HMAC in ReferenceCiphers.swift and
/// the tests' EVP_Q_mac cross-checks use them).
enum HMACContext {
    static func digestName(_ algorithm: PRFAlgorithm) -> String {
        switch algorithm {
        case .hmacSHA1: "SHA1"
        case .hmacSHA256: "SHA256"
        case .hmacSHA384: "SHA384"
        case .hmacSHA512: "SHA512"
        }
    }
}

/// HMAC-SHA1/SHA2 as an IKE PRF (RFC 2104, RFC 4868 §2.1.2), keyed per call.
/// Invariant: one `PrecomputedHMAC` re-keyed on every `compute` (two hash blocks over libcrypto's
/// SHA functions, no EVP_MAC context to re-initialise); not for concurrent use.
final class OpenSSLPRF: PRF {
    let algorithm: PRFAlgorithm
    private let hmac: PrecomputedHMAC

    init(_ algorithm: PRFAlgorithm) throws(CryptoError) {
        self.algorithm = algorithm
        hmac = PrecomputedHMAC(algorithm)
    }

    var outputSize: Int { algorithm.outputSize }

    func compute(key: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer,
                 into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count == outputSize, "PRF output buffer must be outputSize bytes")
        hmac.setKey(key)
        hmac.mac(data, into: output)
    }
}

/// Truncated HMAC integrity (RFC 2404 HMAC-SHA1-96, RFC 4868 HMAC-SHA-256-128/384-192/512-256).
/// Invariant: keyed once at init with exactly `keySize` bytes; each ICV is the leftmost
/// `icvSize` bytes of the HMAC; no heap allocation per call (`PrecomputedHMAC`).
final class OpenSSLIntegrity: Integrity {
    let algorithm: IntegrityAlgorithm
    private let hmac: PrecomputedHMAC

    init(_ algorithm: IntegrityAlgorithm, key: SecretBytes) throws(CryptoError) {
        // RFC 4868 §2.1.1: the key is exactly the hash output length.
        guard key.count == algorithm.keySize else {
            throw CryptoError(.invalidKeyLength, "\(algorithm.name) key is \(key.count) bytes, expected \(algorithm.keySize)")
        }
        self.algorithm = algorithm
        hmac = PrecomputedHMAC(algorithm.hmac)
        key.withUnsafeBytes { hmac.setKey($0) }
    }

    var keySize: Int { algorithm.keySize }
    var icvSize: Int { algorithm.icvSize }

    func compute(data: UnsafeRawBufferPointer, icv: UnsafeMutableRawBufferPointer) {
        precondition(icv.count == icvSize, "ICV buffer must be icvSize bytes")
        hmac.mac(data, into: icv)
    }
}

/// HMAC (RFC 2104) over libcrypto's SHA-1/SHA-2 functions with the key's inner and outer hash
/// states computed once: per message it copies the keyed inner state, hashes the data, then
/// hashes that digest from a copy of the keyed outer state. The states are plain C structs
/// (`iked_sha_ctx`), so a MAC copies memory and allocates nothing, where restarting an EVP_MAC
/// HMAC in OpenSSL 3.0 dups two digest contexts (two mallocs per MAC).
///
/// Invariant: `contexts` (inner, outer, working) and `digest` are allocated once in init, hold
/// key-derived state, and are cleansed and freed once in deinit; one thread at a time (`mac`
/// writes the working context and the digest scratch).
struct PrecomputedHMAC: ~Copyable {
    /// The full HMAC length: the hash's output (20, 32, 48 or 64 bytes).
    let outputSize: Int
    private let kind: iked_sha_kind
    private let blockSize: Int                                 // 64, or 128 for SHA-384/512
    private let contexts: UnsafeMutablePointer<iked_sha_ctx>  // [inner, outer, working]
    private let digest: UnsafeMutablePointer<UInt8>            // 64 bytes: inner digest, then the MAC

    private var inner: UnsafeMutablePointer<iked_sha_ctx> { contexts }
    private var outer: UnsafeMutablePointer<iked_sha_ctx> { contexts + 1 }
    private var working: UnsafeMutablePointer<iked_sha_ctx> { contexts + 2 }

    /// Unkeyed states (the HMAC of an empty key) until `setKey`.
    init(_ algorithm: PRFAlgorithm) {
        switch algorithm {
        case .hmacSHA1: (kind, blockSize) = (IKED_SHA1, 64)
        case .hmacSHA256: (kind, blockSize) = (IKED_SHA256, 64)
        case .hmacSHA384: (kind, blockSize) = (IKED_SHA384, 128)
        case .hmacSHA512: (kind, blockSize) = (IKED_SHA512, 128)
        }
        outputSize = algorithm.outputSize
        contexts = .allocate(capacity: 3)
        contexts.initialize(repeating: iked_sha_ctx(), count: 3)
        digest = .allocate(capacity: 64)
        digest.initialize(repeating: 0, count: 64)
        setKey(UnsafeRawBufferPointer(start: nil, count: 0))
    }

    /// Computes the inner and outer states for `key` of any length (RFC 2104 §2: longer than
    /// the block is hashed first, shorter is padded with zeros; integrity keys are never longer).
    func setKey(_ key: UnsafeRawBufferPointer) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: blockSize) { block in
            block.initialize(repeating: 0)
            if key.count > blockSize {
                precondition(iked_sha_init(working, kind) == 1
                    && iked_sha_update(working, kind, key.baseAddress, key.count) == 1
                    && iked_sha_final(working, kind, block.baseAddress) == 1, "SHA init/update/final failed")
            } else if let base = key.baseAddress {
                UnsafeMutableRawPointer(block.baseAddress!).copyMemory(from: base, byteCount: key.count)
            }
            // RFC 2104 §2: H(K ^ opad, H(K ^ ipad, text)); ipad = 0x36, opad = 0x5C repeated.
            for i in block.indices { block[i] ^= 0x36 }
            precondition(iked_sha_init(inner, kind) == 1
                && iked_sha_update(inner, kind, block.baseAddress, blockSize) == 1, "SHA init/update failed")
            for i in block.indices { block[i] ^= 0x36 ^ 0x5C }
            precondition(iked_sha_init(outer, kind) == 1
                && iked_sha_update(outer, kind, block.baseAddress, blockSize) == 1, "SHA init/update failed")
            zeroize(UnsafeMutableRawBufferPointer(block))
        }
    }

    deinit {
        OPENSSL_cleanse(contexts, 3 * MemoryLayout<iked_sha_ctx>.stride)
        OPENSSL_cleanse(digest, 64)
        contexts.deallocate()
        digest.deallocate()
    }

    /// The leftmost `out.count` (at most `outputSize`) bytes of the HMAC of `data` into `out`
    /// (RFC 2104 §5 truncation). Leaves the keyed states as they were; no heap allocation.
    func mac(_ data: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count <= outputSize, "HMAC output is at most outputSize bytes")
        // The iked_sha_* calls return 1 for every valid kind (libcrypto's low-level hash
        // functions cannot fail), so their results are not checked per packet.
        working.update(from: inner, count: 1)
        _ = iked_sha_update(working, kind, data.baseAddress, data.count)
        _ = iked_sha_final(working, kind, digest)
        working.update(from: outer, count: 1)
        _ = iked_sha_update(working, kind, digest, outputSize)
        _ = iked_sha_final(working, kind, digest)
        if let base = out.baseAddress { base.copyMemory(from: digest, byteCount: out.count) }
    }
}
