import IKECrypto
import IKEWire

/// One Child SA in a snapshot.
public struct ChildSnapshot: Sendable {
    public var info: ChildSAInfo
    public var proposal: String
    /// When it will be rekeyed by time (nil once a rekey is under way).
    public var rekeyAt: Duration?
}

/// What a tunnel has now: its newest usable IKE SA and every Child SA.
public struct TunnelSnapshot: Sendable {
    public var ikeSA: IKESAInfo?
    public var establishedAt: Duration?
    public var rekeyAt: Duration?
    public var children: [ChildSnapshot]
    /// An IKE SA is being set up.
    public var connecting: Bool
}

/// A command the engine refused, with a message for `ikectl`.
public struct EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The sans-I/O IKEv2 engine (DESIGN §2): one per daemon, holding every tunnel's IKE SAs.
/// Input: `handle(datagram:now:)`, `handleTimeout(now:)` and commands; output: `pollTransmit()`,
/// `pollEvent()`, `pollLog()` and `nextTimeout`. Datagrams reach IKE SAs by our SPI (the
/// responder's SPI when the peer is the original initiator), and a retransmitted IKE_SA_INIT
/// by the initiator's SPI and address. Invariant: it never reads a clock, opens a socket or
/// draws randomness except from the `random` it was given.
public final class IKEEngine {
    let context: EngineContext
    public private(set) var tunnels: [String: TunnelConfig]
    var sas: [UInt64: IKESA] = [:]
    var halfOpen: [HalfOpenKey: UInt64] = [:]
    var cookies: CookieGenerator
    /// `nextTimeout`, kept until an input changes the SAs (`settle`) instead of computed per call.
    private var timeoutCache: Duration?
    private var timeoutStale = true
    /// Each tunnel's IKE SAs, rebuilt on demand after `settle` (status asks per tunnel).
    private var tunnelIndex: [String: [IKESA]]?
    /// Where a Child SA was last found (inbound SPI to our IKE SPI), checked on each use.
    private var childOwners: [UInt32: UInt64] = [:]

    struct HalfOpenKey: Hashable {
        var spiI: UInt64
        var peer: Endpoint
    }

