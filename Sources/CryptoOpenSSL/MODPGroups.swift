import COpenSSL
import IKECrypto

/// The parameters of one MODP group: prime p, generator g and, for the RFC 5114 group, the
/// prime order q of the subgroup g generates.
///
/// Invariant: p, g (and q) are the published constants, read-only after init and freed in deinit.
final class MODPParameters {
    let p: OpaquePointer
    let g: OpaquePointer
    let q: OpaquePointer?
    /// p − 1, for the RFC 6989 range check.
    let pMinusOne: OpaquePointer
    /// Prime length in bytes: the length of public values and of g^ir (RFC 7296 §3.4).
    let primeLength: Int
    /// Bits of random private exponent for groups without a small subgroup (RFC 3526 §8:
    /// the upper end of the suggested exponent sizes).
    let exponentBits: Int32

    init(_ group: DHGroup) throws(CryptoError) {
        guard let p = Self.prime(group), let g = BN_new(), let pMinusOne = BN_dup(p) else {
            throw libraryFailure("BN_new")
        }
        self.p = p
        self.g = g
        self.pMinusOne = pMinusOne
        BN_sub_word(pMinusOne, 1)
        primeLength = Int((BN_num_bits(p) + 7) / 8)
        switch group {
        case .modp2048s256:
            // RFC 5114 §2.3: g is a 2048-bit constant of prime order q (256 bits).
            q = bignum(hex: RFC5114Group24.q)
            guard q != nil, setHex(g, RFC5114Group24.g) else { throw libraryFailure("BN_hex2bn") }
            exponentBits = 256
        default:
            q = nil
            BN_set_word(g, 2)  // RFC 2409 §6.2, RFC 3526 §2-5: generator 2
            exponentBits = group == .modp1024 ? 256 : group == .modp2048 ? 320 : group == .modp3072 ? 420 : 480
        }
    }

    deinit {
        BN_free(p); BN_free(g); BN_free(pMinusOne)
        if let q { BN_free(q) }
    }

    /// The published prime; OpenSSL carries RFC 2409 and RFC 3526 primes as constants.
    private static func prime(_ group: DHGroup) -> OpaquePointer? {
        switch group {
        case .modp1024: BN_get_rfc2409_prime_1024(nil)  // RFC 2409 §6.2, group 2
        case .modp2048: BN_get_rfc3526_prime_2048(nil)  // RFC 3526 §3, group 14
        case .modp3072: BN_get_rfc3526_prime_3072(nil)  // RFC 3526 §4, group 15
        case .modp4096: BN_get_rfc3526_prime_4096(nil)  // RFC 3526 §5, group 16
        case .modp2048s256: bignum(hex: RFC5114Group24.p)  // RFC 5114 §2.3, group 24
        default: nil
        }
    }
}

/// RFC 5114 §2.3, "2048-bit MODP Group with 256-bit Prime Order Subgroup" (IKE group 24).
enum RFC5114Group24 {
    static let p = [
        "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00",
        "E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C",
        "209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B",
        "6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76",
        "B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8E",
        "F6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026",
        "C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103",
        "A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597",
    ].joined()

    static let g = [
        "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA125",
        "10DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62",
        "901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B",
        "777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193",
        "B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0A",
        "DB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915",
        "B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C3",
        "2F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659",
    ].joined()

    static let q = [
        "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3",
    ].joined()
}

/// A new BIGNUM from a hex string, or nil.
func bignum(hex: String) -> OpaquePointer? {
    var bn: OpaquePointer? = nil
    guard BN_hex2bn(&bn, hex) > 0 else { return nil }
    return bn
}

/// Sets an existing BIGNUM from a hex string.
func setHex(_ bn: OpaquePointer, _ hex: String) -> Bool {
    guard let parsed = bignum(hex: hex) else { return false }
    defer { BN_free(parsed) }
    return BN_copy(bn, parsed) != nil
}

// MARK: - Inspection (tests and diagnostics)

extension MODPParameters {
    var primeBits: Int { Int(BN_num_bits(p)) }
    var subgroupOrderBits: Int? { q.map { Int(BN_num_bits($0)) } }

    /// p, big-endian, `primeLength` bytes.
    func primeBytes() throws(CryptoError) -> [UInt8] {
        guard let copy = BN_dup(p) else { throw libraryFailure("BN_dup") }
        defer { BN_free(copy) }
        var out = [UInt8](repeating: 0, count: primeLength)
        let n = out.withUnsafeMutableBytes { BN_bn2binpad(copy, mutableBase($0), Int32(primeLength)) }
        guard n == primeLength else { throw libraryFailure("BN_bn2binpad") }
        return out
    }

    /// g^q ≡ 1 (mod p): g generates the order-q subgroup (RFC 5114 §2.3).
    func generatorHasOrderQ() throws(CryptoError) -> Bool {
        guard let q else { return false }
        let r = try BigNum(), ctx = try BigNumContext()
        guard BN_mod_exp(r.raw, g, q, p, ctx.raw) == 1 else { throw libraryFailure("BN_mod_exp") }
        return BN_is_one(r.raw) == 1
    }

    /// p − y, padded to the prime length.
    func negated(_ y: [UInt8]) throws(CryptoError) -> [UInt8] {
        let value = try BigNum(bytes: y), r = try BigNum()
        guard BN_sub(r.raw, p, value.raw) == 1 else { throw libraryFailure("BN_sub") }
        return try r.bytes(paddedTo: primeLength)
    }
}
