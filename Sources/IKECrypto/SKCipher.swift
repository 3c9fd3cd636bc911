/// Protection of the body of an Encrypted (SK) or Encrypted Fragment (SKF) payload.
///
/// Layout of the body (RFC 7296 §3.14, RFC 7383 §2.5):
///     IV ‖ E(inner payloads ‖ padding ‖ pad length) ‖ ICV
/// CBC (RFC 7296 §3.14): random 16-byte IV, padding to the block size, ICV = truncated HMAC
/// over everything before the ICV (IKE header, payload header, [SKF fields,] IV, ciphertext).
/// AEAD (RFC 5282 §3–5): 8-byte IV, AAD = everything before the IV, ICV = the tag.
///
/// Invariants: `protect` output always unprotects with the peer-direction object holding the
/// same keys; `unprotect` authenticates before it decrypts (CBC) or as part of decryption
/// (AEAD), and returns only the inner payload bytes, or throws.
public final class SKCipher {
    private enum Mode {
        case aead(any AEAD)
        case cbc(any BlockCipher, any Integrity)
    }

    private let mode: Mode

    /// Combined mode (AES-GCM, ChaCha20-Poly1305).
    public init(aead: any AEAD) {
        mode = .aead(aead)
    }

    /// Encrypt-then-MAC with a CBC cipher and a truncated HMAC.
    public init(cipher: any BlockCipher, integrity: any Integrity) {
        mode = .cbc(cipher, integrity)
    }

    /// Builds the cipher for one direction from SK_e and SK_a (SK_ei/SK_ai for messages the
    /// initiator sends, SK_er/SK_ar for the responder's). `integrity` must be nil for AEADs.
    public static func make(provider: some CryptoProvider, encryption: EncryptionAlgorithm,
                            encryptionKey: SecretBytes, integrity: IntegrityAlgorithm?,
                            integrityKey: SecretBytes?) throws(CryptoError) -> SKCipher {
        if encryption.isAEAD {
            guard integrity == nil else {
                throw CryptoError(.unsupported, "AEAD with an integrity transform (RFC 5282 §8)")
            }
            return SKCipher(aead: try provider.makeAEAD(encryption, key: encryptionKey))
        }
        guard let integrity, let integrityKey else {
            throw CryptoError(.unsupported, "CBC needs an integrity transform")
        }
        let cipher = try provider.makeBlockCipher(keyLength: encryptionKey.count, key: encryptionKey)
        return SKCipher(cipher: cipher, integrity: try provider.makeIntegrity(integrity, key: integrityKey))
    }

    /// IV + ICV + the minimum encrypted part: what the body adds around the inner payloads,
    /// before padding. Useful for fragment sizing (RFC 7383 §2.5.1).
    public var overhead: Int {
        switch mode {
        case .aead(let aead): aead.ivSize + aead.tagSize + 1
        case .cbc(let cipher, let integrity): cipher.ivSize + integrity.icvSize + 1
        }
    }

    /// The encrypted body: IV ‖ ciphertext ‖ ICV. `associatedData` is every message byte before
    /// the IV, with the final lengths already in the headers.
    public func protect(associatedData: [UInt8], plaintext: [UInt8],
                        random: some RandomSource) throws(CryptoError) -> [UInt8] {
        switch mode {
        case .aead(let aead):
            return try protectAEAD(aead, associatedData, plaintext, random)
        case .cbc(let cipher, let integrity):
            return try protectCBC(cipher, integrity, associatedData, plaintext, random)
        }
    }

    /// The inner payload bytes, with padding and Pad Length removed.
    public func unprotect(associatedData: [UInt8], body: [UInt8]) throws(CryptoError) -> [UInt8] {
        switch mode {
        case .aead(let aead):
            return try unprotectAEAD(aead, associatedData, body)
        case .cbc(let cipher, let integrity):
            return try unprotectCBC(cipher, integrity, associatedData, body)
        }
    }

    /// The total length of the body that `protect` produces for `plaintextLength` bytes.
    public func bodyLength(plaintextLength: Int) -> Int {
        switch mode {
        case .aead(let aead):
            return aead.ivSize + plaintextLength + 1 + aead.tagSize
        case .cbc(let cipher, let integrity):
            return cipher.ivSize + Self.paddedLength(plaintextLength, cipher.blockSize) + integrity.icvSize
        }
    }

    // MARK: - AEAD (RFC 5282)

