// Transform IDs per transform type (IANA IKEv2 registries "Transform Type 1..5 Values").
// Open enums: an unknown algorithm in a peer's proposal decodes and round-trips unchanged.

/// Transform type 1: encryption algorithms (RFC 7296 §3.3.2, RFC 4106/5282, RFC 7634).
public struct EncryptionID: OpenEnum {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let des3 = Self(rawValue: 3)
    public static let null = Self(rawValue: 11)
    public static let aesCBC = Self(rawValue: 12)
    public static let aesCTR = Self(rawValue: 13)
    public static let aesCCM8 = Self(rawValue: 14)
    public static let aesCCM12 = Self(rawValue: 15)
    public static let aesCCM16 = Self(rawValue: 16)
    public static let aesGCM8 = Self(rawValue: 18)
    public static let aesGCM12 = Self(rawValue: 19)
    public static let aesGCM16 = Self(rawValue: 20)
    public static let nullAuthAESGMAC = Self(rawValue: 21)
    public static let camelliaCBC = Self(rawValue: 23)
    public static let chacha20Poly1305 = Self(rawValue: 28)
    public static let knownNames: [UInt16: String] = [
        3: "3DES", 11: "NULL", 12: "AES_CBC", 13: "AES_CTR", 14: "AES_CCM_8", 15: "AES_CCM_12",
        16: "AES_CCM_16", 18: "AES_GCM_8", 19: "AES_GCM_12", 20: "AES_GCM_16",
        21: "NULL_AUTH_AES_GMAC", 23: "CAMELLIA_CBC", 28: "CHACHA20_POLY1305",
    ]
}

/// Transform type 2: pseudo-random functions (RFC 7296 §3.3.2, RFC 4868).
public struct PRFID: OpenEnum {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let hmacMD5 = Self(rawValue: 1)
    public static let hmacSHA1 = Self(rawValue: 2)
    public static let aes128XCBC = Self(rawValue: 4)
    public static let hmacSHA256 = Self(rawValue: 5)
    public static let hmacSHA384 = Self(rawValue: 6)
    public static let hmacSHA512 = Self(rawValue: 7)
    public static let aes128CMAC = Self(rawValue: 8)
    public static let knownNames: [UInt16: String] = [
        1: "PRF_HMAC_MD5", 2: "PRF_HMAC_SHA1", 4: "PRF_AES128_XCBC", 5: "PRF_HMAC_SHA2_256",
        6: "PRF_HMAC_SHA2_384", 7: "PRF_HMAC_SHA2_512", 8: "PRF_AES128_CMAC",
    ]
}

/// Transform type 3: integrity algorithms (RFC 7296 §3.3.2, RFC 4868).
public struct IntegrityID: OpenEnum {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let none = Self(rawValue: 0)
    public static let hmacMD5_96 = Self(rawValue: 1)
    public static let hmacSHA1_96 = Self(rawValue: 2)
    public static let aesXCBC96 = Self(rawValue: 5)
    public static let aesCMAC96 = Self(rawValue: 8)
    public static let hmacSHA256_128 = Self(rawValue: 12)
    public static let hmacSHA384_192 = Self(rawValue: 13)
    public static let hmacSHA512_256 = Self(rawValue: 14)
    public static let knownNames: [UInt16: String] = [
        0: "NONE", 1: "AUTH_HMAC_MD5_96", 2: "AUTH_HMAC_SHA1_96", 5: "AUTH_AES_XCBC_96",
        8: "AUTH_AES_CMAC_96", 12: "AUTH_HMAC_SHA2_256_128", 13: "AUTH_HMAC_SHA2_384_192",
        14: "AUTH_HMAC_SHA2_512_256",
    ]
}

/// Transform type 4: key exchange methods / DH groups (RFC 7296, RFC 3526, RFC 5114, RFC 5903, RFC 8031).
public struct DHGroupID: OpenEnum {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let none = Self(rawValue: 0)
    public static let modp768 = Self(rawValue: 1)
    public static let modp1024 = Self(rawValue: 2)
    public static let modp1536 = Self(rawValue: 5)
    public static let modp2048 = Self(rawValue: 14)
    public static let modp3072 = Self(rawValue: 15)
    public static let modp4096 = Self(rawValue: 16)
    public static let modp6144 = Self(rawValue: 17)
    public static let modp8192 = Self(rawValue: 18)
    public static let ecp256 = Self(rawValue: 19)
    public static let ecp384 = Self(rawValue: 20)
    public static let ecp521 = Self(rawValue: 21)
    public static let modp1024s160 = Self(rawValue: 22)
    public static let modp2048s224 = Self(rawValue: 23)
    public static let modp2048s256 = Self(rawValue: 24)
    public static let curve25519 = Self(rawValue: 31)
    public static let curve448 = Self(rawValue: 32)
    public static let knownNames: [UInt16: String] = [
        0: "NONE", 1: "MODP_768", 2: "MODP_1024", 5: "MODP_1536", 14: "MODP_2048", 15: "MODP_3072",
        16: "MODP_4096", 17: "MODP_6144", 18: "MODP_8192", 19: "ECP_256", 20: "ECP_384",
        21: "ECP_521", 22: "MODP_1024_160", 23: "MODP_2048_224", 24: "MODP_2048_256",
        31: "CURVE_25519", 32: "CURVE_448",
    ]
}

/// Transform type 5: extended sequence numbers (RFC 7296 §3.3.2).
public struct ESNID: OpenEnum {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let noESN = Self(rawValue: 0)
    public static let esn = Self(rawValue: 1)
    public static let knownNames: [UInt16: String] = [0: "NO_EXT_SEQ", 1: "EXT_SEQ"]
}
