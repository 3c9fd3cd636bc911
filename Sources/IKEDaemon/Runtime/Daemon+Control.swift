import Control
import IKECore
import IKECrypto
import IKEWire
import LinuxNet

/// The control socket: `ikectl` requests, one JSON line each.
extension Daemon {
    func acceptClients() {
        while let c = control.accept() { addClient(c) }
    }

    func serve(_ c: UnixConnection, now: Duration) {
        for line in c.readLines() {
            // A client that does not read its answers gets no more of them (UnixConnection.write).
            if c.writeFailed { break }
            do {
                let request = try ControlCoding.decode(ControlRequest.self, line)
                perform(request, on: c, now: now)
            } catch {
                reply(c, ControlResponse(ok: false, message: "malformed request: \(error)"))
            }
        }
        if c.closed {
            removeClient(c)
            waiters.removeAll { $0.connection === c }
            pendingStatus = pendingStatus.filter { $0.value.connection !== c }
        }
    }

    /// Answers a client. One that stopped reading (the write timed out) is forgotten at once,
    /// even when the answer is a waiter's, so its descriptor does not stay until it sends again;
    /// waiters and pending statuses that still hold it fail their writes at once and end.
    func reply(_ c: UnixConnection, _ response: ControlResponse) {
        if !c.write(line: ControlCoding.encode(response)), c.writeFailed { removeClient(c) }
    }

    /// The tunnels a request names: one tunnel, or every tunnel of a `[connection.NAME]`.
    func tunnels(named name: String) -> [String] {
        let t = configuration.tunnels
        if t.contains(where: { $0.name == name }) { return [name] }
        return t.filter { $0.connection?.name == name }.map(\.name)
    }

    func perform(_ r: ControlRequest, on c: UnixConnection, now: Duration) {
        let names = configuration.tunnels.map(\.name)
        var targets: [String] = []
        if [.up, .down, .rekey, .export].contains(r.command) || r.tunnel != nil {
            targets = tunnels(named: r.tunnel ?? "")
            guard !targets.isEmpty else {
                let connections = Set(configuration.tunnels.compactMap(\.connection?.name)).sorted()
                let also = connections.isEmpty ? "" : "; connections: \(connections.joined(separator: ", "))"
                return reply(c, ControlResponse(ok: false, message: "no tunnel named '\(r.tunnel ?? "")' (configured: \(names.joined(separator: ", "))\(also))"))
            }
        }
        switch r.command {
        case .list:
            reply(c, ControlResponse(ok: true, message: "\(names.count) tunnels", tunnels: names))
        case .status:
            status(for: c, tunnels: configuration.tunnels.filter { r.tunnel == nil || targets.contains($0.name) }.map(\.name), now: now)
        case .up:
            let name = r.tunnel ?? ""
            let pending = targets.filter { state(of: $0) != "up" }
            if pending.isEmpty { return reply(c, ControlResponse(ok: true, message: targets == [name] ? "tunnel \(name) is UP" : "connection \(name) is UP")) }
            for t in pending {
                do {
                    try engine.initiate(tunnel: t, now: now)
                    metrics.initiating(t, now: now)
                } catch {
                    return reply(c, ControlResponse(ok: false, message: "\(error)"))
                }
            }
            if r.noWait == true {
                reply(c, ControlResponse(ok: true, message: "initiating \(pending.joined(separator: ", "))"))
            } else {
                waiters.append(Waiter(connection: c, name: name, pending: Set(pending), deadline: now + .seconds(30)))
            }
        case .down:
            for t in targets { engine.terminate(tunnel: t, now: now) }
            let name = r.tunnel ?? ""
            reply(c, ControlResponse(ok: true, message: "deleting the SAs of \(targets == [name] ? "tunnel" : "connection") \(name)"))
        case .rekey:
            let both = r.ike != true && r.child != true
            for t in targets {
                if r.child == true || both { engine.rekeyChildSAs(tunnel: t, now: now) }
                if r.ike == true || both { engine.rekeyIKESA(tunnel: t, now: now) }
            }
            reply(c, ControlResponse(ok: true, message: "rekeying \(targets.joined(separator: ", "))"))
        case .metrics:
            reply(c, ControlResponse(ok: true, message: metricsText(now: now)))
        case .reload:
            let result = reload(now: now)
            reply(c, ControlResponse(ok: result.ok, message: result.message))
        case .export:
            reply(c, export(r, tunnels: targets))
        }
        drainEngine()
    }

