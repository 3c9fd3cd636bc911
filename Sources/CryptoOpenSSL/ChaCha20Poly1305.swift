import CSodium
import IKECrypto

/// ChaCha20-Poly1305 (RFC 8439) as used by IKEv2 and ESP (RFC 7634): 32-byte key ‖ 4-byte salt,
/// nonce = salt ‖ 8-byte IV, 16-byte tag. libsodium's IETF variant, detached, in place.
///
/// Invariants: the key lives in zeroizing storage owned by this object; libsodium verifies
/// the tag before it decrypts, so a failed `open` leaves the ciphertext untouched.
final class SodiumChaCha20Poly1305: AEAD {
    var algorithm: EncryptionAlgorithm { .chacha20Poly1305 }
    var keySize: Int { 32 }
    var saltSize: Int { 4 }
    var ivSize: Int { 8 }
    var tagSize: Int { 16 }
    private let key: SecretBytes
    private let salt: (UInt8, UInt8, UInt8, UInt8)

    init(keyMaterial: SecretBytes) throws(CryptoError) {
        // RFC 7634 §2: 36 octets of keying material, the last 4 being the salt.
        guard keyMaterial.count == 36 else {
            throw CryptoError(.invalidKeyLength, "ChaCha20-Poly1305 keying material is \(keyMaterial.count) bytes, expected 36")
        }
        key = keyMaterial.prefix(32)
        salt = keyMaterial.withUnsafeBytes { ($0[32], $0[33], $0[34], $0[35]) }
    }

    func seal(iv: UInt64, aad: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer,
              tag: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        guard tag.count == tagSize else { throw CryptoError(.invalidLength, "tag buffer must be 16 bytes") }
        let rc = withNonce(iv) { nonce in
            key.withUnsafeBytes { k in
                crypto_aead_chacha20poly1305_ietf_encrypt_detached(
                    mutableBase(buffer), tag.baseAddress!.assumingMemoryBound(to: UInt8.self), nil,
                    mutableBase(buffer), UInt64(buffer.count), aad.isEmpty ? nil : nonNullBase(aad),
                    UInt64(aad.count), nil, nonce, nonNullBase(k))
            }
        }
        guard rc == 0 else { throw CryptoError(.libraryFailure, "crypto_aead_chacha20poly1305_ietf_encrypt_detached") }
    }

    func open(iv: UInt64, aad: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer,
              tag: UnsafeRawBufferPointer) -> Bool {
        guard tag.count == tagSize else { return false }
        let rc = withNonce(iv) { nonce in
            key.withUnsafeBytes { k in
                crypto_aead_chacha20poly1305_ietf_decrypt_detached(
                    mutableBase(buffer), nil, mutableBase(buffer), UInt64(buffer.count),
                    nonNullBase(tag), aad.isEmpty ? nil : nonNullBase(aad), UInt64(aad.count),
                    nonce, nonNullBase(k))
            }
        }
        return rc == 0
    }

    /// The 12-byte nonce salt ‖ iv (big-endian) on the stack (RFC 7634 §2).
    private func withNonce(_ iv: UInt64, _ body: (UnsafePointer<UInt8>) -> Int32) -> Int32 {
        withUnsafeTemporaryAllocation(byteCount: 12, alignment: 8) { nonce in
            nonce[0] = salt.0; nonce[1] = salt.1; nonce[2] = salt.2; nonce[3] = salt.3
            storeBigEndianUInt64(iv, into: UnsafeMutableRawBufferPointer(rebasing: nonce[4...]))
            return body(UnsafeRawPointer(nonce.baseAddress!).assumingMemoryBound(to: UInt8.self))
        }
    }
}

/// A non-null mutable pointer for `buffer`, also when it is empty.
func mutableBase(_ buffer: UnsafeMutableRawBufferPointer) -> UnsafeMutablePointer<UInt8> {
    UnsafeMutablePointer(mutating: nonNullBase(UnsafeRawBufferPointer(buffer)))
}
