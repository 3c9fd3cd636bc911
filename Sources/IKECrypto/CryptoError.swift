/// A failure of a cryptographic operation or of a check on peer-supplied crypto input.
///
/// Invariant: `detail` is a human-readable diagnostic that never contains key material,
/// shared secrets or plaintext; it may name lengths, algorithms and library function names.
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for callers that branch on it (IKECore maps these to Notify types).
    public enum Kind: Sendable, Equatable {
        /// A key (or keying material) of the wrong length for the algorithm.
        case invalidKeyLength
        /// A peer's KE public value failed validation (RFC 6989, RFC 5903 §7, RFC 8031 §2.1).
        case invalidPublicValue
        /// An ICV or AEAD tag did not verify.
        case authenticationFailed
        /// An input of the wrong length (short body, not a multiple of the block size, ...).
        case invalidLength
        /// The decrypted Pad Length does not fit in the plaintext (RFC 7296 §3.14).
        case badPadding
        /// The algorithm or group is not implemented.
        case unsupported
        /// The underlying library reported an error.
        case libraryFailure
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String = "") {
        self.kind = kind
        self.detail = detail
    }

    public var description: String {
        detail.isEmpty ? "CryptoError(\(kind))" : "CryptoError(\(kind)): \(detail)"
    }
}
