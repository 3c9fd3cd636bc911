import Control
import IKECore
import LinuxNet

/// Signals, reload and shutdown.
extension Daemon {
    func handleSignals(now: Duration) {
        for s in signals.pending() {
            if s == SIGHUPNumber {
                let result = reload(now: now)
                if result.ok { logger.info("\(result.message)") } else { logger.error("\(result.message)") }
            } else if stopDeadline == nil {
                logger.info("signal \(s): deleting every IKE SA and stopping")
                notify.notify("STOPPING=1")
                stopDeadline = now + .seconds(3)
                // With BGP sessions up, BIRD drops them first, while the tunnels still carry its
                // NOTIFICATION to the peers (who then withdraw at once, not after the hold
                // time); the IKE SAs go when birdc is done, or after 2 s (Daemon+BGP).
                if bird.isStarted, configuration.tunnels.contains(where: { bird.isInstalled($0.name) }) {
                    bird.removeAll()
                    birdStopVersion = bird.currentVersion
                    terminateAfterBird = now + .seconds(2)
                    stopDeadline = now + .seconds(5)
                } else {
                    terminateAll(now: now)
                }
            }
        }
    }

    func terminateAll(now: Duration) {
        terminateAfterBird = nil
        for t in configuration.tunnels { engine.terminate(tunnel: t.name, now: now) }
    }

    /// Re-reads the configuration: added tunnels start, removed ones are deleted, changed ones
    /// are re-established, untouched ones keep their SAs. A broken file changes nothing.
    func reload(now: Duration) -> (ok: Bool, message: String) {
        notify.notify("RELOADING=1")
        defer {
            registerSources()   // sockets and TUNs may have come and gone
            notify.notify("READY=1\nSTATUS=\(statusLine)")
        }
        let fresh: IkedConfiguration
        do {
            fresh = try ConfigLoader.load(path: configPath)
        } catch {
            return (false, "reload refused, the running configuration stays:\n\(error)")
        }
        // A tunnel whose datapath or actions changed (interface, MTU, routes, ...) is re-made too.
        let before = Dictionary(configuration.tunnels.map { ($0.name, $0.localSignature) }, uniquingKeysWith: { a, _ in a })
        let relocal = fresh.tunnels.filter { t in before[t.name].map { $0 != t.localSignature } ?? false }.map(\.name)
        for name in relocal { engine.terminate(tunnel: name, now: now) }
        var delta = engine.replaceTunnels(fresh.tunnels.map(\.ike), now: now)
        delta.changed = Array(Set(delta.changed + relocal)).sorted()
        configuration.tunnels = fresh.tunnels
        configuration.warnings = fresh.warnings
        do { try bindSockets() } catch { return (false, "reload: \(error)") }
        for name in delta.removed + delta.changed {
            datapath.close(name)
            bird.remove(tunnel: name)
        }
        startBirdIfNeeded()
        for t in fresh.tunnels where Set(delta.added + delta.changed).contains(t.name) { openTunnel(t) }
        let restart = Set(delta.added + delta.changed)
        startTunnels(fresh.tunnels.filter { restart.contains($0.name) && $0.startAction == .start }.map(\.name))
        return (true, "reloaded \(configPath): \(delta.added.count) added, \(delta.changed.count) changed, \(delta.removed.count) removed")
    }
}

extension TunnelSettings {
    /// Everything but the IKE settings, for telling whether a reload changed the tunnel.
    var localSignature: String {
        "\(startAction) \(closeAction) \(replayWindow) \(interface) \(mtu.map(String.init) ?? "derived") \(mssClamp) "
            + "\(insideAddresses.map { "\($0.address)/\($0.prefix)" }) \(routes.notation) \(profile?.rawValue ?? "-") "
            + (bgp.map { BirdConfig.fragment(tunnel: name, $0) } ?? "static")
    }
}

/// SIGHUP's number on Linux (the Glibc constant is not visible here without importing it).
let SIGHUPNumber: Int32 = 1
