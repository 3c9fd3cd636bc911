import COpenSSL

/// A finite-field group's p, q and g as OpenSSL itself knows the group by name, read through
/// the EVP interface: an independent source for checking the constants iked transcribed.
/// OpenSSL's names for RFC 5114 §2.1–§2.3 are "dh_1024_160", "dh_2048_224" and "dh_2048_256".
struct OpenSSLNamedGroup {
    let p: [UInt8]
    let q: [UInt8]
    let g: [UInt8]

    init?(_ name: String) {
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "DHX", nil) else { return nil }
        defer { EVP_PKEY_CTX_free(ctx) }
        // For a named group, "parameter generation" only looks the group up.
        var key: OpaquePointer? = nil
        guard EVP_PKEY_paramgen_init(ctx) == 1, EVP_PKEY_CTX_set_group_name(ctx, name) == 1,
              EVP_PKEY_paramgen(ctx, &key) == 1, let key else { return nil }
        defer { EVP_PKEY_free(key) }
        // OSSL_PKEY_PARAM_FFC_P, _Q, _G.
        guard let p = Self.parameter(key, "p"), let q = Self.parameter(key, "q"), let g = Self.parameter(key, "g") else {
            return nil
        }
        self.p = p; self.q = q; self.g = g
    }

    /// A BIGNUM parameter, big-endian without leading zeros.
    private static func parameter(_ key: OpaquePointer, _ name: String) -> [UInt8]? {
        var bn: OpaquePointer? = nil
        guard EVP_PKEY_get_bn_param(key, name, &bn) == 1, let bn else { return nil }
        defer { BN_free(bn) }
        let length = Int((BN_num_bits(bn) + 7) / 8)
        var out = [UInt8](repeating: 0, count: length)
        let written = out.withUnsafeMutableBufferPointer { BN_bn2binpad(bn, $0.baseAddress, Int32(length)) }
        return written == length ? out : nil
    }
}
