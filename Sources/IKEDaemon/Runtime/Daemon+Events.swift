import Control
import IKECore
import IKEWire
import LinuxNet

/// What the daemon does with the engine's events: logs, `last_error`, and answers to
/// `ikectl up` callers, and the datapath's SAs.
extension Daemon {
    func handle(_ event: IKEEvent) {
        switch event {
        case .ikeSAEstablished(let i):
            initiationEnded(i.id.tunnel)
            logger.info("[\(i.id.tunnel)] IKE SA \(i.id) established with \(i.remoteID) at \(i.remote): \(i.proposal)")
        case .ikeSARekeyed(let old, let new):
            logger.info("[\(old.tunnel)] IKE SA \(old) rekeyed to \(new.id)")
        case .ikeSADeleted(let id, let reason):
            logger.info("[\(id.tunnel)] IKE SA \(id) deleted\(reason.map { ": \($0)" } ?? "")")
            if let reason { lastError[id.tunnel] = "\(reason)" }
            bgpTunnelMaybeDown(id.tunnel)
            if reason?.kind == .deletedByPeer, engine.snapshot(tunnel: id.tunnel).ikeSA == nil,
               configuration.tunnels.first(where: { $0.name == id.tunnel })?.closeAction == .restart {
                logger.info("[\(id.tunnel)] close_action restart: initiating again")
                pendingRestarts.append(id.tunnel)
            }
        case .ikeSAFailed(let tunnel, let reason):
            initiationEnded(tunnel)
            logger.error("[\(tunnel)] IKE SA failed: \(reason)")
            lastError[tunnel] = "\(reason)"
            bgpTunnelMaybeDown(tunnel)
            resolveWaiters(tunnel, ok: false, message: "\(reason.detail) (\(reason.kind.rawValue))")
        case .childSAInstalled(let c):
            logger.info("[\(c.id.tunnel)] Child SA \(c.id) installed: \(c.localTS.notation) === \(c.remoteTS.notation)")
            lastError[c.id.tunnel] = nil
            datapath.install(c, replacing: nil)
            bgpTunnelUp(c.id.tunnel)
            resolveWaiters(c.id.tunnel, ok: true, message: "tunnel \(c.id.tunnel) is UP")
        case .childSARekeyed(let old, let new):
            logger.info("[\(old.tunnel)] Child SA \(old) rekeyed to \(new.id)")
            datapath.install(new, replacing: old)
        case .childSADeleted(let id, let reason):
            logger.info("[\(id.tunnel)] Child SA \(id) deleted\(reason.map { ": \($0)" } ?? "")")
            datapath.remove(id)
        case .childSAFailed(let tunnel, let reason):
            logger.error("[\(tunnel)] Child SA failed: \(reason)")
            lastError[tunnel] = "\(reason)"
            resolveWaiters(tunnel, ok: false, message: "\(reason.detail) (\(reason.kind.rawValue))")
        case .encapsulationChanged(let id, let local, let remote, let udp):
            logger.info("[\(id.tunnel)] IKE SA \(id) now \(local) -> \(remote)\(udp ? ", UDP-encapsulated" : "")")
            // ESP follows the IKE SA (a NAT mapping change, RFC 7296 §2.23).
            if udp { datapath.follow(id.tunnel, remote: remote) }
        }
        statusChanged = true   // sent by drainEngine, at most once a second
    }

    /// A tunnel came up (`ok`) or failed: answers the `ikectl up` callers waiting for it; one
    /// waiting for a connection is answered when all its tunnels are up, or at the first failure.
    func resolveWaiters(_ tunnel: String, ok: Bool, message: String) {
        var rest: [Waiter] = []
        for var w in waiters {
            guard w.pending.contains(tunnel) else { rest.append(w); continue }
            w.pending.remove(tunnel)
            if !ok {
                reply(w.connection, ControlResponse(ok: false, message: w.name == tunnel ? message : "tunnel \(tunnel) of \(w.name): \(message)"))
            } else if w.pending.isEmpty {
                reply(w.connection, ControlResponse(ok: true, message: w.name == tunnel ? message : "connection \(w.name) is UP (\(tunnel) was the last of its tunnels)"))
            } else {
                rest.append(w)
            }
        }
        waiters = rest
    }

    func expireWaiters(now: Duration) {
        let expired = waiters.filter { $0.deadline <= now }
        waiters.removeAll { $0.deadline <= now }
        for w in expired {
            let why = w.pending.sorted().compactMap { t in lastError[t].map { "\(t): \($0)" } }.joined(separator: "; ")
            reply(w.connection, ControlResponse(ok: false, message: "\(w.pending.sorted().joined(separator: ", ")) did not come up within 30 s\(why.isEmpty ? "" : ": \(why)")"))
        }
    }

    /// `down`, `connecting` or `up` (an IKE SA and at least one Child SA).
    func state(of tunnel: String) -> String {
        let s = engine.snapshot(tunnel: tunnel)
        if s.ikeSA != nil, !s.children.isEmpty { return "up" }
        return s.connecting || s.ikeSA != nil ? "connecting" : "down"
    }
}
