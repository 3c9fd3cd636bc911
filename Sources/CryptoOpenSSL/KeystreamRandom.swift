import COpenSSL
import IKECrypto

/// Unpredictable bytes for ESP CBC IVs (RFC 3602 §2.3) without a call into libcrypto's DRBG per
/// packet: the AES-256-CTR keystream under a key and starting counter drawn once from RAND_bytes
/// (the same construction as NIST SP 800-90A's CTR_DRBG, without its reseeding; 2^64 blocks
/// are far beyond what a datapath seals). RAND_bytes reseeds now and then and allocates when it
/// does; this keeps the seal path at zero allocations. Not thread-safe: one per datapath thread.
public final class KeystreamRandom: RandomSource, @unchecked Sendable {
    private let ctx: OpaquePointer

    /// Seeds from RAND_bytes. Like RAND_bytes itself, it cannot fail short of memory exhaustion
    /// or a broken libcrypto, and then stops the process rather than hand out predictable IVs.
    public init() {
        guard let ctx = EVP_CIPHER_CTX_new() else { fatalError("EVP_CIPHER_CTX_new failed: \(openSSLErrorString())") }
        self.ctx = ctx
        var seed = [UInt8](repeating: 0, count: 48)   // 32-byte key, 16-byte initial counter
        defer { OPENSSL_cleanse(&seed, seed.count) }
        seed.withUnsafeMutableBytes { OpenSSLRandom().fill($0) }
        let ok = seed.withUnsafeBufferPointer { s in
            EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), nil, s.baseAddress!, s.baseAddress! + 32) == 1
        }
        guard ok else { fatalError("EVP_EncryptInit_ex(aes-256-ctr) failed: \(openSSLErrorString())") }
    }

    deinit { EVP_CIPHER_CTX_free(ctx) }

    /// Fills `buffer` with the next keystream bytes (the keystream XOR zeros, in place).
    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count > 0 else { return }
        var offset = 0
        while offset < buffer.count {
            let n = min(buffer.count - offset, Int(Int32.max))
            memset(base + offset, 0, n)
            var written: Int32 = 0
            guard EVP_EncryptUpdate(ctx, base + offset, &written, base + offset, Int32(n)) == 1, Int(written) == n else {
                fatalError("AES-CTR keystream failed: \(openSSLErrorString())")
            }
            offset += n
        }
    }
}
