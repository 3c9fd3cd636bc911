/// The primitive interfaces a crypto provider implements. Objects are classes that own a
/// library context each; they are not `Sendable`: one owner (an SA, a datapath thread) uses
/// each at a time. Every buffer-taking method works in place and allocates nothing, so the
/// ESP datapath can call them per packet (DESIGN §3).

/// A keyed pseudo-random function (RFC 7296 §2.13: prf(K, S)), here always an HMAC.
///
/// Invariant: `compute` writes exactly `outputSize` bytes and depends only on key and data
/// (an implementation may cache a context between calls, never a result).
public protocol PRF: AnyObject {
    var algorithm: PRFAlgorithm { get }
    /// Output length in bytes (also the preferred key length, RFC 7296 §2.14).
    var outputSize: Int { get }
    /// prf(key, data) into `output`, whose count must be `outputSize`.
    func compute(key: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer,
                 into output: UnsafeMutableRawBufferPointer)
}

extension PRF {
    /// prf(key, data) into zeroizing storage.
    public func compute(key: SecretBytes, data: [UInt8]) -> SecretBytes {
        key.withUnsafeBytes { k in data.withUnsafeBytes { d in run(k, d) } }
    }

    /// prf(key, data) where the key is public (e.g. Ni | Nr in RFC 7296 §2.14).
    public func compute(key: [UInt8], data: [UInt8]) -> SecretBytes {
        key.withUnsafeBytes { k in data.withUnsafeBytes { d in run(k, d) } }
    }

    /// prf(key, data) where the data is secret (e.g. g^ir in RFC 7296 §2.14).
    public func compute(key: [UInt8], data: SecretBytes) -> SecretBytes {
        key.withUnsafeBytes { k in data.withUnsafeBytes { d in run(k, d) } }
    }

    /// prf(key, data) with both secret.
    public func compute(key: SecretBytes, data: SecretBytes) -> SecretBytes {
        key.withUnsafeBytes { k in data.withUnsafeBytes { d in run(k, d) } }
    }

    private func run(_ key: UnsafeRawBufferPointer, _ data: UnsafeRawBufferPointer) -> SecretBytes {
        SecretBytes(count: outputSize) { compute(key: key, data: data, into: $0) }
    }
}

/// An AEAD keyed for one direction of one SA: AES-GCM (RFC 4106 / RFC 5282) or
/// ChaCha20-Poly1305 (RFC 7634).
///
/// Invariants: the nonce is salt(4, the last bytes of the keying material) ‖ iv(8, carried
/// big-endian on the wire); `seal` and `open` work in place and allocate nothing; `open`
/// returns false on any authentication failure and then leaves `buffer` zeroed or unchanged
/// ciphertext, never unauthenticated plaintext.
public protocol AEAD: AnyObject {
    var algorithm: EncryptionAlgorithm { get }
    /// Cipher key length in bytes, without the salt.
    var keySize: Int { get }
    /// 4 (RFC 4106 §8.1, RFC 7634 §2).
    var saltSize: Int { get }
    /// 8.
    var ivSize: Int { get }
    /// 8, 12 or 16.
    var tagSize: Int { get }

    /// Encrypts `buffer` in place and writes the tag (`tag.count == tagSize`).
    func seal(iv: UInt64, aad: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer,
              tag: UnsafeMutableRawBufferPointer) throws(CryptoError)

    /// Verifies `tag` and decrypts `buffer` in place; false when authentication fails.
    func open(iv: UInt64, aad: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer,
              tag: UnsafeRawBufferPointer) -> Bool
}

extension AEAD {
    /// Seal with the IV given as the 8 bytes that go on the wire.
    public func seal(ivBytes: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
                     buffer: UnsafeMutableRawBufferPointer,
                     tag: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        guard ivBytes.count == 8 else { throw CryptoError(.invalidLength, "AEAD IV must be 8 bytes") }
        try seal(iv: loadBigEndianUInt64(ivBytes), aad: aad, buffer: buffer, tag: tag)
    }

    /// Open with the IV given as the 8 bytes read from the wire.
    public func open(ivBytes: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
                     buffer: UnsafeMutableRawBufferPointer, tag: UnsafeRawBufferPointer) -> Bool {
        guard ivBytes.count == 8 else { return false }
        return open(iv: loadBigEndianUInt64(ivBytes), aad: aad, buffer: buffer, tag: tag)
    }

    /// Convenience for non-hot paths: returns ciphertext ‖ tag.
    public func seal(iv: UInt64, aad: [UInt8], plaintext: [UInt8]) throws(CryptoError) -> [UInt8] {
        var out = plaintext + [UInt8](repeating: 0, count: tagSize)
        let n = plaintext.count
        try out.withMutableBytes { (all: UnsafeMutableRawBufferPointer) throws(CryptoError) in
            try aad.withBytes { (a: UnsafeRawBufferPointer) throws(CryptoError) in
                try seal(iv: iv, aad: a, buffer: UnsafeMutableRawBufferPointer(rebasing: all[..<n]),
                         tag: UnsafeMutableRawBufferPointer(rebasing: all[n...]))
            }
        }
        return out
    }

