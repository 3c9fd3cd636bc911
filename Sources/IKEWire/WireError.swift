/// A decoding failure with a machine-readable kind and a human-readable detail.
/// Decoders return these for every malformed input; they never trap.
public struct WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, coarse enough for counters and Notify selection.
    public enum Kind: String, Sendable {
        case truncated            // fewer bytes than a length field or fixed header promises
        case badLength            // a length field is impossible (too small, past the end, mismatch)
        case badVersion           // IKE major version is not 2 (RFC 7296 §3.1)
        case badValue             // a field holds a value the RFC forbids
        case unsupportedCritical  // unknown payload with the critical bit set (RFC 7296 §2.5)
        case tooManyPayloads      // payload chain longer than our limit
    }
    public let kind: Kind
    public let detail: String
    /// For `.unsupportedCritical`: the payload type to name in UNSUPPORTED_CRITICAL_PAYLOAD.
    public var payloadType: UInt8?

    public init(_ kind: Kind, _ detail: String, payloadType: UInt8? = nil) {
        self.kind = kind
        self.detail = detail
        self.payloadType = payloadType
    }

    public var description: String { "\(kind.rawValue): \(detail)" }
}
