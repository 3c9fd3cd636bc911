import COpenSSL
import IKECrypto

/// AES-GCM with an 8-, 12- or 16-byte ICV (RFC 4106, RFC 5282), keyed once at init.
///
/// Invariants: one EVP_CIPHER_CTX, created and keyed at init, freed in deinit; each call only
/// sets the 12-byte nonce salt ‖ iv (RFC 4106 §4) and the direction; GCM uses the forward key
/// schedule both ways, so one context serves seal and open. No heap allocation per call.
final class OpenSSLAESGCM: AEAD {
    let algorithm: EncryptionAlgorithm
    let keySize: Int
    let tagSize: Int
    var saltSize: Int { 4 }
    var ivSize: Int { 8 }
    private let ctx: OpaquePointer
    private let salt: (UInt8, UInt8, UInt8, UInt8)

    init(_ algorithm: EncryptionAlgorithm, keyMaterial: SecretBytes) throws(CryptoError) {
        // RFC 4106 §8.1 / RFC 5282 §7.1: keying material = key ‖ 4-byte salt.
        let keySize = keyMaterial.count - 4
        guard let cipher = Self.cipher(keySize: keySize) else {
            throw CryptoError(.invalidKeyLength, "AES-GCM keying material is \(keyMaterial.count) bytes, expected 20, 28 or 36")
        }
        guard let ctx = EVP_CIPHER_CTX_new() else { throw libraryFailure("EVP_CIPHER_CTX_new") }
        self.ctx = ctx
        self.algorithm = algorithm
        self.keySize = keySize
        tagSize = algorithm.icvSize
        salt = keyMaterial.withUnsafeBytes { ($0[keySize], $0[keySize + 1], $0[keySize + 2], $0[keySize + 3]) }
        let keyed = keyMaterial.withUnsafeBytes { km in
            EVP_CipherInit_ex(ctx, cipher, nil, km.baseAddress!.assumingMemoryBound(to: UInt8.self), nil, 1) == 1
        }
        guard keyed else { throw libraryFailure("EVP_CipherInit_ex(aes-gcm)") }
    }

    deinit { EVP_CIPHER_CTX_free(ctx) }

    private static func cipher(keySize: Int) -> OpaquePointer? {
        switch keySize {
        case 16: FetchedCiphers.aes128GCM
        case 24: FetchedCiphers.aes192GCM
        case 32: FetchedCiphers.aes256GCM
        default: nil
        }
    }

    func seal(iv: UInt64, aad: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer,
              tag: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        guard tag.count == tagSize else { throw CryptoError(.invalidLength, "tag buffer must be \(tagSize) bytes") }
        guard aad.count <= Int32.max, buffer.count <= Int32.max else {
            throw CryptoError(.invalidLength, "AES-GCM input too long")
        }
        let ok = withNonce(iv) { nonce in
            start(nonce, encrypt: true) && update(aad, buffer) && finish()
                && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, Int32(tagSize), tag.baseAddress) == 1
        }
        guard ok else { throw libraryFailure("AES-GCM seal") }
    }

    func open(iv: UInt64, aad: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer,
              tag: UnsafeRawBufferPointer) -> Bool {
        guard tag.count == tagSize, aad.count <= Int32.max, buffer.count <= Int32.max else { return false }
        let ok = withNonce(iv) { nonce in
            start(nonce, encrypt: false) && update(aad, buffer)
                && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, Int32(tagSize),
                                       UnsafeMutableRawPointer(mutating: tag.baseAddress)) == 1
                && finish()
        }
        // GCM decrypts before the tag is checked: never leave unauthenticated plaintext.
        if !ok {
            zeroize(buffer)
            ERR_clear_error()
        }
        return ok
    }

    /// The 12-byte nonce salt ‖ iv (big-endian) on the stack.
    private func withNonce(_ iv: UInt64, _ body: (UnsafePointer<UInt8>) -> Bool) -> Bool {
        withUnsafeTemporaryAllocation(byteCount: 12, alignment: 8) { nonce in
            nonce[0] = salt.0; nonce[1] = salt.1; nonce[2] = salt.2; nonce[3] = salt.3
            storeBigEndianUInt64(iv, into: UnsafeMutableRawBufferPointer(rebasing: nonce[4...]))
            return body(UnsafeRawPointer(nonce.baseAddress!).assumingMemoryBound(to: UInt8.self))
        }
    }

    private func start(_ nonce: UnsafePointer<UInt8>, encrypt: Bool) -> Bool {
        EVP_CipherInit_ex(ctx, nil, nil, nil, nonce, encrypt ? 1 : 0) == 1
    }

    /// AAD first (output pointer NULL), then the data in place.
    private func update(_ aad: UnsafeRawBufferPointer, _ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        var written: Int32 = 0
        if aad.count > 0,
           EVP_CipherUpdate(ctx, nil, &written, nonNullBase(aad), Int32(aad.count)) != 1 { return false }
        guard buffer.count > 0 else { return true }
        let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        return EVP_CipherUpdate(ctx, base, &written, base, Int32(buffer.count)) == 1
            && Int(written) == buffer.count
    }

    /// GCM's final step writes no data; on decrypt it is where the tag is checked.
    private func finish() -> Bool {
        withUnsafeTemporaryAllocation(byteCount: 16, alignment: 16) { scratch in
            var written: Int32 = 0
            return EVP_CipherFinal_ex(ctx, scratch.baseAddress!.assumingMemoryBound(to: UInt8.self), &written) == 1
        }
    }
}
