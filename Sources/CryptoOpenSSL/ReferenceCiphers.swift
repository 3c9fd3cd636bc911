import COpenSSL
import CSodium

/// Reference ESP ciphers for the datapath benchmark (issue 6): the same cipher through the
/// library's own calls, written as a C datapath would, on the same bytes at the same addresses as
/// iked's. They live here because this is the only module that may touch libcrypto and libsodium
/// (DESIGN §1); iked itself never uses them.
///
/// `esp` points at the ESP header (SPI ‖ sequence, 8 bytes), then the IV (`ivSize`), then the
/// `bodyLength` bytes that are encrypted in place (inner packet, padding, trailer), then the ICV.
/// A raw seal sets the nonce or IV, authenticates the 8-byte header, encrypts the body and writes
/// the ICV; it does none of ESP's framing. Every context is made once in `init`; nothing per
/// packet allocates on the Swift side.
public protocol ReferenceESPCipher: AnyObject {
    var name: String { get }
    var ivSize: Int { get }
    var icvSize: Int { get }
    func seal(esp: UnsafeMutableRawPointer, bodyLength: Int, sequence: UInt64) -> Bool
    func open(esp: UnsafeMutableRawPointer, bodyLength: Int) -> Bool
}

@inline(__always)
private func bytes(_ p: UnsafeMutableRawPointer) -> UnsafeMutablePointer<UInt8> { p.assumingMemoryBound(to: UInt8.self) }

/// AES-GCM through one EVP_CIPHER_CTX keyed once (EVP_CipherInit_ex with the cipher and key),
/// then per packet: EVP_CipherInit_ex with only the 12-byte nonce salt ‖ IV (RFC 4106), the AAD,
/// the body in place, EVP_CipherFinal_ex and the tag control.
public final class RawEVPAEAD: ReferenceESPCipher {
    public let name: String
    public let ivSize = 8
    public let icvSize = 16
    private let ctx: OpaquePointer
    private let nonce: UnsafeMutableRawPointer
    private let scratch: UnsafeMutableRawPointer

    /// The AEADs OpenSSL's EVP offers for ESP.
    public enum Cipher: Sendable {
        case aes128GCM, aes256GCM, chacha20Poly1305
        var evp: OpaquePointer {
            switch self {
            case .aes128GCM: EVP_aes_128_gcm()
            case .aes256GCM: EVP_aes_256_gcm()
            case .chacha20Poly1305: EVP_chacha20_poly1305()
            }
        }
    }

    /// `keyMaterial` is key ‖ 4-byte salt, as ESP's KEYMAT hands it over.
    public init(name: String = "OpenSSL", cipher suite: Cipher, keyMaterial: [UInt8]) {
        self.name = name
        let cipher = suite.evp
        ctx = EVP_CIPHER_CTX_new()!
        nonce = .allocate(byteCount: 12, alignment: 16)
        scratch = .allocate(byteCount: 64, alignment: 16)
        let keyLength = keyMaterial.count - 4
        keyMaterial.withUnsafeBytes { k in
            nonce.copyMemory(from: k.baseAddress! + keyLength, byteCount: 4)
            precondition(EVP_CipherInit_ex(ctx, cipher, nil, k.baseAddress!.assumingMemoryBound(to: UInt8.self), nil, 1) == 1)
        }
    }

    deinit {
        EVP_CIPHER_CTX_free(ctx)
        nonce.deallocate()
        scratch.deallocate()
    }

    public func seal(esp: UnsafeMutableRawPointer, bodyLength: Int, sequence: UInt64) -> Bool {
        nonce.storeBytes(of: sequence.bigEndian, toByteOffset: 4, as: UInt64.self)
        esp.storeBytes(of: sequence.bigEndian, toByteOffset: 8, as: UInt64.self)   // the IV on the wire
        let body = bytes(esp + 16)
        var n: Int32 = 0
        return EVP_CipherInit_ex(ctx, nil, nil, nil, bytes(nonce), 1) == 1
            && EVP_CipherUpdate(ctx, nil, &n, bytes(esp), 8) == 1
            && EVP_CipherUpdate(ctx, body, &n, body, Int32(bodyLength)) == 1
            && EVP_CipherFinal_ex(ctx, bytes(scratch), &n) == 1
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, body + bodyLength) == 1
    }

    public func open(esp: UnsafeMutableRawPointer, bodyLength: Int) -> Bool {
        (nonce + 4).copyMemory(from: esp + 8, byteCount: 8)
        let body = bytes(esp + 16)
        var n: Int32 = 0
        return EVP_CipherInit_ex(ctx, nil, nil, nil, bytes(nonce), 0) == 1
            && EVP_CipherUpdate(ctx, nil, &n, bytes(esp), 8) == 1
            && EVP_CipherUpdate(ctx, body, &n, body, Int32(bodyLength)) == 1
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, body + bodyLength) == 1
            && EVP_CipherFinal_ex(ctx, bytes(scratch), &n) == 1
    }
}