    public init(tunnels: [TunnelConfig], settings: EngineSettings = EngineSettings(),
                provider: any CryptoProvider, random: any RandomSource, now: Duration) throws {
        context = EngineContext(provider: provider, random: random, settings: settings)
        self.tunnels = Dictionary(tunnels.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        cookies = CookieGenerator(prf: try provider.makePRF(.hmacSHA256), now: now, random: random)
    }

    // MARK: Output

    public func pollTransmit() -> Datagram? { context.transmits.isEmpty ? nil : context.transmits.removeFirst() }
    public func pollEvent() -> IKEEvent? { context.events.isEmpty ? nil : context.events.removeFirst() }
    public func pollLog() -> LogRecord? { context.logs.isEmpty ? nil : context.logs.removeFirst() }
    /// Drops by reason since start.
    public var dropCounts: [DropReason: Int] { context.drops }

    /// When `handleTimeout` must next be called: the earliest exact deadline, or the earliest
    /// relaxed one (`IKESA.deadlines`) plus `settings.timerSlack`. Cached between inputs.
    public var nextTimeout: Duration? {
        if timeoutStale {
            let slack = context.settings.timerSlack
            var next: Duration?
            for sa in sas.values {
                let d = sa.deadlines
                next = earliest(next, earliest(d.exact, d.relaxed.map { $0 + slack }))
            }
            timeoutCache = next
            timeoutStale = false
        }
        return timeoutCache
    }

    // MARK: Input

    /// A datagram for us: `source` is the peer, `destination` our address and port.
    public func handle(datagram: Datagram, now: Duration) {
        defer { settle(now: now) }
        let bytes = datagram.bytes
        guard let h = try? IKEHeader.decode(bytes) else {
            return context.drop(.malformed, "-", "\(bytes.count) bytes from \(datagram.source) are not an IKE message")
        }
        guard h.majorVersion == 2 else {
            return context.drop(.malformed, "-", "IKE version \(h.majorVersion) from \(datagram.source)")
        }
        // RFC 7296 §3.1: Length is the whole message's; a datagram cut short or carrying more
        // than the header claims is not one (and is never routed to an SA on the strength of its SPIs).
        guard Int(h.length) == bytes.count else {
            return context.drop(.lengthMismatch, "-", "header length \(h.length), datagram \(bytes.count) bytes from \(datagram.source)")
        }
        if h.exchangeType == .ikeSAInit {
            guard let message = try? IKEMessage.decode(bytes) else {
                return context.drop(.malformed, "-", "undecodable IKE_SA_INIT from \(datagram.source)")
            }
            if h.isResponse {
                guard let sa = sas[h.initiatorSPI], sa.isOriginalInitiator else {
                    return context.drop(.unknownSPI, "-", "IKE_SA_INIT response for an unknown SPI")
                }
                return sa.receiveInitResponse(bytes, message: message, from: datagram.source, to: datagram.destination, now: now)
            }
            return respondToInit(bytes, message: message, from: datagram.source, to: datagram.destination, now: now)
        }
        let ours = h.isInitiator ? h.responderSPI : h.initiatorSPI
        guard let sa = sas[ours], sa.spiI == h.initiatorSPI, sa.spiR == h.responderSPI else {
            return context.drop(.unknownSPI, "-", "\(h.exchangeType) for unknown SPIs from \(datagram.source)")
        }
        sa.receive(bytes, header: h, from: datagram.source, to: datagram.destination, now: now)
    }

    /// Serves every timer due by `now`, the relaxed ones that the slack let wait included.
    public func handleTimeout(now: Duration) {
        var due: [IKESA] = []
        for sa in sas.values where (sa.nextDeadline.map { $0 <= now } ?? false) { due.append(sa) }
        for sa in due { sa.handleTimeout(now: now) }
        settle(now: now)
    }

    // MARK: Commands

    /// Starts an IKE SA for the tunnel (idempotent while one is being set up or is up).
    public func initiate(tunnel name: String, now: Duration) throws(EngineError) {
        defer { settle(now: now) }
        guard let config = tunnels[name] else { throw EngineError("no tunnel named '\(name)'") }
        guard let remote = config.remote else {
            throw EngineError("tunnel '\(name)' has remote_address %any and can only respond")
        }
        guard config.initiation != .responderOnly else {
            throw EngineError("tunnel '\(name)' has connection mode ResponderOnly: the peer must initiate")
        }
        if sas.values.contains(where: { $0.config.name == name && $0.state != .dead && $0.state != .rekeyed && $0.state != .deleting }) {
            return
        }
        let sa = IKESA(context: context, config: config, originalInitiator: true, spiI: uniqueSPI(), spiR: 0,
                       state: .initSent, local: config.local, remote: remote, now: now)
        sas[sa.spiI] = sa
        do {
            try sa.startInit(now: now)
        } catch {
            sa.failSetup(FailureReason(.internalError, "\(error)"), now: now)
        }
    }

    /// Deletes every IKE SA of the tunnel (and so its Child SAs) with INFORMATIONAL exchanges.
    public func terminate(tunnel name: String, now: Duration) {
        for sa in sas.values where sa.config.name == name {
            switch sa.state {
            case .initSent, .authSent, .halfOpen: sa.failSetup(FailureReason(.terminatedLocally, "terminated locally"), now: now)
            case .dead, .deleting: break
            default: sa.deleteIKE(now: now)
            }
        }
        settle(now: now)
    }

    /// Rekeys the tunnel's Child SAs now (`ikectl rekey`).
    public func rekeyChildSAs(tunnel name: String, now: Duration) {
        queue(on: name, now: now) { sa in sa.children.filter { $0.state == .installed }.map { .rekeyChild(inbound: $0.inboundSPI) } }
    }

    /// Creates another Child SA with the tunnel's selectors over its IKE SA (CREATE_CHILD_SA).
    public func createChildSA(tunnel name: String, now: Duration) {
        queue(on: name, now: now) { _ in [.createChild] }
    }

    /// Deletes the tunnel's Child SAs, keeping the IKE SA.
    public func deleteChildSAs(tunnel name: String, now: Duration) {
        queue(on: name, now: now) { sa in sa.children.filter { $0.state != .deleting }.map { .deleteChild(inbound: $0.inboundSPI) } }
    }

    /// Rekeys the tunnel's IKE SA now.
    public func rekeyIKESA(tunnel name: String, now: Duration) {
        queue(on: name, now: now) { _ in [.rekeyIKE] }
    }

    /// Queues tasks on each established IKE SA of a tunnel and starts them.
    private func queue(on name: String, now: Duration, _ tasks: (IKESA) -> [IKETask]) {
        for sa in sas.values where sa.config.name == name && sa.state == .established {
            tasks(sa).forEach { sa.enqueue($0) }
            sa.startNextTask(now: now)
        }
        settle(now: now)
    }

    /// The datapath hit a Child SA's soft (rekey) or hard (delete) volume limit.
    public func childSAExpired(inboundSPI spi: UInt32, hard: Bool, now: Duration) {
        owner(ofChild: spi)?.childExpired(inbound: spi, hard: hard, now: now)
        settle(now: now)
    }

    /// The datapath received ESP on this Child SA: the peer is alive, no liveness check needed.
    /// (It only moves a DPD deadline later, so the cached `nextTimeout` stays a safe bound.)
    public func childSAActivity(inboundSPI spi: UInt32, now: Duration) {
        owner(ofChild: spi)?.lastInbound = now
    }

    /// The datapath opened ESP on this UDP-encapsulated Child SA that came from `source`, not
    /// from the peer's known address (a NAT mapping change): the IKE SA checks the new address
    /// and moves only on an authenticated IKE answer (`IKESA.espArrived`).
    public func childSAPacket(inboundSPI spi: UInt32, from source: Endpoint, now: Duration) {
        owner(ofChild: spi)?.espArrived(from: source, now: now)
        settle(now: now)
    }

    // MARK: Status

    /// The usable IKE SAs of a tunnel (or all).
    public func ikeSAs(tunnel: String? = nil) -> [IKESAInfo] {
        sas.values.filter { $0.state.isUsable && (tunnel == nil || $0.config.name == tunnel) }.map(\.info)
    }

    /// Every Child SA of a tunnel (or all), with its keys.
    public func childSAs(tunnel: String? = nil) -> [ChildSAInfo] {
        sas.values.filter { tunnel == nil || $0.config.name == tunnel }.flatMap { $0.children.map(\.info) }
    }

    /// A tunnel's SAs with their timers, for `ikectl status`.
    public func snapshot(tunnel name: String) -> TunnelSnapshot {
        if tunnelIndex == nil { tunnelIndex = Dictionary(grouping: sas.values, by: \.config.name) }
        let mine = (tunnelIndex?[name] ?? []).filter { $0.state != .dead }
        let usable = mine.filter { $0.state.isUsable }.max { $0.createdAt < $1.createdAt }
        let children = mine.flatMap { sa in sa.children.map { ChildSnapshot(info: $0.info, proposal: $0.proposal.description, rekeyAt: $0.state == .installed ? $0.rekeyAt : nil) } }
        return TunnelSnapshot(ikeSA: usable?.info, establishedAt: usable?.establishedAt, rekeyAt: usable?.rekeyAt,
                              children: children,
                              connecting: mine.contains { [.initSent, .authSent, .halfOpen].contains($0.state) })
    }

    /// Replaces the tunnel set (a reload): removed and changed tunnels lose their SAs (DELETE
    /// sent); untouched ones keep theirs. Returns the names added or changed (to start again).
    @discardableResult
    public func replaceTunnels(_ new: [TunnelConfig], now: Duration) -> (added: [String], changed: [String], removed: [String]) {
        let incoming = Dictionary(new.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let removed = tunnels.keys.filter { incoming[$0] == nil }.sorted()
        let added = incoming.keys.filter { tunnels[$0] == nil }.sorted()
        let changed = incoming.keys.filter { name in tunnels[name].map { $0 != incoming[name]! } ?? false }.sorted()
        for name in removed + changed { terminate(tunnel: name, now: now) }
        tunnels = incoming
        return (added, changed, removed)
    }

    /// IKE SAs in any state, for memory checks and status.
    public var ikeSACount: Int { sas.count }

    /// Responder IKE SAs waiting for IKE_AUTH (RFC 7296 §2.6): what `cookieThreshold`,
    /// `halfOpenLimit` and `halfOpenPerPeerLimit` are compared with.
    public var halfOpenCount: Int { halfOpen.count }

    /// Everything the engine holds that could grow: SAs, Child SAs, SPIs, queued work and
    /// unpolled output. A long run checks that it stays flat.
    public var footprint: Int {
        sas.values.reduce(halfOpen.count + context.childSPIs.count + context.transmits.count + context.events.count) {
            $0 + 1 + $1.children.count + $1.queue.count + $1.delayed.count + $1.childCollisions.count
        }
    }

    // MARK: Internals

    /// The IKE SA holding a Child SA: where it was last found if it is still there (an IKE
    /// rekey moves Child SAs), else a scan of every SA.
    func owner(ofChild spi: UInt32) -> IKESA? {
        if let ike = childOwners[spi], let sa = sas[ike], sa.children.contains(where: { $0.inboundSPI == spi }) { return sa }
        guard let sa = sas.values.first(where: { $0.children.contains { $0.inboundSPI == spi } }) else {
            childOwners[spi] = nil
            return nil
        }
        // Entries of Child SAs gone since are dropped once they outnumber the live ones.
        if childOwners.count > 2 * context.childSPIs.count + 64 {
            childOwners = childOwners.filter { context.childSPIs.contains($0.key) }
        }
        childOwners[spi] = sa.ourSPI
        return sa
    }

    func uniqueSPI() -> UInt64 {
        while true {
            let spi = context.ikeSPI()
            if sas[spi] == nil { return spi }
        }
    }

    /// After every input: register SAs made by rekeys, drop dead ones, restart and clean up.
    func settle(now: Duration) {
        defer {
            timeoutStale = true
            tunnelIndex = nil
        }
        for sa in context.spawned { sas[sa.ourSPI] = sa }
        context.spawned.removeAll()
        for contact in context.initialContacts {
            for sa in sas.values where sa.config.name == contact.tunnel && sa.ourSPI != contact.keep
                && sa.peerID.map({ identity($0, satisfies: contact.remoteID) }) == true {
                sa.log(.info, "INITIAL_CONTACT: the peer restarted; removing IKE SA \(sa.spiText)")
                sa.die(reason: FailureReason(.deletedByPeer, "peer sent INITIAL_CONTACT"), now: now, silent: true)
            }
        }
        context.initialContacts.removeAll()
        for (spi, sa) in sas where sa.state == .dead { sas[spi] = nil }
        for (key, spi) in halfOpen where sas[spi]?.state != .halfOpen { halfOpen[key] = nil }
        let restarts = context.restarts
        context.restarts.removeAll()
        for name in restarts {
            context.log(.info, name, "dpd_action restart: initiating again")
            try? initiate(tunnel: name, now: now)
        }
    }
}
