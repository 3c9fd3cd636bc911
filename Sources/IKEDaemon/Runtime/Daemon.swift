import Control
import CryptoOpenSSL
import IKECore
import IKECrypto
import IKEWire
import LinuxNet
import ESPCore
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The running daemon (DESIGN §1, IKEDaemon): one thread, one epoll loop over the IKE sockets,
/// the TUNs, the control socket and a signal descriptor, driving the sans-I/O `IKEEngine` with the
/// monotonic clock. Invariant: only this loop touches the engine.
public final class Daemon {
    let configPath: String
    var configuration: IkedConfiguration
    let engine: IKEEngine
    let logger: Logger
    let notify = SystemdNotify()
    let signals: SignalDescriptor
    let control: UnixListener
    var sockets: [Endpoint: UDPSocket] = [:]
    var rawESP: [[UInt8]: RawESPSocket] = [:]
    let datapath: Datapath
    let metrics = DaemonMetrics()
    var metricsListener: TCPListener?
    /// Open metrics clients and when each is closed regardless (Daemon+MetricsEndpoint).
    var metricsClients: [Int32: (connection: HTTPConnection, deadline: Duration)] = [:]
    var clients: [Int32: UnixConnection] = [:]
    var waiters: [Waiter] = []
    var lastError: [String: String] = [:]
    var stopDeadline: Duration?
    var nextWatchdog: Duration?
    /// Tunnels to initiate again once the current events are handled (close_action restart).
    var pendingRestarts: [String] = []
    /// The loop's descriptors and what each is (Daemon+EventSources).
    let events: EventLoop
    var sources: [Int32: EventSource] = [:]
    /// Tunnels waiting to initiate, and those initiating since when (Daemon+Pacing).
    var initiationQueue: [String] = []
    var initiating: [String: Duration] = [:]
    /// A tunnel changed state since systemd last got STATUS=, and when it may get the next.
    var statusChanged = false
    var nextStatus: Duration = .zero
    /// BIRD's fragments and birdc, off the loop (Daemon+BGP); failed configure runs; `status`
    /// requests waiting for birdc.
    let bird: BirdControl
    var birdFailures = 0
    var pendingStatus: [Int: PendingStatus] = [:]
    var nextStatusToken = 0
    /// Stopping: the IKE SAs are deleted once BIRD has dropped the sessions, or at this moment.
    var terminateAfterBird: Duration?
    /// The BIRD fragment set (BirdControl's version) without any fragment, when stopping.
    var birdStopVersion = 0
    var birdConfirmedStop = false

    /// An `ikectl up` waiting for its tunnel, or for every tunnel of a connection.
    struct Waiter {
        var connection: UnixConnection
        /// What was asked for: a tunnel or a `[connection.NAME]`.
        var name: String
        /// The tunnels not up yet.
        var pending: Set<String>
        var deadline: Duration
    }

    public init(configPath: String, configuration: IkedConfiguration, controlSocket: String?, logger: Logger) throws {
        self.configPath = configPath
        self.configuration = configuration
        self.logger = logger
        if !disableCoreDumps() {
            logger.warning("could not disable core dumps (RLIMIT_CORE, PR_SET_DUMPABLE); keys could reach a core file")
        }
        let limit = raiseDescriptorLimit()
        if limit < UInt64(4 * configuration.tunnels.count + 64) {
            logger.warning("only \(limit) open descriptors allowed (RLIMIT_NOFILE) for \(configuration.tunnels.count) tunnels; raise LimitNOFILE=")
        }
        events = try EventLoop()
        var settings = EngineSettings()
        settings.cookieThreshold = configuration.daemon.cookieThreshold
        settings.halfOpenLimit = configuration.daemon.halfOpenLimit
        settings.halfOpenPerPeerLimit = configuration.daemon.halfOpenPerPeer
        // Idle timers of many tunnels served together: wake-ups per second stay flat with N.
        settings.timerSlack = .seconds(1)
        // The engine skips formatting what the logger would drop anyway.
        settings.logLevel = switch configuration.daemon.logLevel {
        case .trace, .debug: .debug
        case .info, .notice: .info
        case .warning: .warning
        case .error, .critical: .error
        }
        engine = try IKEEngine(tunnels: configuration.tunnels.map(\.ike), settings: settings,
                               provider: OpenSSLProvider(), random: PooledOpenSSLRandom(), now: monotonicNow())
        signals = try SignalDescriptor()
        control = try UnixListener(path: controlSocket ?? configuration.daemon.controlSocket)
        datapath = Datapath(offloads: configuration.daemon.offloads)
        bird = try BirdControl(directory: configuration.daemon.birdConfigDir, socket: configuration.daemon.birdSocket)
        try bindSockets()
        wireDatapath()
        if let listen = configuration.daemon.metricsListen { metricsListener = try TCPListener(bind: try Self.endpoint(listen)) }
    }

