import COpenSSL
import IKECrypto

/// An owned BIGNUM, cleared (BN_clear_free) when released since it may hold a private key.
///
/// Invariant: `raw` is valid for the object's lifetime and freed exactly once.
final class BigNum {
    let raw: OpaquePointer

    init() throws(CryptoError) {
        guard let raw = BN_new() else { throw libraryFailure("BN_new") }
        self.raw = raw
    }

    /// A big-endian unsigned integer.
    convenience init(bytes: UnsafeRawBufferPointer) throws(CryptoError) {
        try self.init()
        guard BN_bin2bn(nonNullBase(bytes), Int32(bytes.count), raw) != nil else {
            throw libraryFailure("BN_bin2bn")
        }
    }

    convenience init(bytes: [UInt8]) throws(CryptoError) {
        let made: Result<BigNum, CryptoError> = bytes.withUnsafeBytes { b in
            Result { () throws(CryptoError) -> BigNum in try BigNum(bytes: b) }
        }
        try self.init(taking: made.get())
    }

    /// Moves the value of `other` into a new object.
    private init(taking other: BigNum) throws(CryptoError) {
        guard let raw = BN_dup(other.raw) else { throw libraryFailure("BN_dup") }
        self.raw = raw
    }

    deinit { BN_clear_free(raw) }

    /// Big-endian, left-padded with zeros to `length` bytes (RFC 7296 §3.4, RFC 5903 §7).
    func bytes(paddedTo length: Int) throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        let n = out.withUnsafeMutableBytes { BN_bn2binpad(raw, $0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(length)) }
        guard n == length else { throw CryptoError(.libraryFailure, "BN_bn2binpad: value longer than \(length) bytes") }
        return out
    }

    /// Like `bytes(paddedTo:)` but into zeroizing storage (shared secrets).
    func secretBytes(paddedTo length: Int) throws(CryptoError) -> SecretBytes {
        let out = SecretBytes(count: length)
        let n = out.withUnsafeMutableBytes { BN_bn2binpad(raw, $0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(length)) }
        guard n == length else { throw CryptoError(.libraryFailure, "BN_bn2binpad: value longer than \(length) bytes") }
        return out
    }
}

/// An owned BN_CTX scratch area for one operation.
final class BigNumContext {
    let raw: OpaquePointer

    init() throws(CryptoError) {
        guard let raw = BN_CTX_new() else { throw libraryFailure("BN_CTX_new") }
        self.raw = raw
    }

    deinit { BN_CTX_free(raw) }
}
