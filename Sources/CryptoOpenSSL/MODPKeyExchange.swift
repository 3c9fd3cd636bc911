import COpenSSL
import IKECrypto

/// Finite-field Diffie-Hellman over a MODP group (RFC 2409, RFC 3526, RFC 5114).
///
/// Invariants: the private exponent is set at init and kept in a constant-time-flagged BIGNUM
/// that is cleared on release; `publicValue` is g^x mod p padded to the prime length; every
/// peer value passes the RFC 6989 checks before it is used.
final class MODPKeyExchange: KeyExchange {
    let group: DHGroup
    let publicValue: [UInt8]
    private let params: MODPParameters
    private let exponent: BigNum

    init(_ group: DHGroup, privateKey: SecretBytes?) throws(CryptoError) {
        self.group = group
        params = try MODPParameters(group)
        exponent = try Self.makeExponent(params, privateKey)
        BN_set_flags(exponent.raw, BN_FLG_CONSTTIME)
        let y = try BigNum()
        let ctx = try BigNumContext()
        guard BN_mod_exp(y.raw, params.g, exponent.raw, params.p, ctx.raw) == 1 else {
            throw libraryFailure("BN_mod_exp")
        }
        publicValue = try y.bytes(paddedTo: params.primeLength)
    }

    /// A given exponent (test vectors), or a random one: in [2, q−1] for the RFC 5114 groups,
    /// else `exponentBits` random bits.
    private static func makeExponent(_ params: MODPParameters, _ fixed: SecretBytes?) throws(CryptoError) -> BigNum {
        let x = try BigNum()
        if let fixed {
            let ok = fixed.withUnsafeBytes { BN_bin2bn(nonNullBase($0), Int32($0.count), x.raw) != nil }
            guard ok, BN_is_zero(x.raw) == 0 else { throw CryptoError(.invalidKeyLength, "MODP private exponent is zero") }
            return x
        }
        repeat {
            let ok = if let q = params.q { BN_priv_rand_range(x.raw, q) == 1 }
                     else { BN_priv_rand(x.raw, params.exponentBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 }
            guard ok else { throw libraryFailure("BN_priv_rand") }
        } while BN_is_zero(x.raw) == 1 || BN_is_one(x.raw) == 1
        return x
    }

    func sharedSecret(peerPublicValue: [UInt8]) throws(CryptoError) -> SecretBytes {
        // RFC 7296 §3.4: the KE data is exactly the prime length, zero-padded on the left.
        guard peerPublicValue.count == params.primeLength else {
            throw CryptoError(.invalidPublicValue, "\(group.name) public value is \(peerPublicValue.count) bytes, expected \(params.primeLength)")
        }
        let y = try BigNum(bytes: peerPublicValue)
        let ctx = try BigNumContext()
        try validate(y, ctx)
        let z = try BigNum()
        guard BN_mod_exp(z.raw, y.raw, exponent.raw, params.p, ctx.raw) == 1 else {
            throw libraryFailure("BN_mod_exp")
        }
        return try z.secretBytes(paddedTo: params.primeLength)
    }

    /// RFC 6989 §2.1: 1 < y < p−1; §2.2: for a group with a small subgroup also y^q = 1 mod p.
    private func validate(_ y: BigNum, _ ctx: BigNumContext) throws(CryptoError) {
        guard BN_is_zero(y.raw) == 0, BN_is_one(y.raw) == 0, BN_cmp(y.raw, params.pMinusOne) < 0 else {
            throw CryptoError(.invalidPublicValue, "\(group.name) public value outside 1 < y < p-1 (RFC 6989 §2.1)")
        }
        guard let q = params.q else { return }
        let check = try BigNum()
        guard BN_mod_exp(check.raw, y.raw, q, params.p, ctx.raw) == 1 else { throw libraryFailure("BN_mod_exp") }
        guard BN_is_one(check.raw) == 1 else {
            throw CryptoError(.invalidPublicValue, "\(group.name) public value not in the order-q subgroup (RFC 6989 §2.2)")
        }
    }
}
