import Foundation
import IKECore

/// `--format json`: the same facts as the other formats, for scripts. Keys are snake_case and
/// sorted, so the same settings always give the same bytes. Sides are named for who they are:
/// `peer` is the side the export is for, `iked` is us. Invariant: `psk` is present only with
/// secrets (as `psk_hex` when the key is not printable ASCII).
enum JSONExport {
    struct Document: Encodable {
        var formatVersion = 1
        var tunnels: [Tunnel]
        enum CodingKeys: String, CodingKey { case formatVersion = "format_version", tunnels }
    }

    struct Side: Encodable {
        /// nil: any (iked's remote_address or remote_id is unset or %any).
        var address: String?
        var port: UInt16?
        var id: String?
        var trafficSelectors: [String]
        var insideAddresses: [String]
        enum CodingKeys: String, CodingKey {
            case address, port, id, trafficSelectors = "traffic_selectors", insideAddresses = "inside_addresses"
        }
    }

    struct SA: Encodable {
        var proposals: [String]
        var lifetimeSeconds: Int
        var rekeyMarginSeconds: Int
        var rekeyFuzzPercent: Int
        var lifeBytes: UInt64?
        enum CodingKeys: String, CodingKey {
            case proposals, lifetimeSeconds = "lifetime_seconds", rekeyMarginSeconds = "rekey_margin_seconds"
            case rekeyFuzzPercent = "rekey_fuzz_percent", lifeBytes = "life_bytes"
        }
    }

    /// iked's dead peer detection (`iked_dpd`); the peer chooses its own.
    struct DPD: Encodable {
        /// nil: off.
        var delaySeconds: Int?
        var timeoutSeconds: Int?
        var action: String
        enum CodingKeys: String, CodingKey { case delaySeconds = "delay_seconds", timeoutSeconds = "timeout_seconds", action }
    }

    /// BGP over the inside addresses, seen from the peer (`[tunnel.NAME.bgp]`).
    struct BGP: Encodable {
        var peerASN: UInt32
        var ikedASN: UInt32
        var peerAddress: String
        var ikedAddress: String
        var holdTimeSeconds: Int
        var keepaliveSeconds: Int
        var ikedPassive: Bool
        var ikedAnnounces: [String]
        var ikedAccepts: [String]
        enum CodingKeys: String, CodingKey {
            case peerASN = "peer_asn", ikedASN = "iked_asn", peerAddress = "peer_address", ikedAddress = "iked_address"
            case holdTimeSeconds = "hold_time_seconds", keepaliveSeconds = "keepalive_seconds", ikedPassive = "iked_passive"
            case ikedAnnounces = "iked_announces", ikedAccepts = "iked_accepts"
        }
    }

    struct Tunnel: Encodable {
        var name: String
        var ikeVersion = 2
        var authentication = "psk"
        var psk: String?
        var pskHex: String?
        var peer: Side
        var iked: Side
        var ike: SA
        var esp: SA
        var mode = "tunnel"
        var dpd: DPD
        var ikedStartAction: String
        var peerInitiates: Bool
        var encap: Bool
        var fragmentation: Bool
        var routesBehindIked: [String]
        var mtu: Int
        var mssClamp: Int?
        var profile: String?
        var bgp: BGP?
        enum CodingKeys: String, CodingKey {
            case name, ikeVersion = "ike_version", authentication, psk, pskHex = "psk_hex", peer, iked, ike, esp, mode, dpd = "iked_dpd"
            case ikedStartAction = "iked_start_action", peerInitiates = "peer_initiates", encap, fragmentation
            case routesBehindIked = "routes_behind_iked", mtu, mssClamp = "mss_clamp", profile, bgp
        }
    }

    static func render(_ views: [PeerView], includeSecrets: Bool) -> String {
        let doc = Document(tunnels: views.map { tunnel($0, includeSecrets: includeSecrets) })
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Encoding plain strings and numbers cannot fail.
        let data = (try? e.encode(doc)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func tunnel(_ v: PeerView, includeSecrets: Bool) -> Tunnel {
        let ike = v.ike
        var psk: String?, pskHex: String?
        if includeSecrets {
            if let text = ExportSecret.printable(ike.psk) { psk = text } else { pskHex = ExportSecret.hexDigits(ike.psk) }
        }
        let peer = Side(address: v.peerAddress, port: nil, id: v.peerID.map(StrongSwanNames.identity),
                        trafficSelectors: v.peerTS.map(\.notation), insideAddresses: v.insidePairs.compactMap(\.peer))
        let iked = Side(address: v.ikedAddress, port: v.ikedPort, id: StrongSwanNames.identity(v.ikedID),
                        trafficSelectors: v.ikedTS.map(\.notation), insideAddresses: v.insidePairs.map(\.iked))
        return Tunnel(name: v.name, psk: psk, pskHex: pskHex, peer: peer, iked: iked,
                      ike: sa(ike.ikeProposals, ike.ikeLifetime), esp: sa(ike.espProposals, ike.childLifetime),
                      dpd: DPD(delaySeconds: ike.dpdDelay.map(wholeSeconds), timeoutSeconds: ike.dpdTimeout.map(wholeSeconds),
                               action: ike.dpdAction.rawValue),
                      ikedStartAction: v.settings.startAction.rawValue, peerInitiates: v.peerInitiates,
                      encap: ike.forceEncapsulation, fragmentation: ike.fragmentation,
                      routesBehindIked: v.prefixesBehindIked, mtu: v.mtu,
                      mssClamp: v.settings.mssClamp.mss(mtu: v.mtu), profile: v.settings.profile?.rawValue,
                      bgp: v.bgp.map { b in
                          // A bird prefix-set item ("10.2.0.0/16+") says what is accepted most exactly.
                          BGP(peerASN: b.peerASN, ikedASN: b.localASN, peerAddress: Endpoint.text(b.neighbor),
                              ikedAddress: Endpoint.text(b.localAddress), holdTimeSeconds: b.holdTime, keepaliveSeconds: b.keepalive,
                              ikedPassive: b.passive, ikedAnnounces: b.announce.map(\.notation), ikedAccepts: b.accept.map(\.bird))
                      })
    }

    static func sa(_ proposals: [ProposalSpec], _ l: Lifetime) -> SA {
        SA(proposals: proposals.map(StrongSwanNames.proposal), lifetimeSeconds: wholeSeconds(l.time),
           rekeyMarginSeconds: wholeSeconds(l.margin), rekeyFuzzPercent: Int((l.fuzz * 100).rounded()), lifeBytes: l.bytes)
    }
}