    /// Convenience for non-hot paths: takes ciphertext ‖ tag, returns the plaintext or nil.
    public func open(iv: UInt64, aad: [UInt8], sealed: [UInt8]) -> [UInt8]? {
        guard sealed.count >= tagSize else { return nil }
        let n = sealed.count - tagSize
        var buffer = Array(sealed[..<n])
        let tag = Array(sealed[n...])
        let ok = buffer.withUnsafeMutableBytes { b in
            aad.withUnsafeBytes { a in tag.withUnsafeBytes { t in open(iv: iv, aad: a, buffer: b, tag: t) } }
        }
        return ok ? buffer : nil
    }
}

/// A block cipher in CBC mode without padding (AES-CBC, RFC 3602), keyed for one SA direction.
///
/// Invariant: `encrypt`/`decrypt` transform exactly `buffer.count` bytes in place, which must be
/// a multiple of `blockSize`, with the given IV (`ivSize` bytes); they add or strip no padding.
public protocol BlockCipher: AnyObject {
    var keySize: Int { get }
    var blockSize: Int { get }
    var ivSize: Int { get }
    func encrypt(iv: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer) throws(CryptoError)
    func decrypt(iv: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer) throws(CryptoError)
}

extension BlockCipher {
    /// Convenience for non-hot paths.
    public func encrypt(iv: [UInt8], _ plaintext: [UInt8]) throws(CryptoError) -> [UInt8] {
        try transform(iv: iv, plaintext, encrypt: true)
    }

    /// Convenience for non-hot paths.
    public func decrypt(iv: [UInt8], _ ciphertext: [UInt8]) throws(CryptoError) -> [UInt8] {
        try transform(iv: iv, ciphertext, encrypt: false)
    }

    private func transform(iv: [UInt8], _ input: [UInt8], encrypt: Bool) throws(CryptoError) -> [UInt8] {
        var buffer = input
        try buffer.withMutableBytes { (b: UnsafeMutableRawBufferPointer) throws(CryptoError) in
            try iv.withBytes { (i: UnsafeRawBufferPointer) throws(CryptoError) in
                if encrypt { try self.encrypt(iv: i, buffer: b) } else { try self.decrypt(iv: i, buffer: b) }
            }
        }
        return buffer
    }
}

/// A truncated-HMAC integrity transform (RFC 2404, RFC 4868) keyed for one SA direction.
///
/// Invariant: `compute` writes exactly `icvSize` bytes, the leftmost bytes of the HMAC.
public protocol Integrity: AnyObject {
    var algorithm: IntegrityAlgorithm { get }
    var keySize: Int { get }
    var icvSize: Int { get }
    /// The truncated HMAC of `data` into `icv` (`icv.count == icvSize`).
    func compute(data: UnsafeRawBufferPointer, icv: UnsafeMutableRawBufferPointer)
}

extension Integrity {
    /// Constant-time check of `icv` against the ICV of `data`; no heap allocation.
    public func verify(data: UnsafeRawBufferPointer, icv: UnsafeRawBufferPointer) -> Bool {
        guard icv.count == icvSize else { return false }
        return withUnsafeTemporaryAllocation(byteCount: icvSize, alignment: 16) { expected in
            compute(data: data, icv: expected)
            let equal = constantTimeEqual(UnsafeRawBufferPointer(expected), icv)
            zeroize(expected)
            return equal
        }
    }

    /// Convenience for non-hot paths.
    public func compute(_ data: [UInt8]) -> [UInt8] {
        var icv = [UInt8](repeating: 0, count: icvSize)
        data.withUnsafeBytes { d in icv.withUnsafeMutableBytes { compute(data: d, icv: $0) } }
        return icv
    }

    /// Convenience for non-hot paths.
    public func verify(_ data: [UInt8], icv: [UInt8]) -> Bool {
        data.withUnsafeBytes { d in icv.withUnsafeBytes { verify(data: d, icv: $0) } }
    }
}

/// One side of a Diffie-Hellman exchange with a private key chosen at creation.
///
/// Invariants: `publicValue` is in IKEv2 wire format (MODP: big-endian, left-padded to the
/// prime length; ECP: x ‖ y each padded to the field size, RFC 5903 §7; Curve25519: 32 bytes,
/// RFC 8031 §2); `sharedSecret` validates the peer value first (RFC 6989, RFC 5903, RFC 8031
/// §2.1) and returns g^ir in its fixed-length form (`group.sharedSecretSize` bytes).
public protocol KeyExchange: AnyObject {
    var group: DHGroup { get }
    var publicValue: [UInt8] { get }
    func sharedSecret(peerPublicValue: [UInt8]) throws(CryptoError) -> SecretBytes
}

/// Reads 8 bytes as a big-endian integer.
@inlinable
public func loadBigEndianUInt64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var value: UInt64 = 0
    for i in 0..<8 { value = value << 8 | UInt64(bytes[i]) }
    return value
}

/// Writes `value` as 8 big-endian bytes.
@inlinable
public func storeBigEndianUInt64(_ value: UInt64, into bytes: UnsafeMutableRawBufferPointer) {
    for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64(i))) }
}
