import COpenSSL
import IKECrypto

/// The parameters of one MODP group: prime p, generator g and, for the RFC 5114 groups, the
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
    /// Bits of random private exponent for the generator-2 groups (RFC 3526 §8: the upper end
    /// of the suggested exponent sizes); for the RFC 5114 groups the length of q, below which
    /// their exponents are drawn.
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
        if let published = RFC5114Group(group) {
            // RFC 5114 §2.1–§2.3: g is a constant of prime order q (160, 224 or 256 bits);
            // exponents are drawn from [2, q−1].
            q = bignum(hex: published.q)
            guard let q, setHex(g, published.g) else { throw libraryFailure("BN_hex2bn") }
            exponentBits = BN_num_bits(q)
        } else {
            q = nil
            BN_set_word(g, 2)  // RFC 2409 §6.2, RFC 3526 §2–§7: generator 2
            exponentBits = Self.exponentBits(group)
        }
    }

    deinit {
        BN_free(p); BN_free(g); BN_free(pMinusOne)
        if let q { BN_free(q) }
    }

    /// The published prime; OpenSSL carries the RFC 2409 and RFC 3526 primes as constants,
    /// the RFC 5114 ones are transcribed below.
    private static func prime(_ group: DHGroup) -> OpaquePointer? {
        switch group {
        case .modp1024: BN_get_rfc2409_prime_1024(nil)  // RFC 2409 §6.2, group 2
        case .modp2048: BN_get_rfc3526_prime_2048(nil)  // RFC 3526 §3, group 14
        case .modp3072: BN_get_rfc3526_prime_3072(nil)  // RFC 3526 §4, group 15
        case .modp4096: BN_get_rfc3526_prime_4096(nil)  // RFC 3526 §5, group 16
        case .modp6144: BN_get_rfc3526_prime_6144(nil)  // RFC 3526 §6, group 17
        case .modp8192: BN_get_rfc3526_prime_8192(nil)  // RFC 3526 §7, group 18
        case .modp1024s160, .modp2048s224, .modp2048s256:
            RFC5114Group(group).flatMap { bignum(hex: $0.p) }  // RFC 5114 §2.1–§2.3, groups 22–24
        case .ecp256, .ecp384, .ecp521, .curve25519: nil
        }
    }

    /// Random exponent length for the generator-2 groups: the upper end of RFC 3526 §8's
    /// suggested sizes ("Strength Estimate 2"; 1024 bits is not in that table: 256).
    private static func exponentBits(_ group: DHGroup) -> Int32 {
        switch group {
        case .modp1024: 256
        case .modp2048: 320
        case .modp3072: 420
        case .modp4096: 480
        case .modp6144: 540
        case .modp8192: 620
        default: 0  // RFC 5114 groups draw from [2, q−1]; not MODP otherwise
        }
    }
}

/// The published parameters of an RFC 5114 MODP group, as hex: prime p, generator g and the
/// prime order q of the subgroup g generates. RFC 8247 §2.4 advises against these groups
/// (p − 1 has factors besides q, so subgroups of other orders exist and every peer value
/// needs the RFC 6989 §2.2 check);
/// iked supports them because the AWS endpoint accepts groups 22–24 (clouds.md).
struct RFC5114Group: Sendable {
    let p: String
    let g: String
    let q: String

    /// The constants for IKE groups 22, 23 and 24; nil for any other group.
    init?(_ group: DHGroup) {
        switch group {
        case .modp1024s160: self = Self.group22
        case .modp2048s224: self = Self.group23
        case .modp2048s256: self = Self.group24
        default: return nil
        }
    }

    private init(p: String, g: String, q: String) { self.p = p; self.g = g; self.q = q }

