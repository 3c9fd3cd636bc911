import IKEWire

/// Why a negotiation step failed, with the Notify the peer should receive (RFC 7296 §3.10.1)
/// and a message for logs and `ikectl status`. Never carries key material.
public struct NegotiationError: Error, Equatable, Sendable, CustomStringConvertible {
    public let notify: NotifyType
    public let detail: String

    public init(_ notify: NotifyType, _ detail: String) {
        self.notify = notify
        self.detail = detail
    }

    public var description: String { "\(notify): \(detail)" }
}
