import CSodium
import IKECrypto

/// X25519 (RFC 7748) as IKE group 31 (RFC 8031).
///
/// Invariants: the 32-byte private scalar lives in zeroizing storage (libsodium clamps it,
/// RFC 7748 §5); `publicValue` is the 32-byte u-coordinate; a shared secret of all zeros
/// (a low-order peer point) is rejected (RFC 8031 §2.1, RFC 7748 §6.1).
final class X25519KeyExchange: KeyExchange {
    var group: DHGroup { .curve25519 }
    let publicValue: [UInt8]
    private let privateKey: SecretBytes

    init(privateKey fixed: SecretBytes?, random: any RandomSource) throws(CryptoError) {
        if let fixed, fixed.count != 32 {
            throw CryptoError(.invalidKeyLength, "X25519 private key is \(fixed.count) bytes, expected 32")
        }
        privateKey = fixed ?? random.secretBytes(32)
        var pub = [UInt8](repeating: 0, count: 32)
        let rc = privateKey.withUnsafeBytes { k in
            pub.withUnsafeMutableBytes { crypto_scalarmult_curve25519_base(mutableBase($0), nonNullBase(k)) }
        }
        guard rc == 0 else { throw CryptoError(.libraryFailure, "crypto_scalarmult_curve25519_base") }
        publicValue = pub
    }

    func sharedSecret(peerPublicValue: [UInt8]) throws(CryptoError) -> SecretBytes {
        // RFC 8031 §2: the key exchange data is the 32-octet u-coordinate.
        guard peerPublicValue.count == 32 else {
            throw CryptoError(.invalidPublicValue, "X25519 public value is \(peerPublicValue.count) bytes, expected 32")
        }
        let secret = SecretBytes(count: 32)
        let rc = secret.withUnsafeMutableBytes { out in
            privateKey.withUnsafeBytes { k in
                peerPublicValue.withUnsafeBytes { crypto_scalarmult_curve25519(mutableBase(out), nonNullBase(k), nonNullBase($0)) }
            }
        }
        // libsodium returns -1 for an all-zero output; check the bytes too (RFC 7748 §6.1).
        let allZero = secret.withUnsafeBytes { s in s.reduce(0 as UInt8) { $0 | $1 } == 0 }
        guard rc == 0, !allZero else {
            throw CryptoError(.invalidPublicValue, "X25519 shared secret is all zeros: low-order peer point (RFC 8031 §2.1)")
        }
        return secret
    }
}
