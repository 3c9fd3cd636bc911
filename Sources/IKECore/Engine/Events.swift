import IKECrypto
import IKEWire

/// Names one IKE SA by its SPI pair (RFC 7296 §2.6); `tunnel` is the config it belongs to.
public struct IKESAID: Hashable, Sendable, CustomStringConvertible {
    public var tunnel: String
    public var spiI: UInt64
    public var spiR: UInt64
    public var description: String {
        "\(tunnel)[\(hex(spiI))_i \(hex(spiR))_r]"
    }
}

/// Names one Child SA pair by its ESP SPIs: `inbound` is the SPI we chose (the peer sends with
/// it), `outbound` the SPI the peer chose.
public struct ChildSAID: Hashable, Sendable, CustomStringConvertible {
    public var tunnel: String
    public var inbound: UInt32
    public var outbound: UInt32
    public var description: String {
        "\(tunnel){\(hex(inbound))_i \(hex(outbound))_o}"
    }
}

/// Everything the datapath needs to install a Child SA pair (DESIGN §1: keys reach ESPCore only
/// through events). Invariant: `inboundKeys` decrypt what the peer's `outboundKeys` encrypt.
public struct ChildSAInfo: Sendable {
    public var id: ChildSAID
    public var ikeSA: IKESAID
    public var suite: CryptoSuite
    public var esn: Bool
    /// Encryption key (with salt for AEADs) and integrity key (empty for AEADs), per direction.
    public var inboundKeys: (encryption: SecretBytes, integrity: SecretBytes)
    public var outboundKeys: (encryption: SecretBytes, integrity: SecretBytes)
    public var localTS: [TrafficSelector]
    public var remoteTS: [TrafficSelector]
    /// Soft (rekey) and hard (delete) limits by volume, for the datapath to count against.
    public var softBytes: UInt64?
    public var hardBytes: UInt64?
    public var softPackets: UInt64?
    public var hardPackets: UInt64?
    /// Where ESP goes: UDP-encapsulated on these endpoints (RFC 3948) or raw ESP between the addresses.
    public var local: Endpoint
    public var remote: Endpoint
    public var udpEncapsulation: Bool
    /// We initiated the exchange that made it: the peer already has it installed, so outbound
    /// traffic may use it at once (a responder waits for the peer's first packet or the old
    /// pair's deletion, make-before-break).
    public var weInitiated: Bool
}

/// A snapshot of an IKE SA for status output.
public struct IKESAInfo: Sendable {
    public var id: IKESAID
    public var local: Endpoint
    public var remote: Endpoint
    public var localID: Identification
    public var remoteID: Identification
    public var proposal: String
    public var isOriginalInitiator: Bool
    public var udpEncapsulation: Bool
}

/// Why an IKE or Child SA could not be made or was lost; `detail` is for logs and status.
public struct FailureReason: Hashable, Sendable, CustomStringConvertible {
    /// The broad cause, for counters and cloud-console-like status.
    public enum Kind: String, Hashable, Sendable {
        case noProposalChosen, invalidKE, authenticationFailed, identityMismatch, tsUnacceptable
        case peerUnreachable, deadPeer, deletedByPeer, expired, protocolError, internalError
        case temporaryFailure, childSANotFound, terminatedLocally
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue): \(detail)" }

    /// The reason a peer's error Notify stands for.
    init(notify: NotifyType, from source: String) {
        let kind: Kind = switch notify {
        case .noProposalChosen: .noProposalChosen
        case .invalidKEPayload: .invalidKE
        case .authenticationFailed: .authenticationFailed
        case .tsUnacceptable: .tsUnacceptable
        case .temporaryFailure: .temporaryFailure
        case .childSANotFound: .childSANotFound
        default: .protocolError
        }
        self.init(kind, "\(source) sent \(notify)")
    }
}

/// What the core asks the daemon to do or tells it happened (DESIGN §2).
public enum IKEEvent: Sendable {
    case ikeSAEstablished(IKESAInfo)
    /// The IKE SA was replaced by `new` (RFC 7296 §2.18); its Child SAs moved there.
    case ikeSARekeyed(old: IKESAID, new: IKESAInfo)
    case ikeSADeleted(IKESAID, reason: FailureReason?)
    /// The tunnel has no IKE SA after an attempt to make one, or after losing it.
    case ikeSAFailed(tunnel: String, reason: FailureReason)
    /// Install this Child SA pair (from IKE_AUTH or a CREATE_CHILD_SA for a new one).
    case childSAInstalled(ChildSAInfo)
    /// Install `new` as the successor of `old`; `old` stays until its `childSADeleted`.
    case childSARekeyed(old: ChildSAID, new: ChildSAInfo)
    case childSADeleted(ChildSAID, reason: FailureReason?)
    case childSAFailed(tunnel: String, reason: FailureReason)
    /// Send IKE and ESP between these endpoints from now on, UDP-encapsulated or not.
    case encapsulationChanged(IKESAID, local: Endpoint, remote: Endpoint, udpEncapsulation: Bool)
}

/// A log line from the core; the daemon forwards it to swift-log. Never contains key material.
public struct LogRecord: Hashable, Sendable, CustomStringConvertible {
    public enum Level: Int, Hashable, Sendable, Comparable {
        case debug, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    public var level: Level
    public var tunnel: String
    public var message: String
    public var description: String { "[\(tunnel)] \(message)" }
}

/// Why an incoming datagram was dropped; every drop is counted (issue 10 reads the counters).
public enum DropReason: String, Hashable, Sendable, CaseIterable {
    case malformed, unknownSPI, noMatchingTunnel, integrityCheckFailed, unexpectedResponse
    case oldRequest, futureRequest, fragmentDropped, halfOpenLimit, badCookie, unexpectedExchange
    case invalidInitRequest
    /// IKE_SA_INIT from the peer of a tunnel whose connection mode is InitiatorOnly.
    case initiatorOnly
    /// IKE_SA_INIT without a valid cookie while `cookieThreshold` half-open SAs exist: answered
    /// with N(COOKIE) and no state kept (RFC 7296 §2.6). Not an error; counted so a flood shows.
    case cookieRequired
    /// The IKE header's Length is not the datagram's size: a truncated or oversized message
    /// (RFC 7296 §3.1). Shorter than a header (28 bytes) or another version is `malformed`.
    case lengthMismatch
}
