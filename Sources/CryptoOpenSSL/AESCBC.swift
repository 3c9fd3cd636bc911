import COpenSSL
import IKECrypto

/// AES-CBC without padding (RFC 3602), keyed once at init.
///
/// Invariants: AES decrypts with a different key schedule than it encrypts, so this object
/// keeps two EVP_CIPHER_CTXs (one per direction), both keyed at init with padding off and
/// freed in deinit; each call only sets the IV. Inputs that are not whole blocks are rejected
/// before OpenSSL sees them.
final class OpenSSLAESCBC: BlockCipher {
    let keySize: Int
    var blockSize: Int { 16 }
    var ivSize: Int { 16 }
    private let encryptCtx: OpaquePointer
    private let decryptCtx: OpaquePointer

    init(key: SecretBytes) throws(CryptoError) {
        let cipher: OpaquePointer?
        switch key.count {
        case 16: cipher = FetchedCiphers.aes128CBC
        case 24: cipher = FetchedCiphers.aes192CBC
        case 32: cipher = FetchedCiphers.aes256CBC
        default: throw CryptoError(.invalidKeyLength, "AES-CBC key is \(key.count) bytes, expected 16, 24 or 32")
        }
        guard let enc = EVP_CIPHER_CTX_new() else { throw libraryFailure("EVP_CIPHER_CTX_new") }
        guard let dec = EVP_CIPHER_CTX_new() else {
            EVP_CIPHER_CTX_free(enc)
            throw libraryFailure("EVP_CIPHER_CTX_new")
        }
        encryptCtx = enc
        decryptCtx = dec
        keySize = key.count
        let ok = key.withUnsafeBytes { k in
            Self.initialise(enc, cipher, k, encrypt: true) && Self.initialise(dec, cipher, k, encrypt: false)
        }
        guard ok else { throw libraryFailure("EVP_CipherInit_ex(aes-cbc)") }
    }

    deinit {
        EVP_CIPHER_CTX_free(encryptCtx)
        EVP_CIPHER_CTX_free(decryptCtx)
    }

    private static func initialise(_ ctx: OpaquePointer, _ cipher: OpaquePointer?,
                                   _ key: UnsafeRawBufferPointer, encrypt: Bool) -> Bool {
        EVP_CipherInit_ex(ctx, cipher, nil, nonNullBase(key), nil, encrypt ? 1 : 0) == 1
            && EVP_CIPHER_CTX_set_padding(ctx, 0) == 1
    }

    func encrypt(iv: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        try run(encryptCtx, encrypt: true, iv: iv, buffer: buffer)
    }

    func decrypt(iv: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        try run(decryptCtx, encrypt: false, iv: iv, buffer: buffer)
    }

    private func run(_ ctx: OpaquePointer, encrypt: Bool, iv: UnsafeRawBufferPointer,
                     buffer: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        guard iv.count == ivSize else { throw CryptoError(.invalidLength, "AES-CBC IV must be 16 bytes") }
        // RFC 3602 §2.4: no padding is added here; the caller pads to whole blocks.
        guard buffer.count % blockSize == 0, buffer.count <= Int32.max else {
            throw CryptoError(.invalidLength, "AES-CBC input of \(buffer.count) bytes is not whole blocks")
        }
        guard buffer.count > 0 else { return }
        var written: Int32 = 0
        let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        // Re-initialising resets the padding flag on some OpenSSL versions; set it each time.
        let ok = EVP_CipherInit_ex(ctx, nil, nil, nil, nonNullBase(iv), encrypt ? 1 : 0) == 1
            && EVP_CIPHER_CTX_set_padding(ctx, 0) == 1
            && EVP_CipherUpdate(ctx, base, &written, base, Int32(buffer.count)) == 1
            && Int(written) == buffer.count
            && finish(ctx)
        guard ok else { throw libraryFailure(encrypt ? "AES-CBC encrypt" : "AES-CBC decrypt") }
    }

    /// With padding off, the final step has nothing left to write; a scratch block keeps any
    /// surprise output away from the caller's buffer.
    private func finish(_ ctx: OpaquePointer) -> Bool {
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 16) { scratch in
            var written: Int32 = 0
            let ok = EVP_CipherFinal_ex(ctx, scratch.baseAddress!.assumingMemoryBound(to: UInt8.self), &written) == 1
            return ok && written == 0
        }
    }
}
