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
    case ecp256 = 19
    case ecp384 = 20
    case ecp521 = 21
    case modp2048s256 = 24
    case curve25519 = 31
}