    /// "127.0.0.1:9814" or "[::1]:9814".
    static func endpoint(_ text: String) throws -> Endpoint {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw NetError("metrics_listen", text, code: EINVAL)
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return Endpoint(address: try Endpoint.address(parsing: host), port: port)
    }

    // MARK: Loop

    /// Runs until SIGTERM/SIGINT (then deletes every IKE SA) and returns the exit status.
    public func run() -> Int32 {
        for w in configuration.warnings { logger.warning("\(w)") }
        logger.info("iked listening on \(sockets.keys.map(\.description).sorted().joined(separator: ", ")); control socket \(control.path)")
        notify.notify("READY=1\nSTATUS=\(statusLine)")
        if let interval = notify.watchdogInterval { nextWatchdog = monotonicNow() + interval }
        registerSources()
        startBirdIfNeeded()
        startTunnels(configuration.tunnels.filter { $0.startAction == .start }.map(\.name))
        while true {
            let now = monotonicNow()
            if let stop = stopDeadline, now >= stop || engine.ikeSACount == 0 {
                for name in datapath.paths.keys { datapath.close(name) }
                // The fragments went at the stop signal; let birdc finish withdrawing them.
                bird.finish(within: .seconds(6))
                logger.info("iked stopped")
                return 0
            }
            var deadline = engine.nextTimeout
            for w in waiters { deadline = sooner(deadline, w.deadline) }
            deadline = sooner(sooner(deadline, nextWatchdog), sooner(stopDeadline, pacingDeadline))
            deadline = sooner(deadline, terminateAfterBird)
            if !metricsClients.isEmpty { deadline = sooner(deadline, expireMetricsClients(now: now)) }
            if statusChanged { deadline = sooner(deadline, nextStatus) }
            let ready = events.wait(timeout: deadline.map { $0 - now })
            let t = monotonicNow()
            for i in 0..<ready { serveReady(events[i], now: t) }
            for spi in datapath.takeActivity() { engine.childSAActivity(inboundSPI: spi, now: t) }
            for m in datapath.takeMoves() { engine.childSAPacket(inboundSPI: m.spi, from: m.source, now: t) }
            if let n = engine.nextTimeout, n <= t { engine.handleTimeout(now: t) }
            if let due = terminateAfterBird, t >= due {
                if !birdConfirmedStop { logger.warning("BGP: BIRD did not confirm within 2 s; deleting the IKE SAs anyway") }
                terminateAll(now: t)
            }
            if !waiters.isEmpty { expireWaiters(now: t) }
            if let w = nextWatchdog, t >= w, let interval = notify.watchdogInterval {
                notify.notify("WATCHDOG=1")
                nextWatchdog = t + interval
            }
            drainEngine()
        }
    }

    /// The earlier of two optional moments.
    func sooner(_ a: Duration?, _ b: Duration?) -> Duration? {
        guard let a else { return b }
        guard let b else { return a }
        return min(a, b)
    }

