import COpenSSL
import IKECrypto

/// ECDH over the NIST prime curves P-256, P-384, P-521 (RFC 5903, IKE groups 19, 20, 21).
///
/// Invariants: the scalar d is in [1, n−1] and kept in a BIGNUM cleared on release; the curve
/// (EC_GROUP) is owned and freed in deinit; `publicValue` is x ‖ y of dG, each coordinate
/// padded to the field size (RFC 5903 §7); a peer value is used only after it has the exact
/// length, coordinates below p, lies on the curve and is not the point at infinity.
final class ECPKeyExchange: KeyExchange {
    let group: DHGroup
    let publicValue: [UInt8]
    private let curve: OpaquePointer
    private let scalar: BigNum
    /// Field element length in bytes (32, 48, 66).
    private let fieldSize: Int

    init(_ group: DHGroup, privateKey: SecretBytes?) throws(CryptoError) {
        let nid: Int32
        switch group {
        case .ecp256: nid = NID_X9_62_prime256v1
        case .ecp384: nid = NID_secp384r1
        case .ecp521: nid = NID_secp521r1
        default: throw CryptoError(.unsupported, "\(group.name) is not an ECP group")
        }
        guard let curve = EC_GROUP_new_by_curve_name(nid) else { throw libraryFailure("EC_GROUP_new_by_curve_name") }
        // Until every stored property is set, a throw skips deinit: the group is freed here then
        // (LeakSanitizer found it leaking for a private key out of range).
        var handedOver = false
        defer { if !handedOver { EC_GROUP_free(curve) } }
        let fieldSize = Int((EC_GROUP_get_degree(curve) + 7) / 8)
        let scalar = try Self.makeScalar(curve, privateKey)
        let ctx = try BigNumContext()
        let point = try ECPoint(curve)
        guard EC_POINT_mul(curve, point.raw, scalar.raw, nil, nil, ctx.raw) == 1 else {
            throw libraryFailure("EC_POINT_mul")
        }
        publicValue = try Self.coordinates(curve, point, fieldSize, ctx, both: true)
        self.curve = curve
        self.group = group
        self.fieldSize = fieldSize
        self.scalar = scalar
        handedOver = true
    }

    deinit { EC_GROUP_free(curve) }

    /// A given scalar (test vectors) that must lie in [1, n−1], or a random one.
    private static func makeScalar(_ curve: OpaquePointer, _ fixed: SecretBytes?) throws(CryptoError) -> BigNum {
        let order = EC_GROUP_get0_order(curve)
        let d = try BigNum()
        if let fixed {
            let ok = fixed.withUnsafeBytes { BN_bin2bn(nonNullBase($0), Int32($0.count), d.raw) != nil }
            guard ok, BN_is_zero(d.raw) == 0, BN_cmp(d.raw, order) < 0 else {
                throw CryptoError(.invalidKeyLength, "ECP private scalar outside [1, n-1]")
            }
            return d
        }
        repeat {
            guard BN_priv_rand_range(d.raw, order) == 1 else { throw libraryFailure("BN_priv_rand_range") }
        } while BN_is_zero(d.raw) == 1
        return d
    }

    /// x ‖ y (or x alone) of an affine point, each padded to the field size (RFC 5903 §7).
    private static func coordinates(_ curve: OpaquePointer, _ point: ECPoint, _ fieldSize: Int,
                                    _ ctx: BigNumContext, both: Bool) throws(CryptoError) -> [UInt8] {
        let x = try BigNum(), y = try BigNum()
        guard EC_POINT_get_affine_coordinates(curve, point.raw, x.raw, y.raw, ctx.raw) == 1 else {
            throw libraryFailure("EC_POINT_get_affine_coordinates")
        }
        let xBytes = try x.bytes(paddedTo: fieldSize)
        return both ? xBytes + (try y.bytes(paddedTo: fieldSize)) : xBytes
    }

    func sharedSecret(peerPublicValue: [UInt8]) throws(CryptoError) -> SecretBytes {
        let ctx = try BigNumContext()
        let peer = try peerPoint(peerPublicValue, ctx)
        let product = try ECPoint(curve)
        guard EC_POINT_mul(curve, product.raw, nil, peer.raw, scalar.raw, ctx.raw) == 1 else {
            throw libraryFailure("EC_POINT_mul")
        }
        guard EC_POINT_is_at_infinity(curve, product.raw) == 0 else {
            throw CryptoError(.invalidPublicValue, "\(group.name) shared point is at infinity")
        }
        let x = try BigNum()
        guard EC_POINT_get_affine_coordinates(curve, product.raw, x.raw, nil, ctx.raw) == 1 else {
            throw libraryFailure("EC_POINT_get_affine_coordinates")
        }
        // RFC 5903 §7: the shared secret is the x coordinate only, padded to the field size.
        return try x.secretBytes(paddedTo: fieldSize)
    }

    /// Decodes and validates x ‖ y (RFC 5903 §7; SP 800-56A §5.6.2.3 full public key check,
    /// which for these prime-order curves needs no order test).
    private func peerPoint(_ value: [UInt8], _ ctx: BigNumContext) throws(CryptoError) -> ECPoint {
        guard value.count == 2 * fieldSize else {
            throw CryptoError(.invalidPublicValue, "\(group.name) public value is \(value.count) bytes, expected \(2 * fieldSize)")
        }
        let p = try BigNum()
        let x = try BigNum(bytes: Array(value[..<fieldSize]))
        let y = try BigNum(bytes: Array(value[fieldSize...]))
        guard EC_GROUP_get_curve(curve, p.raw, nil, nil, ctx.raw) == 1 else { throw libraryFailure("EC_GROUP_get_curve") }
        guard BN_cmp(x.raw, p.raw) < 0, BN_cmp(y.raw, p.raw) < 0 else {
            throw CryptoError(.invalidPublicValue, "\(group.name) coordinate not below the field prime")
        }
        let point = try ECPoint(curve)
        // Setting affine coordinates checks the curve equation; check again explicitly.
        guard EC_POINT_set_affine_coordinates(curve, point.raw, x.raw, y.raw, ctx.raw) == 1,
              EC_POINT_is_on_curve(curve, point.raw, ctx.raw) == 1 else {
            ERR_clear_error()
            throw CryptoError(.invalidPublicValue, "\(group.name) public value is not on the curve")
        }
        guard EC_POINT_is_at_infinity(curve, point.raw) == 0 else {
            throw CryptoError(.invalidPublicValue, "\(group.name) public value is the point at infinity")
        }
        return point
    }
}

/// An owned EC_POINT on a given curve, cleared when released.
final class ECPoint {
    let raw: OpaquePointer

    init(_ curve: OpaquePointer) throws(CryptoError) {
        guard let raw = EC_POINT_new(curve) else { throw libraryFailure("EC_POINT_new") }
        self.raw = raw
    }

    deinit { EC_POINT_clear_free(raw) }
}