/// ChaCha20-Poly1305 through libsodium's detached IETF calls, the library iked uses for it.
public final class RawSodiumChaCha: ReferenceESPCipher {
    public let name = "libsodium"
    public let ivSize = 8
    public let icvSize = 16
    private let key: UnsafeMutableRawPointer
    private let nonce: UnsafeMutableRawPointer

    public init(keyMaterial: [UInt8]) {
        precondition(sodium_init() >= 0)
        key = .allocate(byteCount: 32, alignment: 16)
        nonce = .allocate(byteCount: 12, alignment: 16)
        keyMaterial.withUnsafeBytes { k in
            key.copyMemory(from: k.baseAddress!, byteCount: 32)
            nonce.copyMemory(from: k.baseAddress! + 32, byteCount: 4)
        }
    }

    deinit {
        key.deallocate()
        nonce.deallocate()
    }

    public func seal(esp: UnsafeMutableRawPointer, bodyLength: Int, sequence: UInt64) -> Bool {
        nonce.storeBytes(of: sequence.bigEndian, toByteOffset: 4, as: UInt64.self)
        esp.storeBytes(of: sequence.bigEndian, toByteOffset: 8, as: UInt64.self)
        let body = bytes(esp + 16)
        return crypto_aead_chacha20poly1305_ietf_encrypt_detached(
            body, body + bodyLength, nil, body, UInt64(bodyLength), bytes(esp), 8, nil, bytes(nonce), bytes(key)) == 0
    }

    public func open(esp: UnsafeMutableRawPointer, bodyLength: Int) -> Bool {
        (nonce + 4).copyMemory(from: esp + 8, byteCount: 8)
        let body = bytes(esp + 16)
        return crypto_aead_chacha20poly1305_ietf_decrypt_detached(
            body, nil, body, UInt64(bodyLength), body + bodyLength, bytes(esp), 8, bytes(nonce), bytes(key)) == 0
    }
}

/// AES-256-GCM through libsodium's precomputed-key API (crypto_aead_aes256gcm_beforenm once,
/// then the detached *_afternm calls): a reference for what OpenSSL 3's per-call EVP cost is,
/// not a path iked uses. Needs AES-NI and PCLMUL (`isAvailable`).
public final class RawSodiumAES256GCM: ReferenceESPCipher {
    public let name = "libsodium"
    public let ivSize = 8
    public let icvSize = 16
    public static var isAvailable: Bool { sodium_init() >= 0 && crypto_aead_aes256gcm_is_available() == 1 }
    private let state: UnsafeMutableRawPointer
    private let nonce: UnsafeMutableRawPointer

    public init(keyMaterial: [UInt8]) {
        precondition(Self.isAvailable)
        state = .allocate(byteCount: crypto_aead_aes256gcm_statebytes(), alignment: 64)
        nonce = .allocate(byteCount: 12, alignment: 16)
        keyMaterial.withUnsafeBytes { k in
            nonce.copyMemory(from: k.baseAddress! + 32, byteCount: 4)
            precondition(crypto_aead_aes256gcm_beforenm(
                state.assumingMemoryBound(to: crypto_aead_aes256gcm_state.self), k.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 0)
        }
    }

    deinit {
        state.deallocate()
        nonce.deallocate()
    }

    private var ctx: UnsafePointer<crypto_aead_aes256gcm_state> { UnsafePointer(state.assumingMemoryBound(to: crypto_aead_aes256gcm_state.self)) }

    public func seal(esp: UnsafeMutableRawPointer, bodyLength: Int, sequence: UInt64) -> Bool {
        nonce.storeBytes(of: sequence.bigEndian, toByteOffset: 4, as: UInt64.self)
        esp.storeBytes(of: sequence.bigEndian, toByteOffset: 8, as: UInt64.self)
        let body = bytes(esp + 16)
        return crypto_aead_aes256gcm_encrypt_detached_afternm(
            body, body + bodyLength, nil, body, UInt64(bodyLength), bytes(esp), 8, nil, bytes(nonce), ctx) == 0
    }

    public func open(esp: UnsafeMutableRawPointer, bodyLength: Int) -> Bool {
        (nonce + 4).copyMemory(from: esp + 8, byteCount: 8)
        let body = bytes(esp + 16)
        return crypto_aead_aes256gcm_decrypt_detached_afternm(
            body, nil, body, UInt64(bodyLength), body + bodyLength, bytes(esp), 8, bytes(nonce), ctx) == 0
    }
}

/// AES-CBC (two EVP_CIPHER_CTXs, padding off, keyed once) with HMAC (one EVP_MAC_CTX keyed
/// once, restarted per packet with a NULL key), the IV from RAND_bytes (RFC 3602 §2.3 wants it
/// unpredictable), encrypt-then-MAC over header ‖ IV ‖ ciphertext (RFC 4303 §3.3.2).
public final class RawEVPCBCHMAC: ReferenceESPCipher {
    public let name = "OpenSSL"
    public let ivSize = 16
    public let icvSize: Int
    private let encryptCtx: OpaquePointer
    private let decryptCtx: OpaquePointer
    private let mac: OpaquePointer
    private let scratch: UnsafeMutableRawPointer

