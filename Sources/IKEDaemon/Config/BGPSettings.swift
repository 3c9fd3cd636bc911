import IKECore

/// `[tunnel.NAME.bgp]`: one eBGP session over the tunnel's inside addresses, spoken by BIRD 2
/// from the fragment `BirdConfig` writes (docs/routing.md). Invariant: every field was checked by
/// `BGPReader`: both ASNs in 1…4294967295 and different, 3 ≤ hold time, 1 ≤ keepalive < hold
/// time, `localAddress` is one of the tunnel's IPv4 inside addresses and `neighbor` another
/// address of its network, every prefix IPv4.
public struct BGPSettings: Sendable, Equatable {
    public var localASN: UInt32
    public var peerASN: UInt32
    /// Seconds. BGP uses the lower of the two sides' hold times.
    public var holdTime: Int
    public var keepalive: Int
    /// Prefixes sent to the peer (BIRD's export filter lets only these out).
    public var announce: [AddressPrefix]
    /// Prefixes taken from the peer, each with the lengths allowed (BIRD's import filter).
    public var accept: [BGPPrefixPattern]
    /// Our inside address, the session's source, and the peer's.
    public var localAddress: [UInt8]
    public var neighbor: [UInt8]
    /// Wait for the peer to connect, never connect ourselves (Azure on APIPA addresses).
    public var passive: Bool
    /// The peer's outside address: a route that covers it is never accepted, since IKE and ESP
    /// to the peer would then be routed into the tunnel they carry.
    public var peerOutsideAddress: [UInt8]?

    public init(localASN: UInt32, peerASN: UInt32, holdTime: Int, keepalive: Int, announce: [AddressPrefix],
                accept: [BGPPrefixPattern], localAddress: [UInt8], neighbor: [UInt8], passive: Bool,
                peerOutsideAddress: [UInt8]? = nil) {
        self.localASN = localASN
        self.peerASN = peerASN
        self.holdTime = holdTime
        self.keepalive = keepalive
        self.announce = announce
        self.accept = accept
        self.localAddress = localAddress
        self.neighbor = neighbor
        self.passive = passive
        self.peerOutsideAddress = peerOutsideAddress
    }
}

/// A prefix and the prefix lengths allowed under it, as BIRD writes a prefix-set item:
/// `10.2.0.0/16+` (the prefix and everything more specific) or `0.0.0.0/0{1,32}` (every IPv4
/// prefix except the default route). Invariant: `prefix.length ≤ lengths.lowerBound` and
/// `lengths.upperBound ≤ 32`.
public struct BGPPrefixPattern: Sendable, Equatable {
    public var prefix: AddressPrefix
    public var lengths: ClosedRange<Int>

    public init(prefix: AddressPrefix, lengths: ClosedRange<Int>) {
        self.prefix = prefix
        self.lengths = lengths
    }

    /// The prefix and every more specific one.
    public init(orLonger prefix: AddressPrefix) {
        self.init(prefix: prefix, lengths: prefix.length...prefix.address.count * 8)
    }

    /// BIRD's prefix-set notation.
    public var bird: String {
        let p = "\(Endpoint.text(prefix.address))/\(prefix.length)"
        let width = prefix.address.count * 8
        if lengths == prefix.length...width { return "\(p)+" }
        if lengths == prefix.length...prefix.length { return p }
        return "\(p){\(lengths.lowerBound),\(lengths.upperBound)}"
    }
}

extension AddressPrefix {
    /// `10.1.0.0/16`.
    public var notation: String { "\(Endpoint.text(address))/\(length)" }
}
