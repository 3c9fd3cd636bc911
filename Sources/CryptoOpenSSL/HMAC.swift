import COpenSSL
import IKECrypto

/// One OpenSSL HMAC context (EVP_MAC "HMAC") bound to a digest.
///
/// Invariant: `ctx` is valid from init to deinit and used by one thread at a time; it is freed
/// exactly once in deinit.
final class HMACContext {
    private let ctx: OpaquePointer
    let outputSize: Int

    init(_ algorithm: PRFAlgorithm) throws(CryptoError) {
        guard let ctx = iked_hmac_ctx_new(Self.digestName(algorithm)) else {
            throw libraryFailure("EVP_MAC_CTX_new(HMAC)")
        }
        self.ctx = ctx
        outputSize = algorithm.outputSize
    }

    deinit { EVP_MAC_CTX_free(ctx) }

    static func digestName(_ algorithm: PRFAlgorithm) -> String {
        switch algorithm {
        case .hmacSHA1: "SHA1"
        case .hmacSHA256: "SHA256"
        case .hmacSHA384: "SHA384"
        case .hmacSHA512: "SHA512"
        }
    }

    /// Sets a new key (which also resets the running MAC).
    func setKey(_ key: UnsafeRawBufferPointer) -> Bool {
        EVP_MAC_init(ctx, nonNullBase(key), key.count, nil) == 1
    }

    /// HMAC over `data` with the current key into `out` (`out.count == outputSize`).
    /// A NULL key to EVP_MAC_init restarts the MAC with the key already set.
    func mac(_ data: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer, rekeyed: Bool) -> Bool {
        if !rekeyed, EVP_MAC_init(ctx, nil, 0, nil) != 1 { return false }
        if data.count > 0, EVP_MAC_update(ctx, nonNullBase(data), data.count) != 1 { return false }
        var written = 0
        let base = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
        return EVP_MAC_final(ctx, base, &written, out.count) == 1 && written == outputSize
    }
}

/// HMAC-SHA1/SHA2 as an IKE PRF (RFC 2104, RFC 4868 §2.1.2), keyed per call.
/// Invariant: one context re-keyed on every `compute`; not for concurrent use.
final class OpenSSLPRF: PRF {
    let algorithm: PRFAlgorithm
    private let context: HMACContext

    init(_ algorithm: PRFAlgorithm) throws(CryptoError) {
        self.algorithm = algorithm
        context = try HMACContext(algorithm)
    }

    var outputSize: Int { algorithm.outputSize }

    func compute(key: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer,
                 into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count == outputSize, "PRF output buffer must be outputSize bytes")
        guard context.setKey(key), context.mac(data, into: output, rekeyed: true) else {
            // HMAC with a fetched digest cannot fail short of memory exhaustion.
            fatalError("HMAC failed: \(openSSLErrorString())")
        }
    }
}

/// Truncated HMAC integrity (RFC 2404 HMAC-SHA1-96, RFC 4868 HMAC-SHA-256-128/384-192/512-256).
/// Invariant: keyed once at init with exactly `keySize` bytes; each ICV is the leftmost
/// `icvSize` bytes of the HMAC; no heap allocation per call.
final class OpenSSLIntegrity: Integrity {
    let algorithm: IntegrityAlgorithm
    private let context: HMACContext

    init(_ algorithm: IntegrityAlgorithm, key: SecretBytes) throws(CryptoError) {
        // RFC 4868 §2.1.1: the key is exactly the hash output length.
        guard key.count == algorithm.keySize else {
            throw CryptoError(.invalidKeyLength, "\(algorithm.name) key is \(key.count) bytes, expected \(algorithm.keySize)")
        }
        self.algorithm = algorithm
        context = try HMACContext(algorithm.hmac)
        guard key.withUnsafeBytes({ context.setKey($0) }) else { throw libraryFailure("EVP_MAC_init") }
    }

    var keySize: Int { algorithm.keySize }
    var icvSize: Int { algorithm.icvSize }

    func compute(data: UnsafeRawBufferPointer, icv: UnsafeMutableRawBufferPointer) {
        precondition(icv.count == icvSize, "ICV buffer must be icvSize bytes")
        withUnsafeTemporaryAllocation(byteCount: context.outputSize, alignment: 16) { full in
            guard context.mac(data, into: full, rekeyed: false) else {
                fatalError("HMAC failed: \(openSSLErrorString())")
            }
            icv.copyMemory(from: UnsafeRawBufferPointer(rebasing: full[..<icvSize]))
            zeroize(full)
        }
    }
}
