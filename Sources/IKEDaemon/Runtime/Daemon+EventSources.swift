import LinuxNet

/// What a descriptor registered with the event loop is, so a ready one is served with one
/// dictionary lookup instead of a search through every socket and TUN.
enum EventSource {
    case ike(UDPSocket)
    case rawESP(RawESPSocket)
    case tun
    case control
    case signals
    case client(UnixConnection)
    case metrics
    case metricsClient(HTTPConnection)
    /// BirdControl's worker has results (Daemon+BGP).
    case bird
}

extension Daemon {
    /// Registers every descriptor the loop reads and forgets those gone: at start and after a
    /// reload (sockets, raw ESP sockets and TUNs come and go). Clients register as they connect.
    func registerSources() {
        var wanted: [Int32: EventSource] = [control.fd: .control, signals.fd: .signals]
        for s in sockets.values { wanted[s.fd] = .ike(s) }
        for s in rawESP.values { wanted[s.fd] = .rawESP(s) }
        for fd in datapath.fds { wanted[fd] = .tun }
        for (fd, c) in clients { wanted[fd] = .client(c) }
        if let m = metricsListener { wanted[m.fd] = .metrics }
        for (fd, m) in metricsClients { wanted[fd] = .metricsClient(m.connection) }
        wanted[bird.wakeFD] = .bird
        for fd in sources.keys where wanted[fd] == nil { events.unregister(fd) }
        // A descriptor number may have been closed and reused: adding it again is harmless.
        for fd in wanted.keys where !events.register(fd) { logger.error("cannot watch descriptor \(fd): \(NetError("epoll_ctl"))") }
        sources = wanted
    }

    func addClient(_ c: UnixConnection) {
        clients[c.fd] = c
        sources[c.fd] = .client(c)
        events.register(c.fd)
    }

    func removeClient(_ c: UnixConnection) {
        events.unregister(c.fd)
        sources[c.fd] = nil
        clients[c.fd] = nil
    }

    /// Serves one readable descriptor.
    func serveReady(_ fd: Int32, now: Duration) {
        switch sources[fd] {
        case .ike(let socket): receive(on: socket, now: now)
        case .rawESP(let socket): receiveRawESP(socket)
        case .tun: datapath.readTUN(fd)
        case .control: acceptClients()
        case .signals: handleSignals(now: now)
        case .client(let c): serve(c, now: now)
        case .metrics: acceptMetricsClients(now: now)
        case .metricsClient(let c): serveMetricsClient(c, now: now)
        case .bird: handleBirdReports(now: now)
        case nil: break
        }
    }
}
