import IKECrypto
import IKEWire

/// NAT detection (RFC 7296 §2.23). Each side of IKE_SA_INIT sends
///   N(NAT_DETECTION_SOURCE_IP)      = SHA-1(SPIi | SPIr | source IP | source port)
///   N(NAT_DETECTION_DESTINATION_IP) = SHA-1(SPIi | SPIr | destination IP | destination port)
/// with the SPIs of that message's header (SPIr is zero in the request), and the receiver
/// recomputes both over the addresses the datagram really carried. A source hash that matches
/// nothing means the peer is behind a NAT; a destination hash that does not match means we are.
/// Either way both sides move to UDP port 4500 (§2.23, RFC 3948).
///
/// Pure: hashes come from the `CryptoProvider`, addresses from the caller.
public enum NATDetection {
    /// What the NAT detection notifies of one message say.
    public struct Result: Equatable, Sendable {
        /// Our address or port was rewritten on the way: the peer's destination hash does not
        /// match the endpoint the datagram arrived on. We send keepalives (RFC 3948 §4).
        public var localBehindNAT: Bool
        /// The peer's address or port was rewritten, or the peer pretends so to force UDP
        /// encapsulation: none of its source hashes matches where the datagram came from.
        public var remoteBehindNAT: Bool
        /// The peer sent both notifies, so it supports NAT traversal. When false, the other two
        /// are false too: without the notifies nothing can be concluded.
        public var supported: Bool

        public init(localBehindNAT: Bool = false, remoteBehindNAT: Bool = false, supported: Bool = false) {
            self.localBehindNAT = localBehindNAT
            self.remoteBehindNAT = remoteBehindNAT
            self.supported = supported
        }
    }

    /// SHA-1(SPIi | SPIr | IP address | port), all big-endian (RFC 7296 §2.23): 20 bytes. The
    /// address is 4 bytes for IPv4, 16 for IPv6, as in `Endpoint`.
    public static func hash(provider: some CryptoProvider, spiI: UInt64, spiR: UInt64, endpoint: Endpoint) -> [UInt8] {
        // One array, sized once: eight of these per IKE_SA_INIT exchange.
        var input: [UInt8] = []
        input.reserveCapacity(18 + endpoint.address.count)
        withUnsafeBytes(of: spiI.bigEndian) { input.append(contentsOf: $0) }
        withUnsafeBytes(of: spiR.bigEndian) { input.append(contentsOf: $0) }
        input.append(contentsOf: endpoint.address)
        input.append(UInt8(endpoint.port >> 8))
        input.append(UInt8(truncatingIfNeeded: endpoint.port))
        return provider.digest(.sha1, input)
    }

    /// N(NAT_DETECTION_SOURCE_IP), then N(NAT_DETECTION_DESTINATION_IP), for a message we send
    /// from `source` to `destination` with header SPIs `spiI`/`spiR` (SPIr = 0 in an
    /// IKE_SA_INIT request).
    ///
    /// `fakeSource` forces UDP encapsulation even without a NAT: the source hash is taken over
    /// our address with port 0 (or 1 if our port is itself 0) instead of our real port, so it
    /// can never match and the peer concludes we are behind a NAT. No datagram carries source
    /// port 0 (RFC 768: "no port"), so a real NAT cannot make the fake match by accident. This
    /// is the trick strongSwan uses for `encap = yes` (and when its kernel interface needs UDP
    /// encapsulation); charon's fake hash is over a made-up address rather than our own.
    public static func notifies(provider: some CryptoProvider, spiI: UInt64, spiR: UInt64,
                                source: Endpoint, destination: Endpoint, fakeSource: Bool = false) -> [Notify] {
        let claimedSource = fakeSource ? source.withPort(source.port == 0 ? 1 : 0) : source
        return [
            Notify(.natDetectionSourceIP, data: hash(provider: provider, spiI: spiI, spiR: spiR, endpoint: claimedSource)),
            Notify(.natDetectionDestinationIP, data: hash(provider: provider, spiI: spiI, spiR: spiR, endpoint: destination)),
        ]
    }

    /// Reads the NAT detection notifies of a received message whose header carried `spiI` and
    /// `spiR` (pass SPIr = 0 for an IKE_SA_INIT request, as its sender did), which arrived from
    /// `receivedFrom` on our `receivedOn`.
    ///
    /// The peer supports NAT traversal when it sent at least one of each notify. It is behind a
    /// NAT when none of its SOURCE_IP hashes (a multihomed sender may send one per address,
    /// §2.23) equals hash(receivedFrom); we are behind one when no DESTINATION_IP hash equals
    /// hash(receivedOn). Hashes of the wrong length simply do not match.
    public static func evaluate(provider: some CryptoProvider, spiI: UInt64, spiR: UInt64, notifies: [Notify],
                                receivedFrom: Endpoint, receivedOn: Endpoint) -> Result {
        guard notifies.contains(where: { $0.type == .natDetectionSourceIP }),
              notifies.contains(where: { $0.type == .natDetectionDestinationIP }) else { return Result() }
        let from = hash(provider: provider, spiI: spiI, spiR: spiR, endpoint: receivedFrom)
        let on = hash(provider: provider, spiI: spiI, spiR: spiR, endpoint: receivedOn)
        return Result(localBehindNAT: !notifies.contains { $0.type == .natDetectionDestinationIP && $0.data == on },
                      remoteBehindNAT: !notifies.contains { $0.type == .natDetectionSourceIP && $0.data == from },
                      supported: true)
    }
}

/// A NAT mapping change seen first in ESP (RFC 7296 §2.23, RFC 3948): a peer behind a NAT that
/// only sends ESP would otherwise be followed only at its next IKE message (its DPD or a rekey).
extension IKESA {
    /// Authenticated ESP on one of our UDP-encapsulated Child SAs came from `source`, not from
    /// the peer's known address. ESP authenticates the packet but is no IKE message, so the IKE
    /// SA does not move on it: a liveness check goes out at once, to the known address and to
    /// `source`, and the authenticated answer moves the SA (`noteAuthentic`). (strongSwan moves
    /// at once on the kernel's mapping report; the answer costs a round trip and keeps an ESP
    /// packet re-sent from elsewhere from redirecting the tunnel.) NAT keepalives never get here.
    func espArrived(from source: Endpoint, now: Duration) {
        guard udpEncapsulation, state.isUsable, source != remote, source.port != Endpoint.ikePort,
              source.address.count == remote.address.count, probe != source else { return }
        log(.info, "ESP from \(source), the peer is at \(remote): checking the new address (liveness check)")
        probe = source
        if pending == nil {
            enqueue(.liveness, front: true)
            startNextTask(now: now)
        } else if let datagrams = requests.outstanding?.datagrams {
            // An exchange is outstanding: its request goes to the new address now, not at its next retransmission.
            for d in datagrams { context.transmits.append(Datagram(source: local, destination: source, bytes: d)) }
        }
    }
}