    /// The Prometheus exposition, with gauges refreshed from the engine.
    func metricsText(now: Duration) -> String {
        for t in configuration.tunnels {
            metrics.updateTunnel(t.name, state: state(of: t.name), snapshot: engine.snapshot(tunnel: t.name),
                                 traffic: datapath.totals(t.name))
        }
        metrics.updateDrops(engine.dropCounts)
        metrics.updateDatapath(drops: datapath.dropsByName,
                               oversize: Dictionary(uniqueKeysWithValues: datapath.oversize.map { ($0.key.rawValue, $0.value) }))
        metrics.updateEngine(ikeSAs: engine.ikeSACount, halfOpen: engine.halfOpenCount)
        return metrics.exposition()
    }

    var statusLine: String {
        let up = configuration.tunnels.filter { state(of: $0.name) == "up" }.count
        return "\(configuration.tunnels.count) tunnels, \(up) up"
    }

    /// Initiates the tunnels, paced (Daemon+Pacing).
    func startTunnels(_ names: [String]) {
        queueInitiations(names)
        drainEngine()
    }

    // MARK: IKE datagrams

    /// One socket per local address and port; the engine sees ports 500 and 4500 whatever
    /// `ike_port` and `nat_port` are.
    func bindSockets() throws {
        let d = configuration.daemon
        var wanted: Set<Endpoint> = []
        for t in configuration.tunnels {
            wanted.insert(t.ike.local.withPort(d.ikePort))
            wanted.insert(t.ike.local.withPort(d.natPort))
        }
        for e in sockets.keys where !wanted.contains(e) { sockets[e] = nil }
        for e in wanted where sockets[e] == nil {
            let socket = try UDPSocket(bind: e)
            // ESP in UDP arrives on the NAT-T port only: GRO there; larger buffers everywhere
            // (a burst of IKE_SA_INITs, a window of ESP).
            socket.enableOffloads(receiveCoalesced: e.port == d.natPort && d.offloads.udpGRO)
            sockets[e] = socket
        }
        // Raw ESP (protocol 50) on every local address, IPv4 and IPv6 alike.
        let addresses = Set(configuration.tunnels.map(\.ike.local.address))
        for a in rawESP.keys where !addresses.contains(a) { rawESP[a] = nil }
        for a in addresses where rawESP[a] == nil {
            do { rawESP[a] = try RawESPSocket(bind: Endpoint(address: a, port: 0)) } catch { logger.warning("no raw ESP on \(Endpoint.text(a)): \(error)") }
        }
    }

    /// Datagrams on an IKE socket: on the NAT-T port, ESP goes to the datapath and IKE (after
    /// its zero marker) to the engine; a GRO train is cut at its segment size first.
    func receive(on socket: UDPSocket, now: Duration) {
        let natT = socket.local.port == configuration.daemon.natPort
        let local = socket.local.withPort(natT ? Endpoint.natTraversalPort : Endpoint.ikePort)
        let batch = datapath.receiveBatch
        drainBatches({ socket.receive(batch) }) { i in
            let buffer = datapath.receiveBuffers[i]
            let length = batch.length(i)
            let stride = batch.segment(i) > 0 ? batch.segment(i) : max(1, length)
            for offset in Swift.stride(from: 0, to: length, by: stride) {
                buffer.resetWindow(offset: offset, length: min(stride, length - offset))
                let b = buffer.bytes
                var skip = 0
                if natT {
                    // RFC 3948 §2.2: IKE on 4500 starts with four zero octets; a lone 0xFF is a
                    // keepalive; anything else is ESP for the datapath.
                    if b.count == 1, b[0] == 0xFF { continue }
                    guard b.count > 4, b[0] == 0, b[1] == 0, b[2] == 0, b[3] == 0 else {
                        datapath.receiveESP(buffer, slot: i)
                        continue
                    }
                    skip = 4
                }
                guard let from = batch.source(i) else { continue }
                let bytes = Array(UnsafeRawBufferPointer(rebasing: b[skip...]))
                engine.handle(datagram: Datagram(source: from, destination: local, bytes: bytes), now: now)
            }
        }
    }

