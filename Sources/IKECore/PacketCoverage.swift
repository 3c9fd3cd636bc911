import IKEWire

/// A Child SA's negotiated selectors from one endpoint's point of view: `local` is the set of our
/// addresses and ports the SA carries, `remote` the peer's. Outbound packets go from local to
/// remote, inbound ones from remote to local. Matching allocates nothing, so the ESP datapath
/// can call it per packet (outbound SA choice, inbound policy check, RFC 4301 §5.1 and §5.2).
public struct TrafficSelectorPair: Hashable, Sendable {
    public var local: [TrafficSelector]
    public var remote: [TrafficSelector]

    public init(local: [TrafficSelector], remote: [TrafficSelector]) {
        self.local = local
        self.remote = remote
    }

    /// From a negotiated TSi/TSr: TSi is the initiator's side (RFC 7296 §2.9).
    public init(initiator: [TrafficSelector], responder: [TrafficSelector], weAreInitiator: Bool) {
        self.init(local: weAreInitiator ? initiator : responder, remote: weAreInitiator ? responder : initiator)
    }

    /// True when a packet we are about to send (source ours, destination the peer's) is covered.
    /// Addresses are the packet's 4 or 16 network-order bytes (an `Array`, `ArraySlice` or an
    /// `UnsafeRawBufferPointer` into the packet buffer). A port is nil when the packet has none
    /// (non-initial fragment, protocols without ports): then only ANY and OPAQUE ports match.
    /// For ICMP, pass (type << 8 | code) as the ports (RFC 7296 §3.13.1).
    @inlinable
    public func coversOutbound<S: Collection<UInt8>, D: Collection<UInt8>>(
        source: S, destination: D, ipProtocol: UInt8, sourcePort: UInt16?, destinationPort: UInt16?
    ) -> Bool {
        Self.anyAdmits(local, source, ipProtocol, sourcePort)
            && Self.anyAdmits(remote, destination, ipProtocol, destinationPort)
    }

    /// True when a packet we received and decrypted (source the peer's, destination ours) is
    /// covered; RFC 4301 §5.2 step 4 drops it otherwise. Arguments as for `coversOutbound`.
    @inlinable
    public func coversInbound<S: Collection<UInt8>, D: Collection<UInt8>>(
        source: S, destination: D, ipProtocol: UInt8, sourcePort: UInt16?, destinationPort: UInt16?
    ) -> Bool {
        Self.anyAdmits(remote, source, ipProtocol, sourcePort)
            && Self.anyAdmits(local, destination, ipProtocol, destinationPort)
    }

    @inlinable
    static func anyAdmits<A: Collection<UInt8>>(_ selectors: [TrafficSelector], _ address: A,
                                                _ ipProtocol: UInt8, _ port: UInt16?) -> Bool {
        for selector in selectors where selector.admits(address: address, ipProtocol: ipProtocol, port: port) {
            return true
        }
        return false
    }
}

extension TrafficSelector {
    /// True when one endpoint of a packet (its address, the packet's protocol, and that
    /// endpoint's port or nil) falls inside this selector. Unknown types admit nothing.
    @inlinable
    public func admits<A: Collection<UInt8>>(address: A, ipProtocol: UInt8, port: UInt16?) -> Bool {
        guard self.ipProtocol == 0 || self.ipProtocol == ipProtocol else { return false }
        // RFC 7296 §3.13.1: 0-65535 is any port; start 65535 / end 0 (OPAQUE) matches only
        // packets whose ports are not available.
        if !(startPort == 0 && endPort == 65535) {
            guard let port else { return startPort == 65535 && endPort == 0 }
            guard startPort <= port, port <= endPort else { return false }
        }
        return Self.address(address, within: startAddress, endAddress)
    }

    /// `start <= address <= end` in big-endian order, in one pass without allocating.
    /// Different lengths (another family, or an unknown selector's empty addresses) never match.
    @inlinable
    static func address<A: Collection<UInt8>>(_ address: A, within start: [UInt8], _ end: [UInt8]) -> Bool {
        guard !start.isEmpty, address.count == start.count, end.count == start.count else { return false }
        var aboveStart = false
        var belowEnd = false
        var i = 0
        for byte in address {
            if !aboveStart {
                if byte < start[i] { return false }
                aboveStart = byte > start[i]
            }
            if !belowEnd {
                if byte > end[i] { return false }
                belowEnd = byte < end[i]
            }
            if aboveStart && belowEnd { return true }
            i += 1
        }
        return true
    }
}
