/// The cryptographic algorithms iked implements, numbered as IANA's IKEv2 transform IDs
/// (RFC 7296 §3.3.2 and the IANA "IKEv2 Parameters" registry) so IKECore can map a negotiated
/// transform to an implementation without a lookup table. Closed sets: an unsupported ID is
/// simply not representable here (IKEWire keeps unknown IDs as open values).

/// Encryption transforms (type 1). AEAD ones carry their ICV length in the name.
public enum EncryptionAlgorithm: UInt16, Sendable, CaseIterable {
    case aesCBC = 12
    case aesGCM8 = 18
    case aesGCM12 = 19
    case aesGCM16 = 20
    case chacha20Poly1305 = 28

    /// True for the combined-mode ciphers (no separate integrity transform).
    public var isAEAD: Bool { self != .aesCBC }
}

/// Pseudo-random functions (type 2).
public enum PRFAlgorithm: UInt16, Sendable, CaseIterable {
    case hmacSHA1 = 2
    case hmacSHA256 = 5
    case hmacSHA384 = 6
    case hmacSHA512 = 7
}

/// Integrity transforms (type 3), truncated HMACs per RFC 2404 / RFC 4868.
public enum IntegrityAlgorithm: UInt16, Sendable, CaseIterable {
    case hmacSHA1_96 = 2
    case hmacSHA256_128 = 12
    case hmacSHA384_192 = 13
    case hmacSHA512_256 = 14
}

/// Key exchange (Diffie-Hellman) groups (type 4).
public enum DHGroup: UInt16, Sendable, CaseIterable {
    case modp1024 = 2
    case modp2048 = 14
    case modp3072 = 15
    case modp4096 = 16
    case modp6144 = 17
    case modp8192 = 18
    case ecp256 = 19
    case ecp384 = 20
    case ecp521 = 21
    case modp1024s160 = 22
    case modp2048s224 = 23
    case modp2048s256 = 24
    case curve25519 = 31
}

/// Plain hash functions (FIPS 180-4). Not a negotiated transform, so no IANA number; SHA-1 is
/// the hash of IKEv2's NAT detection notifies (RFC 7296 §2.23).
public enum HashAlgorithm: Sendable, CaseIterable {
    case sha1
    case sha256
}

// MARK: - Sizes (all in bytes)

extension EncryptionAlgorithm {
    /// Salt taken from the end of the keying material: 4 for AES-GCM (RFC 4106 §8.1,
    /// RFC 5282 §7.1) and ChaCha20-Poly1305 (RFC 7634 §2), 0 for CBC.
    public var saltSize: Int { isAEAD ? 4 : 0 }

    /// IV carried in each message: 8 for the AEADs (RFC 5282 §3, RFC 7634 §2), 16 for
    /// AES-CBC (RFC 3602 §3).
    public var ivSize: Int { isAEAD ? 8 : 16 }

    /// ICV (tag) length of an AEAD; 0 for CBC, whose ICV comes from the integrity transform.
    public var icvSize: Int {
        switch self {
        case .aesCBC: 0
        case .aesGCM8: 8
        case .aesGCM12: 12
        case .aesGCM16, .chacha20Poly1305: 16
        }
    }

    /// Cipher block size for padding: 16 for AES-CBC; AEADs are stream-like, so 1.
    public var blockSize: Int { self == .aesCBC ? 16 : 1 }

    /// Bytes of keying material to take from prf+ (RFC 7296 §2.14, §2.17): the cipher key plus
    /// the salt. `keyLengthBits` is the Key Length transform attribute (RFC 7296 §3.3.5);
    /// ChaCha20-Poly1305 has none (RFC 7634 §2). Nil for a length the algorithm lacks.
    public func keyMaterialLength(keyLengthBits: Int?) -> Int? {
        switch self {
        case .chacha20Poly1305:
            return keyLengthBits == nil || keyLengthBits == 256 ? 32 + saltSize : nil
        case .aesCBC, .aesGCM8, .aesGCM12, .aesGCM16:
            guard let bits = keyLengthBits, [128, 192, 256].contains(bits) else { return nil }
            return bits / 8 + saltSize
        }
    }

