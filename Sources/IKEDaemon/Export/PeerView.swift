import ESPCore
import IKECore
import IKECrypto
import IKEWire

/// One tunnel seen from the other end: every address, identity and selector of `TunnelSettings`
/// swapped, so each renderer only writes, never mirrors. "peer" is the side the exported text is
/// for; "iked" is us. Invariant: built only from validated settings; the PSK stays inside
/// `settings` and is read only through `ExportSecret`.
struct PeerView {
    let settings: TunnelSettings

    var name: String { settings.name }
    var ike: TunnelConfig { settings.ike }

    /// The peer's own address: our `remote_address`; nil when we accept any peer (`%any`).
    var peerAddress: String? { ike.remote.map { Endpoint.text($0.address) } }
    /// Where the peer must send IKE: our `local_address` (and our port, if not 500).
    var ikedAddress: String { Endpoint.text(ike.local.address) }
    var ikedPort: UInt16 { ike.local.port }
    /// The identity the peer must send: our `remote_id`; nil means we accept any.
    var peerID: Identification? { ike.remoteID }
    /// The identity the peer must expect from us: our `local_id`.
    var ikedID: Identification { ike.localID }
    /// The peer's networks are our `remote_ts`; ours are our `local_ts`.
    var peerTS: [TrafficSelector] { ike.remoteTS }
    var ikedTS: [TrafficSelector] { ike.localTS }

    /// Prefixes the peer routes into the tunnel: our local selectors as CIDR blocks.
    var prefixesBehindIked: [String] {
        ike.localTS.flatMap(\.coveringPrefixes).map { Endpoint.text($0.address) + "/\($0.length)" }
    }

    /// Who starts the tunnel. With our `start_action = add` we wait for the peer (as AWS waits
    /// for the customer gateway), so the peer must initiate; with `start` we initiate, and with
    /// `none` our operator does (`ikectl up`), so the peer waits.
    var peerInitiates: Bool { settings.startAction == .add }

    /// Our inside addresses, each with the peer's: the other host of a /30, /31, /126 or /127
    /// (AWS: iked as the gateway has .1, the customer .2). nil when the prefix has more hosts.
    var insidePairs: [(iked: String, peer: String?)] {
        settings.insideAddresses.map { a in
            ("\(Endpoint.text(a.address))/\(a.prefix)", Self.otherHost(a.address, prefix: a.prefix).map { "\(Endpoint.text($0))/\(a.prefix)" })
        }
    }

    /// The other usable host of a two-host network; nil for larger networks or a network or
    /// broadcast address of a /30.
    static func otherHost(_ address: [UInt8], prefix: Int) -> [UInt8]? {
        guard var last = address.last else { return nil }
        switch address.count * 8 - prefix {
        case 1: last ^= 1
        case 2:
            switch last & 3 {
            case 1: last = last & ~3 | 2
            case 2: last = last & ~3 | 1
            default: return nil
            }
        default: return nil
        }
        var out = address
        out[out.count - 1] = last
        return out
    }

    /// The tunnel MTU: ours when set, else what our first ESP proposal carries in a 1500-byte
    /// packet (ESPPathMTU, the same number the datapath derives), UDP-encapsulated when `encap`.
    var mtu: Int {
        if let m = settings.mtu { return m }
        guard let p = ike.espProposals.first, let c = p.ciphers.first,
              let enc = EncryptionAlgorithm(rawValue: c.id.rawValue) else { return ESPPathMTU.safeStart }
        let integrity = p.integrity.first.flatMap { IntegrityAlgorithm(rawValue: $0.rawValue) }
        return ESPPathMTU.largestInnerPacket(encryption: enc, integrity: integrity,
                                             outerIPv6: ike.local.address.count == 16,
                                             udpEncapsulated: ike.forceEncapsulation)
    }

    /// The TCP MSS to clamp to (IPv4): ours, or MTU − 40 when we do not clamp (the peer should).
    var mss: Int { settings.mssClamp.mss(mtu: mtu) ?? mtu - 40 }

    init(_ settings: TunnelSettings) { self.settings = settings }
}

/// Whole seconds of a duration, for configuration files that count in seconds.
func wholeSeconds(_ d: Duration) -> Int { Int(d.components.seconds) }

/// One of our lifetimes in strongSwan's terms: rekey at `rekey` minus up to `rand`, hard limit
/// `life` (= rekey + over). Invariant: `life > rekey > rand >= 0`, which strongSwan requires
/// (it refuses or rewrites a life_time not above rekey_time).
struct SwanLifetime: Equatable {
    var rekey: Int
    var life: Int
    var rand: Int
    var over: Int { life - rekey }

    /// Our model is rekey at `time − margin − u × fuzz × margin` (docs/configuration.md §6), the
    /// same as strongSwan's with rekey_time = time − margin and rand_time = fuzz × margin. A zero
    /// margin (allowed by iked) would make life = rekey, so it becomes a tenth of the lifetime,
    /// strongSwan's own default ratio.
    init(_ l: Lifetime) {
        let time = max(2, wholeSeconds(l.time))
        var margin = wholeSeconds(l.margin)
        if margin <= 0 { margin = max(1, time / 10) }
        margin = min(margin, time - 1)
        rekey = time - margin
        life = time
        rand = min(Int((Double(margin) * l.fuzz).rounded(.down)), rekey - 1)
    }
}
