import Foundation

/// The control protocol between `ikectl` and `iked`: one JSON object per line over the unix
/// socket (mode 0600). A request names a command; the daemon answers with one response (for
/// `up` without `no_wait`, once the tunnel is up or has failed).
public struct ControlRequest: Codable, Sendable, Equatable {
    public enum Command: String, Codable, Sendable, CaseIterable {
        case up, down, rekey, reload, list, status, metrics, export
    }

    public var command: Command
    public var tunnel: String?
    /// `up`: answer at once instead of waiting for the Child SA.
    public var noWait: Bool?
    /// `rekey`: which SAs (both when neither is set).
    public var ike: Bool?
    public var child: Bool?
    /// `export`: the configuration format to render for the peer.
    public var format: ExportFormat?
    /// `export`: put the pre-shared key in the text instead of a placeholder.
    public var includeSecrets: Bool?

    public init(_ command: Command, tunnel: String? = nil, noWait: Bool? = nil, ike: Bool? = nil, child: Bool? = nil,
                format: ExportFormat? = nil, includeSecrets: Bool? = nil) {
        self.command = command
        self.tunnel = tunnel
        self.noWait = noWait
        self.ike = ike
        self.child = child
        self.format = format
        self.includeSecrets = includeSecrets
    }

    enum CodingKeys: String, CodingKey {
        case command, tunnel, noWait = "no_wait", ike, child, format, includeSecrets = "include_secrets"
    }
}

/// What `ikectl export` renders: the configuration the OTHER side of a tunnel needs, as a
/// strongSwan swanctl.conf, AWS's "Generic" download text, an Azure PowerShell script, or JSON.
/// The raw values are the command-line and wire spellings.
public enum ExportFormat: String, Codable, Sendable, CaseIterable {
    case swanctl
    case awsGeneric = "aws-generic"
    case azurePowerShell = "azure-powershell"
    case json
}

/// The daemon's answer. `ok` false carries the reason in `message` (e.g. "AUTHENTICATION_FAILED
/// from peer"); `status` and `tunnels` are filled for those commands; for `export`, `message`
/// is the rendered text.
public struct ControlResponse: Codable, Sendable, Equatable {
    public var ok: Bool
    public var message: String
    public var status: StatusReport?
    public var tunnels: [String]?

    public init(ok: Bool, message: String, status: StatusReport? = nil, tunnels: [String]? = nil) {
        self.ok = ok
        self.message = message
        self.status = status
        self.tunnels = tunnels
    }
}

/// `ikectl status --json`: the shape issue 5 fixes (more keys are welcome).
public struct StatusReport: Codable, Sendable, Equatable {
    public var tunnels: [TunnelStatus]
    /// Datagrams the IKE engine dropped since start, by reason (malformed, unknownSPI, ...).
    public var drops: [String: Int]?
    /// ESP packets the datapath dropped since start, by reason (replay, authFailure, badSPI, ...).
    public var espDrops: [String: UInt64]?
    /// Inner packets larger than their SA's path carries, since start: `fragmented` (and the
    /// `fragments` sent for them), `fragmentationNeeded` and `packetTooBig` (ICMP answers written
    /// back into the TUN), `dropped` (neither was possible).
    public var espOversize: [String: UInt64]?
    /// IKE SAs the engine holds in any state (every tunnel, half-open ones included), and of
    /// those the responder SAs waiting for IKE_AUTH (bounded by `half_open_limit`).
    public var ikeSAs: Int?
    public var halfOpenSAs: Int?
    /// `birdc configure` runs that failed since start (tunnels with `bgp`).
    public var birdFailures: Int?
    public init(tunnels: [TunnelStatus], drops: [String: Int]? = nil, espDrops: [String: UInt64]? = nil,
                espOversize: [String: UInt64]? = nil, ikeSAs: Int? = nil, halfOpenSAs: Int? = nil, birdFailures: Int? = nil) {
        self.birdFailures = birdFailures
        self.tunnels = tunnels
        self.drops = drops
        self.espDrops = espDrops
        self.espOversize = espOversize
        self.ikeSAs = ikeSAs
        self.halfOpenSAs = halfOpenSAs
    }

    enum CodingKeys: String, CodingKey {
        case tunnels, drops, espDrops = "esp_drops", espOversize = "esp_oversize"
        case ikeSAs = "ike_sas", halfOpenSAs = "half_open_sas", birdFailures = "bird_failures"
    }
}

/// One tunnel: `state` is `down`, `connecting` or `up`.
public struct TunnelStatus: Codable, Sendable, Equatable {
    public var name: String
    public var state: String
    public var localAddress: String
    public var remoteAddress: String
    public var ikeSA: IKESAStatus?
    public var childSAs: [ChildSAStatus]
    public var lastError: String?
    /// The tunnel interface's MTU now (set, or derived from the Child SA); nil without one.
    public var mtu: Int?
    /// The cloud profile (`aws`, `azure`, `azure-vwan`), which decides how `state` is shown.
    public var profile: String?
    /// The `[connection.NAME]` the tunnel belongs to, and whether its routes are the preferred
    /// ones now (failover).
    public var connection: String?
    public var preferred: Bool?
    /// The BGP session over the inside addresses (`[tunnel.NAME.bgp]`); nil for static routing.
    public var bgp: BGPStatus?

