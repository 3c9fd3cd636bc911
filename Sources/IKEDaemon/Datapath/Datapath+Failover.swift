import IKECore
import LinuxNet

/// Failover between the tunnels of a `[connection.NAME]`, by route metric. Every tunnel keeps
/// the connection's routes at a standby metric (1000 + its index) from the moment its
/// interface exists, so that with every tunnel down packets stay in a tunnel instead of leaking
/// out in the clear. Tunnels with a Child SA get a preferred route on top (metric 100): the
/// first of them in `active-standby`, all of them as one equal-cost multipath route in `ecmp`.
/// Recomputed whenever one of the connection's Child SAs comes or goes.
extension Datapath {
    static let preferredMetric: UInt32 = 100

    static func standbyMetric(_ c: ConnectionMembership) -> UInt32 { 1000 + UInt32(c.index) }

    /// The tunnels of `connection` that should carry its traffic now, in order.
    func carriers(of connection: ConnectionMembership) -> [String] {
        let up = connection.members.filter { paths[$0]?.outbound.isEmpty == false }
        return connection.failover == .ecmp ? up : Array(up.prefix(1))
    }

    /// Brings the connection's preferred routes in line with its tunnels' Child SAs.
    func refreshFailover(_ connection: ConnectionMembership) {
        let wanted = carriers(of: connection)
        let had = preferred[connection.name] ?? []
        guard wanted != had else { return }
        let interfaces = wanted.compactMap { paths[$0]?.settings.interface }
        // The routes are the connection's, shared by its tunnels; any member holds them. None
        // (a connection with BGP): BIRD's routes decide, there is nothing to move.
        guard let routes = connection.members.lazy.compactMap({ self.paths[$0]?.settings.routes }).first, !routes.isEmpty else { return }
        for r in routes {
            for p in r.coveringPrefixes {
                // Adding replaces the route of the same prefix and metric, so it switches in one
                // step; with no tunnel up the preferred route goes.
                do {
                    try Routes.set(p.address, length: p.length, metric: Self.preferredMetric, through: interfaces,
                                   add: !interfaces.isEmpty)
                } catch {
                    log("[\(connection.name)] failover route: \(error)")
                }
            }
        }
        preferred[connection.name] = wanted
        let now = wanted.isEmpty ? "no tunnel is up; the standby routes hold the traffic" : "traffic goes through \(wanted.joined(separator: ", "))"
        log("[\(connection.name)] \(now)")
    }
}
