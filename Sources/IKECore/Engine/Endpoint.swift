/// One side of a UDP flow: an IPv4 (4 bytes) or IPv6 (16 bytes) address in network order and a
/// port. The core never opens sockets; it only names where datagrams come from and go to.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var address: [UInt8]
    public var port: UInt16

    public init(address: [UInt8], port: UInt16) {
        self.address = address
        self.port = port
    }

    /// IKE's ports (RFC 7296 §2, RFC 3948 §1).
    public static let ikePort: UInt16 = 500
    public static let natTraversalPort: UInt16 = 4500

    /// The same address on another port.
    public func withPort(_ p: UInt16) -> Endpoint { Endpoint(address: address, port: p) }

    public var description: String {
        let host = Self.text(address)
        return address.count == 16 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Parses an IPv4 or IPv6 address (RFC 4291 §2.2 text) into network-order bytes.
    public static func address(parsing text: String) throws(TrafficSelectorParseError) -> [UInt8] {
        try AddressText.parse(Substring(text))
    }

    /// An address as text (dotted quad, or RFC 5952 IPv6).
    public static func text(_ address: [UInt8]) -> String { AddressText.format(address) }
}

/// A datagram the core received or wants sent. `bytes` is the IKE message itself: the
/// daemon strips and adds the four-byte non-ESP marker on port 4500 (RFC 3948 §2.2).
public struct Datagram: Hashable, Sendable {
    /// What the bytes are, so the daemon knows how to frame them.
    public enum Kind: Hashable, Sendable {
        case ike
        /// A one-octet 0xFF NAT-keepalive (RFC 3948 §2.3), sent without a non-ESP marker.
        case natKeepalive
    }

    public var source: Endpoint
    public var destination: Endpoint
    public var bytes: [UInt8]
    public var kind: Kind

    public init(source: Endpoint, destination: Endpoint, bytes: [UInt8], kind: Kind = .ike) {
        self.source = source
        self.destination = destination
        self.bytes = bytes
        self.kind = kind
    }
}
