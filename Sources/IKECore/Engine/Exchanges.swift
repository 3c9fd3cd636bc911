import IKECrypto
import IKEWire

/// The exchange we initiated and wait on; its state is what processing the response needs.
enum PendingExchange {
    case ikeSAInit(InitExchange)
    case ikeAuth(AuthExchange)
    case child(ChildExchange)
    case rekeyIKE(IKERekeyExchange)
    case deleteChildren([UInt32])
    case deleteIKE
    case liveness
    /// An INFORMATIONAL carrying only an error notify; nothing to do with the answer.
    case notifyOnly
}

/// Initiator's IKE_SA_INIT: kept so it can be resent with a cookie or another group.
struct InitExchange {
    var nonce: [UInt8]
    var ke: any DHKeyPair
    var cookie: [UInt8]?
    var proposals: [Proposal]
    var retries = 0
}

/// Initiator's IKE_AUTH, with the Child SA it creates.
struct AuthExchange {
    var child: ChildExchange
}

/// A CREATE_CHILD_SA for a new Child SA, or rekeying the one with inbound SPI `rekeying`
/// (also the Child SA inside IKE_AUTH, without KE).
struct ChildExchange {
    var rekeying: UInt32?
    var spi: UInt32
    var nonce: [UInt8]
    var ke: (any DHKeyPair)?
    var proposals: [Proposal]
    var tsi: [TrafficSelector]
    var tsr: [TrafficSelector]
    var retries = 0
}

/// A CREATE_CHILD_SA rekeying the IKE SA (RFC 7296 §1.3.2): our new SPI, nonce and KE.
struct IKERekeyExchange {
    var spi: UInt64
    var nonce: [UInt8]
    var ke: any DHKeyPair
    var proposals: [Proposal]
    var retries = 0
}

/// The peer rekeyed a Child SA we were rekeying too: its successor and that exchange's nonces.
struct ChildCollision {
    var successor: UInt32
    var nonces: [[UInt8]]
}

/// The peer rekeyed the IKE SA while we were rekeying it too.
struct IKECollision {
    var sa: IKESA
    var nonces: [[UInt8]]
}

/// Payload lookups used by every exchange.
extension Array where Element == Payload {
    var notifies: [Notify] { compactMap { if case .notify(let n) = $0 { n } else { nil } } }
    func notify(_ type: NotifyType) -> Notify? { notifies.first { $0.type == type } }
    /// The first error notify (types below 16384, RFC 7296 §3.10.1).
    var errorNotify: Notify? { notifies.first { $0.type.rawValue < 16384 } }
    var securityAssociation: SecurityAssociation? { firstCase { if case .securityAssociation(let v) = $0 { v } else { nil } } }
    var keyExchange: KEPayload? { firstCase { if case .keyExchange(let v) = $0 { v } else { nil } } }
    var nonce: Nonce? { firstCase { if case .nonce(let v) = $0 { v } else { nil } } }
    var idInitiator: Identification? { firstCase { if case .idInitiator(let v) = $0 { v } else { nil } } }
    var idResponder: Identification? { firstCase { if case .idResponder(let v) = $0 { v } else { nil } } }
    var authentication: Authentication? { firstCase { if case .authentication(let v) = $0 { v } else { nil } } }
    var tsInitiator: [TrafficSelector]? { firstCase { if case .tsInitiator(let v) = $0 { v.selectors } else { nil } } }
    var tsResponder: [TrafficSelector]? { firstCase { if case .tsResponder(let v) = $0 { v.selectors } else { nil } } }
    var deletes: [Delete] { compactMap { if case .delete(let d) = $0 { d } else { nil } } }

    private func firstCase<T>(_ f: (Payload) -> T?) -> T? {
        for p in self { if let v = f(p) { return v } }
        return nil
    }
}

/// Nonce length limits (RFC 7296 §2.10, §3.9): 16 to 256 octets.
func validNonce(_ n: Nonce?) -> [UInt8]? {
    guard let n, (16...256).contains(n.data.count) else { return nil }
    return n.data
}

/// True when a received identity satisfies the configured one (nil accepts any). FQDN and
/// RFC 822 names compare without regard to ASCII case (RFC 7296 §3.5 names are DNS names).
func identity(_ got: Identification, satisfies want: Identification?) -> Bool {
    guard let want else { return true }
    guard got.type == want.type else { return false }
    if got.type == .fqdn || got.type == .rfc822Address {
        func lower(_ b: [UInt8]) -> [UInt8] { b.map { (65...90).contains($0) ? $0 + 32 : $0 } }
        return lower(got.data) == lower(want.data)
    }
    return got.data == want.data
}

/// The two things IKE calls "KeyExchange": our DH key pair and the KE payload on the wire.
typealias DHKeyPair = IKECrypto.KeyExchange
typealias KEPayload = IKEWire.KeyExchange
