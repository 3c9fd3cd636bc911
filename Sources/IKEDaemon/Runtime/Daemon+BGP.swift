import Control
import IKECore
import LinuxNet

/// BGP over the inside addresses (docs/routing.md): the fragment of a tunnel with `bgp` goes
/// into BIRD when its first Child SA is installed and leaves when its IKE SA is gone, on a
/// reload that removes or changes the tunnel, and for every tunnel when the daemon stops.
/// `BirdControl` does the files and birdc on its own thread; its reports come back here.
extension Daemon {
    /// A `status` request waiting for birdc's answer.
    struct PendingStatus {
        var connection: UnixConnection
        var tunnels: [String]
    }

    var hasBGP: Bool { configuration.tunnels.contains { $0.bgp != nil } }

    /// Starts BIRD's worker if a tunnel needs it (at start and after a reload); a daemon
    /// without `bgp` never touches BIRD.
    func startBirdIfNeeded() {
        guard hasBGP, !bird.isStarted else { return }
        logger.info("BGP: BIRD fragments in \(configuration.daemon.birdConfigDir), birdc -s \(configuration.daemon.birdSocket)")
        bird.start()
    }

    func bgpTunnelUp(_ tunnel: String) {
        guard let t = configuration.tunnels.first(where: { $0.name == tunnel }), let b = t.bgp, bird.isStarted else { return }
        if !bird.isInstalled(tunnel) {
            logger.info("[\(tunnel)] BGP: adding \(BirdConfig.protocolName(tunnel)) to BIRD (AS \(b.localASN) -> \(b.peerASN) at \(Endpoint.text(b.neighbor)))")
        }
        bird.install(tunnel: tunnel, text: BirdConfig.fragment(tunnel: tunnel, b))
    }

    /// After an IKE SA went away: when the tunnel has none left, its BGP session goes.
    func bgpTunnelMaybeDown(_ tunnel: String) {
        guard bird.isStarted, bird.isInstalled(tunnel), engine.snapshot(tunnel: tunnel).ikeSA == nil else { return }
        logger.info("[\(tunnel)] BGP: removing \(BirdConfig.protocolName(tunnel)) from BIRD (the tunnel is down)")
        bird.remove(tunnel: tunnel)
    }

    /// The worker's results: configure runs logged (failures with birdc's output, counted),
    /// waiting `status` requests answered.
    func handleBirdReports(now: Duration) {
        for report in bird.takeReports() {
            switch report {
            case .configured(let version, let changed, let removed, let result):
                // Stopping: BIRD has dropped the sessions (or failed to); the tunnels go shortly.
                if version >= birdStopVersion { birdDroppedSessions(now: now) }
                guard let result else { continue }
                let what = (changed.map { "+\($0)" } + removed.map { "-\($0)" }).joined(separator: " ")
                if result.succeeded {
                    logger.info("BGP: BIRD reconfigured (\(what.isEmpty ? "retry" : what))")
                } else {
                    birdFailures += 1
                    metrics.counter("iked_bird_configure_failures_total", []).increment()
                    logger.error("BGP: \(BirdControl.describe(result, "birdc -s \(configuration.daemon.birdSocket) configure")) (after \(what.isEmpty ? "a retry" : what)); retried at the next change")
                }
            case .fileError(let version, let why):
                if version >= birdStopVersion { birdDroppedSessions(now: now) }
                birdFailures += 1
                metrics.counter("iked_bird_configure_failures_total", []).increment()
                logger.error("BGP: \(why)")
            case .status(let tokens, let protocols, let error):
                for token in tokens {
                    guard let p = pendingStatus.removeValue(forKey: token) else { continue }
                    replyStatus(p.connection, tunnels: p.tunnels, now: now, bird: (protocols, error))
                }
            }
        }
    }

    /// Stopping: birdc configure has returned without iked's fragments. BIRD sends its
    /// NOTIFICATIONs as it shuts the sessions down, just after answering birdc: the IKE SAs
    /// are deleted 300 ms later, so those still cross the tunnels.
    func birdDroppedSessions(now: Duration) {
        guard let due = terminateAfterBird, !birdConfirmedStop else { return }
        birdConfirmedStop = true
        terminateAfterBird = min(due, now + .milliseconds(300))
    }

    /// A tunnel's BGP status from birdc's answer.
    func bgpStatus(_ t: TunnelSettings, bird answer: (protocols: [String: BirdProtocolStatus], error: String?)?) -> BGPStatus? {
        guard let b = t.bgp else { return nil }
        let name = BirdConfig.protocolName(t.name)
        var s = BGPStatus(protocolName: name, state: "NotConfigured", localASN: b.localASN, peerASN: b.peerASN,
                          neighbor: Endpoint.text(b.neighbor))
        guard bird.isInstalled(t.name) else {
            s.info = "the tunnel is down: no BIRD protocol"
            return s
        }
        guard let answer, answer.error == nil else {
            s.state = "Unknown"
            s.info = answer?.error ?? "BIRD was not asked"
            return s
        }
        guard let p = answer.protocols[name] else {
            s.info = "BIRD has no protocol \(name) yet"
            return s
        }
        s.state = p.bgpState ?? p.state
        s.info = p.lastError ?? (p.info.isEmpty ? nil : p.info)
        s.imported = p.imported
        s.exported = p.exported
        return s
    }

    /// `ikectl status`: at once without BGP; with it, once birdc has answered (never blocking
    /// the loop).
    func status(for c: UnixConnection, tunnels: [String], now: Duration) {
        let asksBIRD = bird.isStarted && configuration.tunnels.contains { tunnels.contains($0.name) && $0.bgp != nil && bird.isInstalled($0.name) }
        guard asksBIRD else { return replyStatus(c, tunnels: tunnels, now: now, bird: nil) }
        nextStatusToken += 1
        pendingStatus[nextStatusToken] = PendingStatus(connection: c, tunnels: tunnels)
        bird.query(token: nextStatusToken)
    }
}