    /// strongSwan-style name, for logs.
    public var name: String {
        switch self {
        case .aesCBC: "aes-cbc"
        case .aesGCM8: "aes-gcm8"
        case .aesGCM12: "aes-gcm12"
        case .aesGCM16: "aes-gcm16"
        case .chacha20Poly1305: "chacha20poly1305"
        }
    }
}

extension HashAlgorithm {
    /// Digest length: 20 for SHA-1, 32 for SHA-256 (FIPS 180-4 §1).
    public var digestSize: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        }
    }
}

extension PRFAlgorithm {
    /// Output length of the PRF, which is also its preferred key length for SK_d, SK_pi and
    /// SK_pr (RFC 7296 §2.14, RFC 4868 §2.1.2).
    public var outputSize: Int {
        switch self {
        case .hmacSHA1: 20
        case .hmacSHA256: 32
        case .hmacSHA384: 48
        case .hmacSHA512: 64
        }
    }

    public var name: String {
        switch self {
        case .hmacSHA1: "prfsha1"
        case .hmacSHA256: "prfsha256"
        case .hmacSHA384: "prfsha384"
        case .hmacSHA512: "prfsha512"
        }
    }
}

extension IntegrityAlgorithm {
    /// Key length: the full hash output (RFC 2404 §3, RFC 4868 §2.1.1).
    public var keySize: Int {
        switch self {
        case .hmacSHA1_96: 20
        case .hmacSHA256_128: 32
        case .hmacSHA384_192: 48
        case .hmacSHA512_256: 64
        }
    }

    /// Truncated ICV length (RFC 2404 §3, RFC 4868 §2.1.1): half the hash, 12 for SHA-1.
    public var icvSize: Int {
        switch self {
        case .hmacSHA1_96: 12
        case .hmacSHA256_128: 16
        case .hmacSHA384_192: 24
        case .hmacSHA512_256: 32
        }
    }

    /// The PRF with the same hash (the untruncated HMAC).
    public var hmac: PRFAlgorithm {
        switch self {
        case .hmacSHA1_96: .hmacSHA1
        case .hmacSHA256_128: .hmacSHA256
        case .hmacSHA384_192: .hmacSHA384
        case .hmacSHA512_256: .hmacSHA512
        }
    }

    public var name: String {
        switch self {
        case .hmacSHA1_96: "sha1"
        case .hmacSHA256_128: "sha256"
        case .hmacSHA384_192: "sha384"
        case .hmacSHA512_256: "sha512"
        }
    }
}

extension DHGroup {
    /// Length of the KE payload's key exchange data (RFC 7296 §3.4): the prime length for
    /// MODP, x‖y for ECP (RFC 5903 §7), 32 for Curve25519 (RFC 8031 §2).
    public var publicValueSize: Int {
        switch self {
        case .modp1024, .modp1024s160: 128
        case .modp2048, .modp2048s224, .modp2048s256: 256
        case .modp3072: 384
        case .modp4096: 512
        case .modp6144: 768
        case .modp8192: 1024
        case .ecp256: 64
        case .ecp384: 96
        case .ecp521: 132
        case .curve25519: 32
        }
    }

    /// Length of g^ir: the prime length for MODP, the x coordinate for ECP (RFC 5903 §7),
    /// 32 for Curve25519.
    public var sharedSecretSize: Int {
        switch self {
        case .ecp256, .ecp384, .ecp521: publicValueSize / 2
        default: publicValueSize
        }
    }

    public var name: String {
        switch self {
        case .modp1024: "modp1024"
        case .modp2048: "modp2048"
        case .modp3072: "modp3072"
        case .modp4096: "modp4096"
        case .modp6144: "modp6144"
        case .modp8192: "modp8192"
        case .ecp256: "ecp256"
        case .ecp384: "ecp384"
        case .ecp521: "ecp521"
        case .modp1024s160: "modp1024s160"
        case .modp2048s224: "modp2048s224"
        case .modp2048s256: "modp2048s256"
        case .curve25519: "curve25519"
        }
    }
}
