/// IKEv2 key derivation (RFC 7296 §2.13–§2.18, §2.15), generic over the PRF so it stays pure.
/// Every intermediate that holds secret bytes lives in `SecretBytes`.

/// The seven IKE SA keys (RFC 7296 §2.14), in the order prf+ produces them.
///
/// Invariant: skD, skPi and skPr are `prf.outputSize` bytes; skAi/skAr have the integrity key
/// length (0 for AEAD); skEi/skEr have the encryption keying-material length, which for AEADs
/// includes the 4-byte salt at the end (RFC 5282 §7.1, RFC 7634 §2).
public struct IKESAKeys: Sendable {
    public var skD: SecretBytes
    public var skAi: SecretBytes
    public var skAr: SecretBytes
    public var skEi: SecretBytes
    public var skEr: SecretBytes
    public var skPi: SecretBytes
    public var skPr: SecretBytes

    public init(skD: SecretBytes, skAi: SecretBytes, skAr: SecretBytes, skEi: SecretBytes,
                skEr: SecretBytes, skPi: SecretBytes, skPr: SecretBytes) {
        self.skD = skD; self.skAi = skAi; self.skAr = skAr
        self.skEi = skEi; self.skEr = skEr; self.skPi = skPi; self.skPr = skPr
    }
}

/// The four keys of a Child SA pair cut from KEYMAT (RFC 7296 §2.17): first the keys for the
/// SA carrying initiator-to-responder traffic (encryption, then integrity), then the reverse.
///
/// Invariant: the two enc keys have the same length, and so do the two integ keys (0 for AEAD).
public struct ChildSAKeys: Sendable {
    public var encryptionInitiatorToResponder: SecretBytes
    public var integrityInitiatorToResponder: SecretBytes
    public var encryptionResponderToInitiator: SecretBytes
    public var integrityResponderToInitiator: SecretBytes

    /// Splits `keyMaterial`, which must be `2 × (encKeyLength + integKeyLength)` bytes long.
    public init(keyMaterial: SecretBytes, encKeyLength: Int, integKeyLength: Int) throws(CryptoError) {
        guard encKeyLength >= 0, integKeyLength >= 0,
              keyMaterial.count == 2 * (encKeyLength + integKeyLength) else {
            throw CryptoError(.invalidLength, "KEYMAT length does not match the key lengths")
        }
        var cursor = KeyCursor(keyMaterial)
        encryptionInitiatorToResponder = cursor.take(encKeyLength)
        integrityInitiatorToResponder = cursor.take(integKeyLength)
        encryptionResponderToInitiator = cursor.take(encKeyLength)
        integrityResponderToInitiator = cursor.take(integKeyLength)
    }
}

/// prf+ (RFC 7296 §2.13): T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n), output
/// T1 | T2 | ... cut to `length` bytes. More than 255 blocks is an error (§2.13).
public func prfPlus(prf: some PRF, key: SecretBytes, seed: [UInt8], length: Int) throws(CryptoError) -> SecretBytes {
    try key.withUnsafeBytes { (k: UnsafeRawBufferPointer) throws(CryptoError) in
        try seed.withBytes { (s: UnsafeRawBufferPointer) throws(CryptoError) in
            try prfPlus(prf: prf, key: k, seed: s, length: length)
        }
    }
}

/// prf+ with a secret seed (KEYMAT with PFS, RFC 7296 §2.17).
public func prfPlus(prf: some PRF, key: SecretBytes, seed: SecretBytes, length: Int) throws(CryptoError) -> SecretBytes {
    try key.withUnsafeBytes { (k: UnsafeRawBufferPointer) throws(CryptoError) in
        try seed.withUnsafeBytes { (s: UnsafeRawBufferPointer) throws(CryptoError) in
            try prfPlus(prf: prf, key: k, seed: s, length: length)
        }
    }
}

/// The pointer form of prf+; the chaining buffer is zeroizing storage.
func prfPlus(prf: some PRF, key: UnsafeRawBufferPointer, seed: UnsafeRawBufferPointer,
             length: Int) throws(CryptoError) -> SecretBytes {
    let n = prf.outputSize
    guard length >= 0 else { throw CryptoError(.invalidLength, "negative prf+ length") }
    let blocks = (length + n - 1) / n
    // RFC 7296 §2.13: the counter is one octet, so at most 255 blocks.
    guard blocks <= 255 else {
        throw CryptoError(.invalidLength, "prf+ asked for \(length) bytes, more than 255 blocks of \(n)")
    }
    let input = SecretBytes(count: n + seed.count + 1)  // Tn-1 | S | n
    return SecretBytes(count: length) { out in
        input.withUnsafeMutableBytes { buf in
            UnsafeMutableRawBufferPointer(rebasing: buf[n..<(n + seed.count)]).copyMemory(from: seed)
            for i in 0..<blocks {
                buf[n + seed.count] = UInt8(i + 1)
                let data = UnsafeRawBufferPointer(rebasing: buf[(i == 0 ? n : 0)...])
                withUnsafeTemporaryAllocation(byteCount: n, alignment: 16) { t in
                    prf.compute(key: key, data: data, into: t)
                    let take = min(n, length - i * n)
                    UnsafeMutableRawBufferPointer(rebasing: out[(i * n)..<(i * n + take)])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: t[..<take]))
                    UnsafeMutableRawBufferPointer(rebasing: buf[..<n]).copyMemory(from: UnsafeRawBufferPointer(t))
                    zeroize(t)
                }
            }
        }
    }
}

/// SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 §2.14). For PRFs with a fixed key size (AES-XCBC,
/// AES-CMAC) §2.14 takes half of each nonce; every PRF here is an HMAC, so the full
/// concatenation is the key.
public func skeyseed(prf: some PRF, nonceI: [UInt8], nonceR: [UInt8], sharedSecret: SecretBytes) -> SecretBytes {
    prf.compute(key: nonceI + nonceR, data: sharedSecret)
}

/// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
/// (RFC 7296 §2.14). `encKeyLength` includes the salt for AEADs; `integKeyLength` is 0 for
/// AEADs. SPIs are the 8-byte IKE SPIs, big-endian as on the wire.
public func ikeSAKeys(prf: some PRF, skeyseed: SecretBytes, nonceI: [UInt8], nonceR: [UInt8],
                      spiI: UInt64, spiR: UInt64, encKeyLength: Int,
                      integKeyLength: Int) throws(CryptoError) -> IKESAKeys {
    guard encKeyLength >= 0, integKeyLength >= 0 else {
        throw CryptoError(.invalidLength, "negative key length")
    }
    let seed = nonceI + nonceR + bigEndianBytes(spiI) + bigEndianBytes(spiR)
    let p = prf.outputSize
    let total = 3 * p + 2 * integKeyLength + 2 * encKeyLength
    var cursor = KeyCursor(try prfPlus(prf: prf, key: skeyseed, seed: seed, length: total))
    return IKESAKeys(skD: cursor.take(p), skAi: cursor.take(integKeyLength),
                     skAr: cursor.take(integKeyLength), skEi: cursor.take(encKeyLength),
                     skEr: cursor.take(encKeyLength), skPi: cursor.take(p), skPr: cursor.take(p))
}

/// `ikeSAKeys` with the SPIs as the 8 bytes from the IKE header.
public func ikeSAKeys(prf: some PRF, skeyseed: SecretBytes, nonceI: [UInt8], nonceR: [UInt8],
                      spiI: [UInt8], spiR: [UInt8], encKeyLength: Int,
                      integKeyLength: Int) throws(CryptoError) -> IKESAKeys {
    guard spiI.count == 8, spiR.count == 8 else {
        throw CryptoError(.invalidLength, "IKE SPIs are 8 bytes (RFC 7296 §3.1)")
    }
    return try ikeSAKeys(prf: prf, skeyseed: skeyseed, nonceI: nonceI, nonceR: nonceR,
                         spiI: spiI.withUnsafeBytes(loadBigEndianUInt64),
                         spiR: spiR.withUnsafeBytes(loadBigEndianUInt64),
                         encKeyLength: encKeyLength, integKeyLength: integKeyLength)
}

/// KEYMAT = prf+(SK_d, Ni | Nr), or with PFS prf+(SK_d, g^ir (new) | Ni | Nr)
/// (RFC 7296 §2.17). `length` is usually 2 × (enc + integ key length); see `ChildSAKeys`.
public func childSAKeyMaterial(prf: some PRF, skD: SecretBytes, sharedSecret: SecretBytes? = nil,
                               nonceI: [UInt8], nonceR: [UInt8],
                               length: Int) throws(CryptoError) -> SecretBytes {
    guard let sharedSecret else {
        return try prfPlus(prf: prf, key: skD, seed: nonceI + nonceR, length: length)
    }
    let nonces = SecretBytes(nonceI + nonceR)
    return try prfPlus(prf: prf, key: skD, seed: sharedSecret.appending(nonces), length: length)
}

/// SKEYSEED for the new IKE SA when rekeying: prf(SK_d (old), g^ir (new) | Ni | Nr)
/// (RFC 7296 §2.18); Ni and Nr are the nonces of the CREATE_CHILD_SA exchange.
public func rekeyedSkeyseed(prf: some PRF, oldSKd: SecretBytes, sharedSecret: SecretBytes,
                            nonceI: [UInt8], nonceR: [UInt8]) -> SecretBytes {
    prf.compute(key: oldSKd, data: sharedSecret.appending(SecretBytes(nonceI + nonceR)))
}

/// MACedIDForI/R = prf(SK_pi/SK_pr, RestOfIDPayload) (RFC 7296 §2.15), where the rest of the
/// ID payload is its body after the generic payload header (ID Type, reserved, data).
public func macedID(prf: some PRF, skP: SecretBytes, idPayloadBody: [UInt8]) -> SecretBytes {
    prf.compute(key: skP, data: idPayloadBody)
}

/// The shared-key AUTH value: prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
/// (RFC 7296 §2.15), SignedOctets = RealMessage | Nonce | MACedID.
public func sharedKeyAuth(prf: some PRF, sharedKey: SecretBytes, signedOctets: [UInt8]) -> SecretBytes {
    let keyPad: [UInt8] = Array("Key Pad for IKEv2".utf8)  // RFC 7296 §2.15: 17 ASCII octets
    let inner = prf.compute(key: sharedKey, data: keyPad)
    return prf.compute(key: inner, data: signedOctets)
}

/// Walks a derived key stream, handing out consecutive slices.
struct KeyCursor {
    private let source: SecretBytes
    private var offset = 0

    init(_ source: SecretBytes) { self.source = source }

    mutating func take(_ n: Int) -> SecretBytes {
        defer { offset += n }
        return source.slice(offset..<(offset + n))
    }
}

/// `value` as 8 big-endian bytes (IKE SPIs, IVs), through `storeBigEndianUInt64`.
public func bigEndianBytes(_ value: UInt64) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 8)
    out.withUnsafeMutableBytes { storeBigEndianUInt64(value, into: $0) }
    return out
}