    /// `ikectl export`: the peer's configuration for one tunnel or every tunnel of a connection
    /// (AWS's download has both), rendered from the loaded settings. The key leaves the daemon
    /// only when asked for, and that is logged.
    func export(_ r: ControlRequest, tunnels names: [String]) -> ControlResponse {
        guard let format = r.format else {
            return ControlResponse(ok: false, message: "export needs a format: \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let tunnels = configuration.tunnels.filter { names.contains($0.name) }.map { t -> TunnelSettings in
            // The peer must reach our IKE port, which is a daemon setting.
            var t = t
            t.ike.local.port = configuration.daemon.ikePort
            return t
        }
        let secrets = r.includeSecrets == true
        do {
            let text = try PeerExport.render(tunnels, format: format, includeSecrets: secrets)
            logger.notice("[\(r.tunnel ?? "")] exported the peer's configuration as \(format.rawValue)\(secrets ? ", with the pre-shared key" : "")")
            return ControlResponse(ok: true, message: text)
        } catch {
            return ControlResponse(ok: false, message: "\(error)")
        }
    }

    /// Answers `status` for these tunnels, with birdc's answer for those with `bgp`.
    func replyStatus(_ c: UnixConnection, tunnels names: [String], now: Duration,
                     bird answer: (protocols: [String: BirdProtocolStatus], error: String?)?) {
        let selected = configuration.tunnels.filter { names.contains($0.name) }
        let report = StatusReport(tunnels: selected.map { status($0, now: now, bird: answer) },
                                  drops: Dictionary(uniqueKeysWithValues: engine.dropCounts.map { ($0.key.rawValue, $0.value) }),
                                  espDrops: datapath.dropsByName,
                                  espOversize: Dictionary(uniqueKeysWithValues: datapath.oversize.map { ($0.key.rawValue, $0.value) }),
                                  ikeSAs: engine.ikeSACount, halfOpenSAs: engine.halfOpenCount,
                                  birdFailures: hasBGP ? birdFailures : nil)
        reply(c, ControlResponse(ok: true, message: statusLine, status: report))
    }

    func status(_ t: TunnelSettings, now: Duration, bird answer: (protocols: [String: BirdProtocolStatus], error: String?)? = nil) -> TunnelStatus {
        let s = engine.snapshot(tunnel: t.name)
        func seconds(_ d: Duration?) -> Int? { d.map { Int(max(.zero, $0).components.seconds) } }
        let ike = s.ikeSA.map { i in
            IKESAStatus(spiI: hex(i.id.spiI), spiR: hex(i.id.spiR), proposal: i.proposal,
                        establishedSeconds: seconds(s.establishedAt.map { now - $0 }) ?? 0,
                        rekeyInSeconds: seconds(s.rekeyAt.map { $0 - now }), udpEncapsulation: i.udpEncapsulation,
                        remote: i.remote.description)
        }
        let children = s.children.map { c in
            let n = datapath.counters(c.info.id)
            return ChildSAStatus(spiIn: hex(c.info.id.inbound), spiOut: hex(c.info.id.outbound), proposal: c.proposal,
                                 localTS: c.info.localTS.map(\.notation), remoteTS: c.info.remoteTS.map(\.notation),
                                 bytesIn: n.inBytes, bytesOut: n.outBytes, packetsIn: n.inPackets, packetsOut: n.outPackets,
                                 rekeyInSeconds: seconds(c.rekeyAt.map { $0 - now }))
        }
        return TunnelStatus(name: t.name, state: state(of: t.name), localAddress: Endpoint.text(t.ike.local.address),
                            remoteAddress: t.ike.remote.map { Endpoint.text($0.address) } ?? "%any",
                            ikeSA: ike, childSAs: children, lastError: lastError[t.name], mtu: datapath.paths[t.name]?.mtu,
                            profile: t.profile?.rawValue, connection: t.connection?.name,
                            // Failover by route metric means something only with static routes;
                            // with BGP and no routes, BIRD's routes decide (docs/routing.md).
                            preferred: t.connection.flatMap { t.routes.isEmpty ? nil : datapath.preferred[$0.name]?.contains(t.name) ?? false },
                            bgp: bgpStatus(t, bird: answer))
    }
}