    /// RFC 5114 §2.1, "1024-bit MODP Group with 160-bit Prime Order Subgroup" (IKE group 22).
    static let group22 = RFC5114Group(
        p: [
            "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B61",
            "6073E28675A23D189838EF1E2EE652C013ECB4AEA906112324975C3CD49B83BF",
            "ACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0",
            "A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371",
        ].joined(),
        g: [
            "A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31",
            "266FEA1E5C41564B777E690F5504F213160217B4B01B886A5E91547F9E2749F4",
            "D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28A",
            "D662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5",
        ].joined(),
        q: [
            "F518AA8781A8DF278ABA4E7D64B7CB9D49462353",
        ].joined())

    /// RFC 5114 §2.2, "2048-bit MODP Group with 224-bit Prime Order Subgroup" (IKE group 23).
    static let group23 = RFC5114Group(
        p: [
            "AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75",
            "E6FA141DF95A56DBAF9A3C407BA1DF15EB3D688A309C180E1DE6B85A1274A0A6",
            "6D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207",
            "C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A3170918836",
            "81286130BC8985DB1602E714415D9330278273C7DE31EFDC7310F7121FD5A074",
            "15987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8",
            "BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29",
            "E3FB73C16B8E75B97EF363E2FFA31F71CF9DE5384E71B81C0AC4DFFE0C10E64F",
        ].joined(),
        g: [
            "AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3",
            "A6824A4E10B9A6F0DD921F01A70C4AFAAB739D7700C29F52C57DB17C620A8652",
            "BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98A",
            "E247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D1",
            "19529A45D6F834566E3025E316A330EFBB77A86F0C1AB15B051AE3D428C8F8AC",
            "B70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381",
            "B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD",
            "7B5A0F1C71CFFF4C19C418E1F6EC017981BC087F2A7065B384B890D3191F2BFA",
        ].joined(),
        q: [
            "801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB",
        ].joined())

    /// RFC 5114 §2.3, "2048-bit MODP Group with 256-bit Prime Order Subgroup" (IKE group 24).
    static let group24 = RFC5114Group(
        p: [
            "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00",
            "E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C",
            "209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B",
            "6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76",
            "B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8E",
            "F6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026",
            "C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103",
            "A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597",
        ].joined(),
        g: [
            "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA125",
            "10DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62",
            "901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B",
            "777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193",
            "B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0A",
            "DB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915",
            "B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C3",
            "2F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659",
        ].joined(),
        q: [
            "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3",
        ].joined())
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
    func primeBytes() throws(CryptoError) -> [UInt8] { try Self.bytes(p) }

    /// g, big-endian, without leading zeros.
    func generatorBytes() throws(CryptoError) -> [UInt8] { try Self.bytes(g) }

    /// q, big-endian, without leading zeros; nil for the generator-2 groups.
    func subgroupOrderBytes() throws(CryptoError) -> [UInt8]? {
        guard let q else { return nil }
        return try Self.bytes(q)
    }

    /// q divides p − 1 (so an order-q subgroup exists).
    func subgroupOrderDividesPMinusOne() throws(CryptoError) -> Bool {
        guard let q else { return false }
        let r = try BigNum(), ctx = try BigNumContext()
        guard BN_div(nil, r.raw, pMinusOne, q, ctx.raw) == 1 else { throw libraryFailure("BN_div") }
        return BN_is_zero(r.raw) == 1
    }

    private static func bytes(_ bn: OpaquePointer) throws(CryptoError) -> [UInt8] {
        guard let copy = BN_dup(bn) else { throw libraryFailure("BN_dup") }
        defer { BN_free(copy) }
        let length = Int((BN_num_bits(copy) + 7) / 8)
        var out = [UInt8](repeating: 0, count: length)
        let n = out.withUnsafeMutableBytes { BN_bn2binpad(copy, mutableBase($0), Int32(length)) }
        guard n == length else { throw libraryFailure("BN_bn2binpad") }
        return out
    }

    /// g^q ≡ 1 (mod p): g generates the order-q subgroup (RFC 5114 §2.1–§2.3).
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