    func receiveRawESP(_ socket: RawESPSocket) {
        let batch = datapath.receiveBatch
        drainBatches({ socket.receive(batch) }) { i in
            let buffer = datapath.receiveBuffers[i]
            let datagram = buffer.resetWindow(offset: 0, length: batch.length(i))
            // Too short to hold ESP: an empty packet, which the datapath counts as truncated.
            let start = RawESPSocket.espStart(UnsafeRawBufferPointer(datagram), ipv6: socket.ipv6)
            buffer.resetWindow(offset: start ?? 0, length: start.map { batch.length(i) - $0 } ?? 0)
            datapath.receiveESP(buffer)
        }
    }

    /// Reads a socket batch by batch into `datapath.receiveBatch`, calls `slot` for each datagram
    /// read, and writes what the datapath merged at the end of every batch. A bounded number of
    /// batches per wake-up keeps the other descriptors served.
    private func drainBatches(_ receive: () -> Int, _ slot: (Int) -> Void) {
        let capacity = datapath.receiveBatch.capacity
        for _ in 0..<(64 / capacity + 1) {
            let count = receive()
            for i in 0..<count { slot(i) }
            datapath.flushReceived()
            if count < capacity { return }
        }
    }

    /// Hooks the datapath to the sockets and the engine.
    func wireDatapath() {
        datapath.log = { [unowned self] in logger.info("\($0)") }
        for t in configuration.tunnels { openTunnel(t) }
        let natPort = configuration.daemon.natPort
        datapath.sender = { [unowned self] info in
            if info.udpEncapsulation { return sockets[info.local.withPort(natPort)].map { .udp($0) } }
            return rawESP[info.local.address].map { .raw($0) }
        }
        datapath.expired = { [unowned self] spi, hard in engine.childSAExpired(inboundSPI: spi, hard: hard, now: monotonicNow()) }
    }

    func openTunnel(_ t: TunnelSettings) {
        do { try datapath.open(t) } catch { logger.error("[\(t.name)] cannot create interface \(t.interface): \(error)") }
    }

    func send(_ d: Datagram) {
        let port = d.source.port == Endpoint.natTraversalPort ? configuration.daemon.natPort : configuration.daemon.ikePort
        guard let socket = sockets[d.source.withPort(port)] else {
            logger.error("no socket for \(d.source)")
            return
        }
        var bytes = d.bytes
        if d.kind == .ike, d.source.port == Endpoint.natTraversalPort { bytes = [0, 0, 0, 0] + bytes }
        if !socket.send(bytes, to: d.destination) { logger.debug("send to \(d.destination) failed") }
    }

    /// Sends what the engine queued, logs its records and acts on its events.
    func drainEngine() {
        repeat { drainOnce() } while canInitiateMore
        // STATUS= costs a look at every tunnel: at most once a second, and only under systemd.
        let now = monotonicNow()
        if statusChanged, notify.isEnabled, now >= nextStatus {
            notify.notify("STATUS=\(statusLine)")
            nextStatus = now + .seconds(1)
        }
        if !notify.isEnabled { statusChanged = false }
    }

    private func drainOnce() {
        pumpInitiations(now: monotonicNow())
        while let d = engine.pollTransmit() { send(d) }
        while let l = engine.pollLog() {
            let message: Logger.Message = "[\(l.tunnel)] \(l.message)"
            switch l.level {
            case .debug: logger.debug(message)
            case .info: logger.info(message)
            case .warning: logger.warning(message)
            case .error: logger.error(message)
            }
        }
        while let e = engine.pollEvent() {
            metrics.record(e, now: monotonicNow())
            handle(e)
        }
        if !pendingRestarts.isEmpty, stopDeadline == nil {
            queueInitiations(pendingRestarts)
            pendingRestarts.removeAll()
        }
    }
}
