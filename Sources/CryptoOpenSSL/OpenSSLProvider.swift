import COpenSSL
import CSodium
import IKECrypto

/// The production `CryptoProvider`: OpenSSL 3 (libcrypto) for AES, HMAC, SHA digests, MODP and
/// ECP groups and random bytes; libsodium for ChaCha20-Poly1305 and X25519.
///
/// Invariant: stateless apart from the process-wide library initialisation, which runs once
/// on first use; every object it makes owns its own library context.
public struct OpenSSLProvider: CryptoProvider {
    public init() {
        precondition(sodiumReady, "sodium_init failed")
    }

    public var random: any RandomSource { Self.pooledRandom }
    /// X25519 private keys come from here: one pool for every provider (PooledOpenSSLRandom).
    private static let pooledRandom = PooledOpenSSLRandom()

    public func makePRF(_ algorithm: PRFAlgorithm) throws(CryptoError) -> any PRF {
        try OpenSSLPRF(algorithm)
    }

    public func makeAEAD(_ algorithm: EncryptionAlgorithm, key: SecretBytes) throws(CryptoError) -> any AEAD {
        switch algorithm {
        case .aesGCM8, .aesGCM12, .aesGCM16:
            return try OpenSSLAESGCM(algorithm, keyMaterial: key)
        case .chacha20Poly1305:
            return try SodiumChaCha20Poly1305(keyMaterial: key)
        case .aesCBC:
            throw CryptoError(.unsupported, "AES-CBC is not an AEAD")
        }
    }

    public func makeBlockCipher(keyLength: Int, key: SecretBytes) throws(CryptoError) -> any BlockCipher {
        guard key.count == keyLength else {
            throw CryptoError(.invalidKeyLength, "AES-CBC key is \(key.count) bytes, expected \(keyLength)")
        }
        return try OpenSSLAESCBC(key: key)
    }

    public func makeIntegrity(_ algorithm: IntegrityAlgorithm, key: SecretBytes) throws(CryptoError) -> any Integrity {
        try OpenSSLIntegrity(algorithm, key: key)
    }

    public func makeKeyExchange(_ group: DHGroup) throws(CryptoError) -> any KeyExchange {
        try makeKeyExchange(group, fixedPrivateKey: nil)
    }

    public func makeKeyExchange(_ group: DHGroup, privateKey: SecretBytes) throws(CryptoError) -> any KeyExchange {
        try makeKeyExchange(group, fixedPrivateKey: privateKey)
    }

    /// One-shot EVP_Digest; the digest objects are OpenSSL's static built-ins (nothing to free).
    public func digest(_ algorithm: HashAlgorithm, _ data: [UInt8]) -> [UInt8] {
        // libcrypto's low-level hash (as PrecomputedHMAC): EVP_Digest looks the digest up by
        // name on every call in OpenSSL 3, which showed in the handshake profile (NAT-D hashes).
        let kind = switch algorithm {
        case .sha1: IKED_SHA1
        case .sha256: IKED_SHA256
        }
        var out = [UInt8](repeating: 0, count: algorithm.digestSize)
        var ctx = iked_sha_ctx()
        let ok = data.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer { output in
                iked_sha_init(&ctx, kind) == 1 && iked_sha_update(&ctx, kind, input.baseAddress, input.count) == 1
                    && iked_sha_final(&ctx, kind, output.baseAddress) == 1
            }
        }
        // A built-in digest cannot fail.
        guard ok else { fatalError("SHA digest failed") }
        return out
    }

    private func makeKeyExchange(_ group: DHGroup, fixedPrivateKey: SecretBytes?) throws(CryptoError) -> any KeyExchange {
        switch group {
        case .modp1024, .modp2048, .modp3072, .modp4096, .modp6144, .modp8192,
             .modp1024s160, .modp2048s224, .modp2048s256:
            return try MODPKeyExchange(group, privateKey: fixedPrivateKey)
        case .ecp256, .ecp384, .ecp521:
            return try ECPKeyExchange(group, privateKey: fixedPrivateKey)
        case .curve25519:
            return try X25519KeyExchange(privateKey: fixedPrivateKey, random: random)
        }
    }
}

/// OpenSSL's CSPRNG (RAND_bytes). Invariant: fills the whole buffer or stops the process,
/// since no caller could continue safely without randomness.
public struct OpenSSLRandom: RandomSource {
    public init() {}

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var offset = 0
        while offset < buffer.count {
            let n = min(buffer.count - offset, Int(Int32.max))
            let base = buffer.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self)
            guard RAND_bytes(base, Int32(n)) == 1 else {
                fatalError("RAND_bytes failed: \(openSSLErrorString())")
            }
            offset += n
        }
    }
}

/// sodium_init runs once per process (a global's initializer is lazy and thread-safe).
let sodiumReady: Bool = sodium_init() >= 0

/// The oldest queued OpenSSL error, for diagnostics (never contains key material).
func openSSLErrorString() -> String {
    let code = ERR_get_error()
    guard code != 0 else { return "no OpenSSL error queued" }
    var buffer = [CChar](repeating: 0, count: 256)
    ERR_error_string_n(code, &buffer, buffer.count)
    ERR_clear_error()
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// A `libraryFailure` naming the function that failed and OpenSSL's reason.
func libraryFailure(_ function: String) -> CryptoError {
    CryptoError(.libraryFailure, "\(function): \(openSSLErrorString())")
}

/// A non-null pointer for `buffer`, also when it is empty (some C APIs reject NULL even with
/// length 0, and OpenSSL's EVP_MAC_init treats a NULL key as "keep the old key").
func nonNullBase(_ buffer: UnsafeRawBufferPointer) -> UnsafePointer<UInt8> {
    if let base = buffer.baseAddress { return base.assumingMemoryBound(to: UInt8.self) }
    return UnsafeRawPointer(emptyByte).assumingMemoryBound(to: UInt8.self)
}

/// One zero byte of process lifetime for `nonNullBase`.
nonisolated(unsafe) private let emptyByte: UnsafeMutableRawPointer = {
    let p = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
    p.storeBytes(of: 0, as: UInt8.self)
    return p
}()
