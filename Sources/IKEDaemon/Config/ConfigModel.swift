import IKECore
import IKEWire

/// `[daemon]`: process-wide settings.
public struct DaemonSettings: Sendable, Equatable {
    public var controlSocket = "/run/iked/iked.sock"
    public var logLevel = LogLevel.info
    public var ikePort: UInt16 = 500
    public var natPort: UInt16 = 4500
    public var cookieThreshold = 10
    /// Half-open IKE SAs (answered IKE_SA_INIT, no IKE_AUTH yet) allowed in total and per peer
    /// address; further IKE_SA_INIT requests are dropped and counted (`halfOpenLimit`).
    public var halfOpenLimit = 1000
    public var halfOpenPerPeer = 20
    /// `host:port` for the Prometheus endpoint; nil = off.
    public var metricsListen: String?
    /// The datapath's batching and offload techniques (all on by default).
    public var offloads = DatapathOffloads()
    /// Where the BIRD fragments of tunnels with `bgp` go (the operator's bird.conf includes
    /// `<dir>/*.conf`), and BIRD's control socket for `birdc -s`. Unused without `bgp`.
    public var birdConfigDir = "/etc/bird/iked.d"
    public var birdSocket = "/run/bird/bird.ctl"

    public init() {}
}

/// Log verbosity, in swift-log's names.
public enum LogLevel: String, Sendable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
}

/// `start_action`: what the daemon does with a tunnel when it starts or reloads.
public enum StartAction: String, Sendable, CaseIterable {
    /// Initiate at start-up and keep it up.
    case start
    /// Load it and wait for the peer or `ikectl up`.
    case add
    /// Do not initiate at start-up; `ikectl up` does. (Like `add`, iked still answers the peer.)
    case none
}

/// `close_action`: what to do when the peer deletes the IKE SA.
public enum CloseAction: String, Sendable, CaseIterable {
    case none
    case restart
}

/// `mss_clamp`: off, a fixed MSS, or (the default) the tunnel's effective MTU − 40, which
/// follows the MTU when it is derived from the Child SA.
public enum MSSClampSetting: Sendable, Equatable, CustomStringConvertible {
    case off
    case fixed(Int)
    case followMTU

    /// The MSS to clamp to with the TUN at `mtu`; nil = no clamping.
    public func mss(mtu: Int) -> Int? {
        switch self {
        case .off: nil
        case .fixed(let v): v
        case .followMTU: mtu - 40
        }
    }

    public var description: String {
        switch self {
        case .off: "off"
        case .fixed(let v): "\(v)"
        case .followMTU: "mtu-40"
        }
    }
}

/// One `[tunnel.NAME]` table, validated: the IKE core's view plus what the daemon and the
/// datapath need. Invariant: every field holds a value `ConfigLoader` checked.
public struct TunnelSettings: Sendable {
    public var ike: TunnelConfig
    public var startAction: StartAction
    public var closeAction: CloseAction
    public var replayWindow: Int
    public var interface: String
    /// The TUN's MTU when set; nil = derived from each Child SA's suite and encapsulation
    /// (ESPPathMTU), starting at a safe value until the first one is installed.
    public var mtu: Int?
    public var mssClamp: MSSClampSetting
    /// The tunnel interface's own addresses, IPv4 and/or IPv6, e.g. 169.254.21.2/30 (AWS/Azure
    /// inside addresses) and fd00:1::1/64; empty = none.
    public var insideAddresses: [(address: [UInt8], prefix: Int)]
    /// Prefixes routed into the tunnel; never a default route unless written explicitly.
    public var routes: [TrafficSelector]
    /// The cloud endpoint this tunnel behaves like; nil = iked's own defaults.
    public var profile: CloudProfile?
    /// The `[connection.NAME]` this tunnel is one of; nil for a `[tunnel.NAME]`.
    public var connection: ConnectionMembership?
    /// BGP over the inside addresses (`[tunnel.NAME.bgp]`); nil = static routes only.
    public var bgp: BGPSettings? = nil

    public var name: String { ike.name }

    /// Whether IPv6 packets cross the tunnel interface: an IPv6 selector, route or inside address.
    public var carriesIPv6: Bool {
        (ike.localTS + ike.remoteTS + routes).contains { $0.startAddress.count == 16 }
            || insideAddresses.contains { $0.address.count == 16 }
    }
}

/// How a connection's tunnels share its traffic.
public enum Failover: String, Sendable, CaseIterable {
    /// The first tunnel with a Child SA carries everything; the others wait (AWS's and
    /// Azure's static-routing behaviour).
    case activeStandby = "active-standby"
    /// Every tunnel with a Child SA carries traffic (equal-cost multipath routes).
    case ecmp
}

/// A tunnel's place in its `[connection.NAME]`.
public struct ConnectionMembership: Sendable, Equatable {
    public var name: String
    /// 0 for the first tunnel, which is preferred when several are up.
    public var index: Int
    /// Every tunnel of the connection, in order.
    public var members: [String]
    public var failover: Failover
}

/// A whole configuration file after validation.
public struct IkedConfiguration: Sendable {
    public var daemon: DaemonSettings
    /// Sorted by name.
    public var tunnels: [TunnelSettings]
    /// Accepted but worth a line in the log (1024-bit DH groups, an idle daemon).
    public var warnings: [String]
    /// The keys that hold a pre-shared key in the file itself (`tunnel.NAME.psk`).
    public var inlinePSKKeys: [String] = []
}
