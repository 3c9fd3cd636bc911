import IKECrypto

/// The cryptographic transform of one ESP SA direction (RFC 4303 §3.2): an AEAD (AES-GCM,
/// RFC 4106; ChaCha20-Poly1305, RFC 7634) or AES-CBC (RFC 3602) with a truncated HMAC
/// (RFC 2404, RFC 4868). The context objects are made once per SA and reused per packet.
public enum ESPTransform {
    case aead(any AEAD)
    case cbc(any BlockCipher, any Integrity)

    /// Builds the transform from Child SA keys (encryption key with salt for AEADs).
    public static func make(provider: some CryptoProvider, encryption: EncryptionAlgorithm, encryptionKey: SecretBytes,
                            integrity: IntegrityAlgorithm?, integrityKey: SecretBytes) throws(CryptoError) -> ESPTransform {
        if encryption.isAEAD { return .aead(try provider.makeAEAD(encryption, key: encryptionKey)) }
        guard let integrity else { throw CryptoError(.unsupported, "AES-CBC needs an integrity algorithm") }
        return .cbc(try provider.makeBlockCipher(keyLength: encryptionKey.count, key: encryptionKey),
                    try provider.makeIntegrity(integrity, key: integrityKey))
    }

    var ivSize: Int {
        switch self {
        case .aead(let a): a.ivSize
        case .cbc(let c, _): c.ivSize
        }
    }

    var icvSize: Int {
        switch self {
        case .aead(let a): a.tagSize
        case .cbc(_, let i): i.icvSize
        }
    }

    /// Payload+padding+trailer must be a multiple of this (RFC 4303 §2.4: at least 4).
    var alignment: Int {
        switch self {
        case .aead: 4
        case .cbc(let c, _): max(4, c.blockSize)
        }
    }

    /// Bytes ESP adds around an inner packet of `length` bytes: header, IV, padding, trailer, ICV.
    public func overhead(innerLength length: Int) -> Int {
        let padded = (length + 2 + alignment - 1) / alignment * alignment
        return 8 + ivSize + padded - length + icvSize
    }
}

/// An `ESPTransform` taken apart once per SA: the per-packet code reads stored properties
/// instead of switching on the enum, which copied (and so retained and released) its
/// existential payload for every packet.
struct ESPTransformParts {
    let aead: (any AEAD)?
    let cipher: (any BlockCipher)?
    let integrity: (any Integrity)?
    let ivSize: Int
    let icvSize: Int
    let alignment: Int

    init(_ transform: ESPTransform) {
        switch transform {
        case .aead(let a): (aead, cipher, integrity) = (a, nil, nil)
        case .cbc(let c, let i): (aead, cipher, integrity) = (nil, c, i)
        }
        ivSize = transform.ivSize
        icvSize = transform.icvSize
        alignment = transform.alignment
    }
}