    private func protectAEAD(_ aead: any AEAD, _ ad: [UInt8], _ plaintext: [UInt8],
                             _ random: some RandomSource) throws(CryptoError) -> [UInt8] {
        // RFC 5282 §3: the IV must not repeat under one key; 64 random bits per message is
        // ample for IKE's message volume.
        let iv = random.uint64()
        // Pad length 0: AEADs need no block alignment; the Pad Length octet stays (§3.14).
        // IV ‖ plaintext ‖ 0 ‖ ICV, in one zeroed array (every IKE_AUTH and INFORMATIONAL is sealed).
        var body = [UInt8](repeating: 0, count: aead.ivSize + plaintext.count + 1 + aead.tagSize)
        body.withUnsafeMutableBytes { b in
            withUnsafeBytes(of: iv.bigEndian) { UnsafeMutableRawBufferPointer(rebasing: b[..<8]).copyMemory(from: $0) }
            plaintext.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: b[aead.ivSize...]).copyMemory(from: $0) }
        }
        let encryptedRange = aead.ivSize..<(aead.ivSize + plaintext.count + 1)
        try body.withMutableBytes { (b: UnsafeMutableRawBufferPointer) throws(CryptoError) in
            try ad.withBytes { (a: UnsafeRawBufferPointer) throws(CryptoError) in
                try aead.seal(iv: iv, aad: a, buffer: UnsafeMutableRawBufferPointer(rebasing: b[encryptedRange]),
                              tag: UnsafeMutableRawBufferPointer(rebasing: b[encryptedRange.upperBound...]))
            }
        }
        return body
    }

    private func unprotectAEAD(_ aead: any AEAD, _ ad: [UInt8], _ body: [UInt8]) throws(CryptoError) -> [UInt8] {
        // At least IV, the Pad Length octet and the ICV (RFC 5282 §3).
        guard body.count >= aead.ivSize + 1 + aead.tagSize else {
            throw CryptoError(.invalidLength, "SK body of \(body.count) bytes is too short")
        }
        let end = body.count - aead.tagSize
        var inner = Array(body[aead.ivSize..<end])
        let ok = inner.withUnsafeMutableBytes { b in
            body.withUnsafeBytes { whole in
                ad.withUnsafeBytes { a in
                    aead.open(iv: loadBigEndianUInt64(UnsafeRawBufferPointer(rebasing: whole[..<8])),
                              aad: a, buffer: b, tag: UnsafeRawBufferPointer(rebasing: whole[end...]))
                }
            }
        }
        guard ok else { throw CryptoError(.authenticationFailed, "SK payload tag mismatch") }
        return try Self.stripPadding(inner)
    }

    // MARK: - CBC + HMAC (RFC 7296 §3.14)

    private func protectCBC(_ cipher: any BlockCipher, _ integrity: any Integrity, _ ad: [UInt8],
                            _ plaintext: [UInt8], _ random: some RandomSource) throws(CryptoError) -> [UInt8] {
        let padded = Self.paddedLength(plaintext.count, cipher.blockSize)
        let padLength = padded - plaintext.count - 1
        // Pad bytes may be anything (§3.14); zeros, then the Pad Length octet.
        var message = ad + random.bytes(cipher.ivSize) + plaintext
        message += [UInt8](repeating: 0, count: padLength) + [UInt8(padLength)]
        message += [UInt8](repeating: 0, count: integrity.icvSize)
        let ivStart = ad.count, dataStart = ad.count + cipher.ivSize, icvStart = dataStart + padded
        try message.withMutableBytes { (m: UnsafeMutableRawBufferPointer) throws(CryptoError) in
            try cipher.encrypt(iv: UnsafeRawBufferPointer(rebasing: m[ivStart..<dataStart]),
                               buffer: UnsafeMutableRawBufferPointer(rebasing: m[dataStart..<icvStart]))
            integrity.compute(data: UnsafeRawBufferPointer(rebasing: m[..<icvStart]),
                              icv: UnsafeMutableRawBufferPointer(rebasing: m[icvStart...]))
        }
        return Array(message[ivStart...])
    }

    private func unprotectCBC(_ cipher: any BlockCipher, _ integrity: any Integrity, _ ad: [UInt8],
                              _ body: [UInt8]) throws(CryptoError) -> [UInt8] {
        let encrypted = body.count - cipher.ivSize - integrity.icvSize
        guard encrypted >= cipher.blockSize, encrypted % cipher.blockSize == 0 else {
            throw CryptoError(.invalidLength, "SK body of \(body.count) bytes does not hold whole blocks")
        }
        let message = ad + body
        let icvStart = message.count - integrity.icvSize
        let authentic = message.withUnsafeBytes { m in
            integrity.verify(data: UnsafeRawBufferPointer(rebasing: m[..<icvStart]),
                             icv: UnsafeRawBufferPointer(rebasing: m[icvStart...]))
        }
        // Encrypt-then-MAC: nothing is decrypted before the ICV checks out.
        guard authentic else { throw CryptoError(.authenticationFailed, "SK payload ICV mismatch") }
        let iv = Array(body[..<cipher.ivSize])
        let plain = try cipher.decrypt(iv: iv, Array(body[cipher.ivSize..<(cipher.ivSize + encrypted)]))
        return try Self.stripPadding(plain)
    }

    // MARK: - Padding

    /// Plaintext + at least the Pad Length octet, rounded up to the block size.
    static func paddedLength(_ plaintextLength: Int, _ blockSize: Int) -> Int {
        let minimum = plaintextLength + 1
        return (minimum + blockSize - 1) / blockSize * blockSize
    }

    /// Removes padding and the Pad Length octet; the receiver accepts any pad bytes (§3.14).
    static func stripPadding(_ decrypted: consuming [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let padLength = decrypted.last else {
            throw CryptoError(.badPadding, "no Pad Length octet")
        }
        guard Int(padLength) + 1 <= decrypted.count else {
            throw CryptoError(.badPadding, "Pad Length \(padLength) exceeds the \(decrypted.count) decrypted bytes")
        }
        // Cut in place: the caller hands over its last reference, so no copy is made.
        decrypted.removeLast(Int(padLength) + 1)
        return decrypted
    }
}