    public init(key: [UInt8], integrityKey: [UInt8], digest: String, icvSize: Int) {
        self.icvSize = icvSize
        let cipher = key.count == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc()
        encryptCtx = EVP_CIPHER_CTX_new()!
        decryptCtx = EVP_CIPHER_CTX_new()!
        mac = iked_hmac_ctx_new(digest)!
        scratch = .allocate(byteCount: 128, alignment: 16)
        key.withUnsafeBytes { k in
            let kp = k.baseAddress!.assumingMemoryBound(to: UInt8.self)
            precondition(EVP_CipherInit_ex(encryptCtx, cipher, nil, kp, nil, 1) == 1 && EVP_CIPHER_CTX_set_padding(encryptCtx, 0) == 1)
            precondition(EVP_CipherInit_ex(decryptCtx, cipher, nil, kp, nil, 0) == 1 && EVP_CIPHER_CTX_set_padding(decryptCtx, 0) == 1)
        }
        integrityKey.withUnsafeBytes { k in
            precondition(EVP_MAC_init(mac, k.baseAddress!.assumingMemoryBound(to: UInt8.self), k.count, nil) == 1)
        }
    }

    deinit {
        EVP_CIPHER_CTX_free(encryptCtx)
        EVP_CIPHER_CTX_free(decryptCtx)
        EVP_MAC_CTX_free(mac)
        scratch.deallocate()
    }

    /// HMAC over `length` bytes at `data` into `scratch` (the full digest).
    @inline(__always)
    private func hmac(_ data: UnsafeMutableRawPointer, _ length: Int) -> Bool {
        var written = 0
        return EVP_MAC_init(mac, nil, 0, nil) == 1
            && EVP_MAC_update(mac, bytes(data), length) == 1
            && EVP_MAC_final(mac, bytes(scratch), &written, 64) == 1
    }

    public func seal(esp: UnsafeMutableRawPointer, bodyLength: Int, sequence: UInt64) -> Bool {
        let iv = bytes(esp + 8), body = bytes(esp + 24)
        var n: Int32 = 0, last: Int32 = 0
        guard RAND_bytes(iv, 16) == 1,
              EVP_CipherInit_ex(encryptCtx, nil, nil, nil, iv, 1) == 1,
              EVP_CipherUpdate(encryptCtx, body, &n, body, Int32(bodyLength)) == 1,
              EVP_CipherFinal_ex(encryptCtx, bytes(scratch + 64), &last) == 1, last == 0,
              hmac(esp, 24 + bodyLength) else { return false }
        (esp + 24 + bodyLength).copyMemory(from: scratch, byteCount: icvSize)
        return true
    }

    public func open(esp: UnsafeMutableRawPointer, bodyLength: Int) -> Bool {
        let iv = bytes(esp + 8), body = bytes(esp + 24)
        var n: Int32 = 0, last: Int32 = 0
        return hmac(esp, 24 + bodyLength)
            && CRYPTO_memcmp(scratch, esp + 24 + bodyLength, icvSize) == 0
            && EVP_CipherInit_ex(decryptCtx, nil, nil, nil, iv, 0) == 1
            && EVP_CipherUpdate(decryptCtx, body, &n, body, Int32(bodyLength)) == 1
            && EVP_CipherFinal_ex(decryptCtx, bytes(scratch + 64), &last) == 1 && last == 0
    }
}

/// The OpenSSL and libsodium versions, for benchmark reports.
public func referenceLibraryVersions() -> String {
    let openssl = String(cString: OpenSSL_version(OPENSSL_VERSION))
    let sodium = String(cString: sodium_version_string())
    return "\(openssl), libsodium \(sodium)"
}