    public init(name: String, state: String, localAddress: String, remoteAddress: String,
                ikeSA: IKESAStatus?, childSAs: [ChildSAStatus], lastError: String?, mtu: Int? = nil,
                profile: String? = nil, connection: String? = nil, preferred: Bool? = nil, bgp: BGPStatus? = nil) {
        self.bgp = bgp
        self.mtu = mtu
        self.profile = profile
        self.connection = connection
        self.preferred = preferred
        self.name = name
        self.state = state
        self.localAddress = localAddress
        self.remoteAddress = remoteAddress
        self.ikeSA = ikeSA
        self.childSAs = childSAs
        self.lastError = lastError
    }

    enum CodingKeys: String, CodingKey {
        case name, state, localAddress = "local_address", remoteAddress = "remote_address", ikeSA = "ike_sa"
        case childSAs = "child_sas", lastError = "last_error", mtu, profile, connection, preferred, bgp
    }

    /// Absent values are written as null, so every key of the documented shape is present.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(state, forKey: .state)
        try c.encode(localAddress, forKey: .localAddress)
        try c.encode(remoteAddress, forKey: .remoteAddress)
        try c.encode(ikeSA, forKey: .ikeSA)
        try c.encode(childSAs, forKey: .childSAs)
        try c.encode(lastError, forKey: .lastError)
        try c.encode(mtu, forKey: .mtu)
        try c.encode(profile, forKey: .profile)
        try c.encode(connection, forKey: .connection)
        try c.encode(preferred, forKey: .preferred)
        try c.encode(bgp, forKey: .bgp)
    }
}

/// A tunnel's BGP session as BIRD reports it (`birdc show protocols all`). `state` is BIRD's
/// BGP state (Established, Active, Connect, OpenSent, OpenConfirm, Idle, Passive, Down), or
/// `NotConfigured` while the tunnel is down (iked has no fragment in BIRD for it), or `Unknown`
/// when birdc could not be asked (`info` says why).
public struct BGPStatus: Codable, Sendable, Equatable {
    /// The BIRD protocol, `iked_NAME`.
    public var protocolName: String
    public var state: String
    public var localASN: UInt32
    public var peerASN: UInt32
    public var neighbor: String
    /// BIRD's last error or info line, or why birdc failed.
    public var info: String?
    /// Prefixes learned from the peer and announced to it; nil while the session is not up.
    public var imported: Int?
    public var exported: Int?

    public init(protocolName: String, state: String, localASN: UInt32, peerASN: UInt32, neighbor: String,
                info: String? = nil, imported: Int? = nil, exported: Int? = nil) {
        self.protocolName = protocolName
        self.state = state
        self.localASN = localASN
        self.peerASN = peerASN
        self.neighbor = neighbor
        self.info = info
        self.imported = imported
        self.exported = exported
    }

    enum CodingKeys: String, CodingKey {
        case protocolName = "protocol", state, localASN = "local_asn", peerASN = "peer_asn", neighbor, info, imported, exported
    }
}

/// One tunnel's newest usable IKE SA as `ikectl status --json` shows it.
public struct IKESAStatus: Codable, Sendable, Equatable {
    public var spiI: String
    public var spiR: String
    public var proposal: String
    public var establishedSeconds: Int
    public var rekeyInSeconds: Int?
    public var udpEncapsulation: Bool
    /// Where the peer is now, `address:port`: behind a NAT, the NAT's mapping, which follows a change.
    public var remote: String?

    public init(spiI: String, spiR: String, proposal: String, establishedSeconds: Int, rekeyInSeconds: Int?, udpEncapsulation: Bool,
                remote: String? = nil) {
        self.spiI = spiI
        self.spiR = spiR
        self.proposal = proposal
        self.establishedSeconds = establishedSeconds
        self.rekeyInSeconds = rekeyInSeconds
        self.udpEncapsulation = udpEncapsulation
        self.remote = remote
    }

    enum CodingKeys: String, CodingKey {
        case spiI = "spi_i", spiR = "spi_r", proposal, establishedSeconds = "established_seconds"
        case rekeyInSeconds = "rekey_in_seconds", udpEncapsulation = "udp_encapsulation", remote
    }
}

public struct ChildSAStatus: Codable, Sendable, Equatable {
    public var spiIn: String
    public var spiOut: String
    public var proposal: String
    public var localTS: [String]
    public var remoteTS: [String]
    public var bytesIn: UInt64
    public var bytesOut: UInt64
    public var packetsIn: UInt64
    public var packetsOut: UInt64
    public var rekeyInSeconds: Int?

    public init(spiIn: String, spiOut: String, proposal: String, localTS: [String], remoteTS: [String],
                bytesIn: UInt64 = 0, bytesOut: UInt64 = 0, packetsIn: UInt64 = 0, packetsOut: UInt64 = 0, rekeyInSeconds: Int?) {
        self.spiIn = spiIn
        self.spiOut = spiOut
        self.proposal = proposal
        self.localTS = localTS
        self.remoteTS = remoteTS
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.packetsIn = packetsIn
        self.packetsOut = packetsOut
        self.rekeyInSeconds = rekeyInSeconds
    }

    enum CodingKeys: String, CodingKey {
        case spiIn = "spi_in", spiOut = "spi_out", proposal, localTS = "local_ts", remoteTS = "remote_ts"
        case bytesIn = "bytes_in", bytesOut = "bytes_out", packetsIn = "packets_in", packetsOut = "packets_out"
        case rekeyInSeconds = "rekey_in_seconds"
    }
}

/// One-line JSON coding for the socket.
public enum ControlCoding {
    public static func encode<T: Encodable>(_ value: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return (try? e.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    public static func decode<T: Decodable>(_ type: T.Type, _ line: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(line.utf8))
    }
}
