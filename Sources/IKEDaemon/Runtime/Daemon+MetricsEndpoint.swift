import LinuxNet

/// The metrics endpoint's clients (`metrics_listen`): each is served as its bytes arrive and as
/// its socket takes the answer, so a slow or stalled client never holds the loop (the IKE
/// timers, the datapath and the watchdog go on). A client gets `metricsClientTime` in all; at
/// most `metricsClientLimit` are open at once, and a new one closes the oldest, so clients that
/// hold connections open cannot keep a scraper out (a scraper asks at once and is answered).
extension Daemon {
    static let metricsClientLimit = 16
    static let metricsClientTime = Duration.seconds(5)

    func acceptMetricsClients(now: Duration) {
        guard let listener = metricsListener else { return }
        while let c = listener.accept() {
            if metricsClients.count >= Self.metricsClientLimit,
               let oldest = metricsClients.min(by: { $0.value.deadline < $1.value.deadline })?.key {
                removeMetricsClient(oldest)
            }
            metricsClients[c.fd] = (c, now + Self.metricsClientTime)
            sources[c.fd] = .metricsClient(c)
            events.register(c.fd)
            serveMetricsClient(c, now: now)
        }
    }

    func serveMetricsClient(_ c: HTTPConnection, now: Duration) {
        let progress = c.advance { path in
            path == "/metrics" ? ("200 OK", metricsText(now: now)) : ("404 Not Found", "try /metrics\n")
        }
        switch progress {
        case .reading: break
        case .writing: events.watch(c.fd, writable: true)
        case .finished: removeMetricsClient(c.fd)
        }
    }

    /// Closes the clients whose time is up; returns when the next one's is.
    func expireMetricsClients(now: Duration) -> Duration? {
        for (fd, client) in metricsClients where client.deadline <= now { removeMetricsClient(fd) }
        return metricsClients.values.map(\.deadline).min()
    }

    func removeMetricsClient(_ fd: Int32) {
        events.unregister(fd)
        sources[fd] = nil
        metricsClients[fd] = nil
    }
}
