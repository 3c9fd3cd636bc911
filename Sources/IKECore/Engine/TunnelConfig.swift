import IKECrypto
import IKEWire

/// A lifetime with the strongSwan/AWS rekey model: the SA is replaced `margin` (plus a random
/// part of up to `fuzz × margin`) before it expires, and deleted when `time` runs out.
/// Invariant: `0 <= fuzz <= 1`; the rekey point is never earlier than one second after start.
public struct Lifetime: Hashable, Sendable {
    /// Hard limit: the SA is deleted at this age.
    public var time: Duration
    /// Rekey this long before the hard limit (AWS: 270 s).
    public var margin: Duration
    /// Fraction of `margin` added at random to it (AWS: 1.0, i.e. 100 %).
    public var fuzz: Double
    /// Hard limits by volume (Child SAs only); the soft limits scale by the same margin ratio.
    public var bytes: UInt64?
    public var packets: UInt64?

    public init(time: Duration, margin: Duration, fuzz: Double = 1.0, bytes: UInt64? = nil, packets: UInt64? = nil) {
        self.time = time
        self.margin = margin
        self.fuzz = min(1, max(0, fuzz))
        self.bytes = bytes
        self.packets = packets
    }

    /// The age at which to rekey: `time − margin − u × fuzz × margin`, u uniform in [0, 1).
    public func rekeyAge(random: some RandomSource) -> Duration {
        let extra = margin.inMilliseconds * fuzz * random.unitInterval()
        let ms = time.inMilliseconds - margin.inMilliseconds - extra
        return .milliseconds(Int64(max(1000, ms.rounded())))
    }

    /// The soft volume limit for a hard one: reduced by the same share the time margin takes.
    public func softLimit(_ hard: UInt64?) -> UInt64? {
        guard let hard else { return nil }
        let share = margin.inMilliseconds / max(1, time.inMilliseconds)
        return UInt64(Double(hard) * max(0.01, 1 - share))
    }

}

/// What to do when a liveness check (DPD) finds the peer dead (RFC 7296 §2.4).
public enum DPDAction: String, Hashable, Sendable, CaseIterable {
    /// Delete the IKE SA and its Child SAs and stay down.
    case clear
    /// Delete them and initiate again at once.
    case restart
    /// Log it and keep the SAs (AWS's "none").
    case none
}

/// One tunnel as the core sees it: who the peer is, how to authenticate, what to negotiate.
/// The daemon builds it from the configuration file; defaults mirror strongSwan's.
/// Invariant: proposal lists are non-empty and were produced by `ProposalParser`; `psk` is never
/// logged (SecretBytes has no content in its description).
public struct TunnelConfig: Sendable, Equatable {
    public var name: String
    /// Our address and IKE port (normally 500).
    public var local: Endpoint
    /// The peer's address and port; nil accepts any peer (responder only).
    public var remote: Endpoint?
    public var localID: Identification
    /// The identity the peer must prove; nil accepts any.
    public var remoteID: Identification?
    /// Put `remoteID` in IKE_AUTH as IDr, asking the responder for that identity (RFC 7296 §3.5).
    public var sendRemoteID: Bool = true
    public var psk: SecretBytes
    public var ikeProposals: [ProposalSpec]
    public var espProposals: [ProposalSpec]
    /// ESP proposals accepted as responder when they differ from the offered ones (Azure accepts
    /// PFS it never offers); nil = `espProposals`.
    public var espAccepted: [ProposalSpec]?
    /// Who may start the first exchange (Azure's connection mode); rekeys are always allowed.
    public var initiation: InitiationPolicy = .both
    /// Azure's UsePolicyBasedTrafficSelectors: as responder, the peer's selectors must cover
    /// every configured local × remote prefix pair, not just overlap them.
    public var requireEveryPrefixPair: Bool = false
    public var localTS: [TrafficSelector]
    public var remoteTS: [TrafficSelector]
    public var ikeLifetime: Lifetime
    public var childLifetime: Lifetime
    /// Idle time before a liveness check; nil disables DPD.
    public var dpdDelay: Duration?
    /// Give up on a liveness check after this long (nil: the retransmission schedule decides).
    public var dpdTimeout: Duration?
    public var dpdAction: DPDAction
    /// Offer RFC 7383 fragmentation and fragment our messages above `fragmentSize` bytes.
    public var fragmentation: Bool
    public var fragmentSize: Int
    /// Always use UDP encapsulation on port 4500, as if behind a NAT.
    public var forceEncapsulation: Bool
    /// Interval of NAT keepalives when we are behind a NAT (RFC 3948 §4).
    public var natKeepalive: Duration
    public var retransmit: RetransmitSchedule
    /// Send INITIAL_CONTACT in our first IKE_AUTH (RFC 7296 §2.4).
    public var initialContact: Bool

    public init(name: String, local: Endpoint, remote: Endpoint?, localID: Identification,
                remoteID: Identification?, psk: SecretBytes, ikeProposals: [ProposalSpec],
                espProposals: [ProposalSpec], localTS: [TrafficSelector], remoteTS: [TrafficSelector]) {
        self.name = name
        self.local = local
        self.remote = remote
        self.localID = localID
        self.remoteID = remoteID
        self.psk = psk
        self.ikeProposals = ikeProposals
        self.espProposals = espProposals
        self.localTS = localTS
        self.remoteTS = remoteTS
        ikeLifetime = Lifetime(time: .seconds(4 * 3600), margin: .seconds(600), fuzz: 0.1)
        childLifetime = Lifetime(time: .seconds(3600), margin: .seconds(300), fuzz: 0.1)
        dpdDelay = nil
        dpdTimeout = nil
        dpdAction = .clear
        fragmentation = true
        fragmentSize = 1280 - 48   // IPv6 minimum MTU less IP and UDP headers, as strongSwan
        forceEncapsulation = false
        natKeepalive = .seconds(20)
        retransmit = RetransmitSchedule()
        initialContact = true
    }
}

/// Who starts a tunnel's first exchange (Azure's "connection mode").
public enum InitiationPolicy: String, Hashable, Sendable, CaseIterable {
    /// Either side (Azure's Default).
    case both
    /// We initiate; IKE_SA_INIT requests from the peer are dropped (InitiatorOnly).
    case initiatorOnly
    /// We never initiate; the peer must (ResponderOnly).
    case responderOnly
}

/// Engine-wide limits, shared by every tunnel.
public struct EngineSettings: Sendable {
    /// Half-open IKE SAs at which responders start demanding cookies (RFC 7296 §2.6).
    public var cookieThreshold: Int = 10
    /// Half-open IKE SAs allowed in total and per peer address; beyond, IKE_SA_INIT is dropped.
    public var halfOpenLimit: Int = 1000
    public var halfOpenPerPeerLimit: Int = 20
    /// A responder's IKE SA that sees no IKE_AUTH within this time is dropped.
    public var halfOpenTimeout: Duration = .seconds(30)
    /// Delay before retrying after TEMPORARY_FAILURE (a random part of it is added).
    public var retryDelay: Duration = .seconds(2)
    /// Log records below this level are not made (their text is never formatted).
    public var logLevel: LogRecord.Level = .debug
    /// How late the frequent idle timers (DPD, NAT keepalives) may be served, so that one
    /// wake-up serves every such timer due within it: with many tunnels the daemon (which sets
    /// 1 s) then wakes about once per slack for them, not once per tunnel. Retransmits, rekeys,
    /// lifetimes and the other exact timers are never late. Zero (exact) by default.
    public var timerSlack: Duration = .zero

    public init() {}
}
