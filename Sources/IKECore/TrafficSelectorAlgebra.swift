import IKEWire

/// Set operations on traffic selectors (RFC 7296 §3.13.1, RFC 4301 §4.4.1.1): a selector is the
/// set of (address, protocol, port) triples it admits. Only well-formed selectors of the known
/// types take part: anything else intersects nothing and contains nothing.
extension TrafficSelector {
    /// Address length in bytes for the known range types, nil for unknown types.
    public var addressLength: Int? {
        switch type {
        case .ipv4AddressRange: 4
        case .ipv6AddressRange: 16
        default: nil
        }
    }

    /// A known type, both addresses of that type's length, start <= end (RFC 7296 §3.13.1),
    /// and a port range with start <= end or the OPAQUE marker (start 65535, end 0).
    public var isWellFormed: Bool {
        guard let length = addressLength, startAddress.count == length, endAddress.count == length else {
            return false
        }
        return AddressBytes.compare(startAddress, endAddress) <= 0 && ports.isValid
    }

    /// True for "all protocols, all ports" (protocol 0, ports 0-65535).
    public var isAnyProtocolAndPort: Bool { ipProtocol == 0 && ports.isAny }

    var ports: PortSpan { PortSpan(start: startPort, end: endPort) }

    /// The selector admitting exactly what both admit, or nil when that is empty: different or
    /// unknown types, disjoint address or port ranges, or different non-zero protocols
    /// (protocol 0 means any and yields the other side's protocol).
    public func intersection(_ other: TrafficSelector) -> TrafficSelector? {
        guard isWellFormed, other.isWellFormed, type == other.type else { return nil }
        guard let proto = Self.intersectProtocol(ipProtocol, other.ipProtocol),
              let span = ports.intersection(other.ports) else { return nil }
        let start = AddressBytes.max(startAddress, other.startAddress)
        let end = AddressBytes.min(endAddress, other.endAddress)
        guard AddressBytes.compare(start, end) <= 0 else { return nil }
        return TrafficSelector(type: type, ipProtocol: proto, startPort: span.start, endPort: span.end,
                               startAddress: start, endAddress: end)
    }

    /// True when every triple `other` admits is admitted by `self` (subset; equal counts).
    /// A malformed `other` is contained in nothing.
    public func contains(_ other: TrafficSelector) -> Bool {
        guard isWellFormed, other.isWellFormed, type == other.type else { return false }
        guard ipProtocol == 0 || ipProtocol == other.ipProtocol else { return false }
        return ports.contains(other.ports)
            && AddressBytes.compare(startAddress, other.startAddress) <= 0
            && AddressBytes.compare(other.endAddress, endAddress) <= 0
    }

    /// True when the two selectors admit at least one common triple.
    public func overlaps(_ other: TrafficSelector) -> Bool { intersection(other) != nil }

    static func intersectProtocol(_ a: UInt8, _ b: UInt8) -> UInt8? {
        if a == 0 { return b }
        if b == 0 || a == b { return a }
        return nil
    }
}

/// A selector's port range with the two special values of RFC 7296 §3.13.1: ANY (0-65535) and
/// OPAQUE (start 65535, end 0: "ports not available", e.g. non-initial fragments). ANY admits
/// OPAQUE; OPAQUE admits only OPAQUE; any other start > end is empty and invalid.
struct PortSpan: Equatable {
    var start: UInt16
    var end: UInt16

    static let any = PortSpan(start: 0, end: 65535)
    static let opaque = PortSpan(start: 65535, end: 0)

    var isAny: Bool { self == .any }
    var isOpaque: Bool { self == .opaque }
    var isValid: Bool { start <= end || isOpaque }

    func intersection(_ other: PortSpan) -> PortSpan? {
        guard isValid, other.isValid else { return nil }
        if isAny { return other }
        if other.isAny { return self }
        if isOpaque || other.isOpaque { return isOpaque && other.isOpaque ? self : nil }
        let lo = Swift.max(start, other.start)
        let hi = Swift.min(end, other.end)
        return lo <= hi ? PortSpan(start: lo, end: hi) : nil
    }

    func contains(_ other: PortSpan) -> Bool {
        guard isValid, other.isValid else { return false }
        if isAny { return true }
        if isOpaque || other.isOpaque { return isOpaque && other.isOpaque }
        return start <= other.start && other.end <= end
    }
}
