import IKECrypto
import IKEWire

/// The states of an IKE SA. Every change goes through `IKESA.transition(to:)`, which checks it
/// against `allows` and logs `old -> new` (DESIGN §2, as OpenBSD iked's `sa_state`).
enum IKESAState: String {
    /// Initiator: IKE_SA_INIT sent (possibly again with a cookie or another group).
    case initSent
    /// Initiator: IKE_AUTH sent.
    case authSent
    /// Responder: IKE_SA_INIT answered, waiting for IKE_AUTH.
    case halfOpen
    case established
    /// Our CREATE_CHILD_SA rekeying this IKE SA is outstanding.
    case rekeying
    /// A new IKE SA replaced this one; it only waits for (or sends) the DELETE.
    case rekeyed
    /// Our INFORMATIONAL with Delete(IKE) is outstanding.
    case deleting
    /// Gone: the engine removes it.
    case dead

    /// A switch, not a Set: every handshake makes several transitions.
    func allows(_ next: IKESAState) -> Bool {
        switch (self, next) {
        case (.initSent, .authSent), (.initSent, .dead): true
        case (.authSent, .established), (.authSent, .dead): true
        case (.halfOpen, .established), (.halfOpen, .dead): true
        case (.established, .rekeying), (.established, .rekeyed), (.established, .deleting), (.established, .dead): true
        case (.rekeying, .established), (.rekeying, .rekeyed), (.rekeying, .deleting), (.rekeying, .dead): true
        case (.rekeyed, .deleting), (.rekeyed, .dead): true
        case (.deleting, .dead): true
        default: false
        }
    }

    var isUsable: Bool { self == .established || self == .rekeying }
}

/// Work an IKE SA queues for its own request window (one exchange at a time, RFC 7296 §2.3).
enum IKETask: Hashable {
    case createChild
    case rekeyChild(inbound: UInt32)
    case deleteChild(inbound: UInt32)
    case rekeyIKE
    case deleteIKE
    case liveness
}

/// One IKE SA: its keys, message windows, Child SAs, timers and the exchange it is running.
/// Exchanges live in extensions, one file each (IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA,
/// INFORMATIONAL). Invariant: at most one own request is outstanding (`pending`), and
/// retransmission is handled here and by `RequestWindow`, never by an exchange.
final class IKESA {
    let context: EngineContext
    let config: TunnelConfig
    let isOriginalInitiator: Bool
    var spiI: UInt64
    var spiR: UInt64
    private(set) var state: IKESAState
    var local: Endpoint
    var remote: Endpoint
    var udpEncapsulation = false
    /// An authenticated message has come over UDP encapsulation: the peer's switch to its NAT-T
    /// port (§2.23) is behind us, so a later new source is a NAT mapping change.
    var peerFloated = false
    var localBehindNAT = false
    var peerSupportsFragmentation = false
    var keying: IKEKeying?
    var peerID: Identification?
    var requests: RequestWindow
    var responses = ResponseWindow()
    var requestFragments = FragmentReassembler()
    var responseFragments = FragmentReassembler()
    var children: [ChildSA] = []
    var pending: PendingExchange?
    var queue: [IKETask] = []
    var delayed: [(at: Duration, task: IKETask)] = []
    /// Peer rekeys of our Child SAs answered while our own rekey of them was outstanding.
    var childCollisions: [UInt32: ChildCollision] = [:]
    /// The peer's IKE rekey answered while ours was outstanding (RFC 7296 §2.8.2).
    var ikeCollision: IKECollision?
    // IKE_SA_INIT material kept for AUTH (RFC 7296 §2.15).
    var initRequest: [UInt8] = []
    var initResponse: [UInt8] = []
    var nonceI: [UInt8] = []
    var nonceR: [UInt8] = []
    // Timers.
    var createdAt: Duration
    var establishedAt: Duration?
    var rekeyAt: Duration?
    var expireAt: Duration?
    var lastInbound: Duration
    var lastOutbound: Duration
    var livenessGiveUpAt: Duration?
    var halfOpenExpireAt: Duration?
    /// A successor IKE SA took over (this one only waits to be deleted).
    var replaced = false
    /// A new address the peer's ESP came from, checked until an authenticated IKE message
    /// arrives: our requests go there too (NATDetection.swift, `espArrived`).
    var probe: Endpoint?

    init(context: EngineContext, config: TunnelConfig, originalInitiator: Bool, spiI: UInt64, spiR: UInt64,
         state: IKESAState, local: Endpoint, remote: Endpoint, now: Duration) {
        self.context = context
        self.config = config
        self.isOriginalInitiator = originalInitiator
        self.spiI = spiI
        self.spiR = spiR
        self.state = state
        self.local = local
        self.remote = remote
        self.requests = RequestWindow(schedule: config.retransmit)
        self.createdAt = now
        self.lastInbound = now
        self.lastOutbound = now
        // The initiator's first line; a responder's is its "IKE proposal …; answering" line.
        if state == .initSent {
            context.log(.info, config.name, "IKE SA \(spiText) initiating to \(remote)")
        } else {
            context.log(.debug, config.name, "IKE SA \(spiText) created in state \(state.rawValue)")
        }
    }

    var id: IKESAID { IKESAID(tunnel: config.name, spiI: spiI, spiR: spiR) }
    var ourSPI: UInt64 { isOriginalInitiator ? spiI : spiR }
    /// "SPIi_i SPIr_r" for log lines, made once per pair of SPIs (every info line has it).
    var spiText: String {
        if let (i, r, text) = spiTextCache, i == spiI, r == spiR { return text }
        let text = "\(hex(spiI))_i \(hex(spiR))_r"
        spiTextCache = (spiI, spiR, text)
        return text
    }
    private var spiTextCache: (UInt64, UInt64, String)?

    /// The one place an IKE SA changes state (DESIGN §2).
    func transition(to next: IKESAState, _ why: String) {
        guard next != state else { return }
        guard state.allows(next) else {
            context.log(.error, config.name, "IKE SA \(spiText): refused transition \(state.rawValue) -> \(next.rawValue) (\(why))")
            return
        }
        // Info for the states an operator follows (up, replaced, gone); the steps between are debug.
        let level: LogRecord.Level = next == .established || next == .rekeyed || next == .dead ? .info : .debug
        context.log(level, config.name, "IKE SA \(spiText): \(state.rawValue) -> \(next.rawValue) (\(why))")
        if next == .rekeyed { replaced = true }
        state = next
    }

    /// The one place a Child SA changes state; logs `old -> new` like `transition(to:)`.
    func setChildState(_ i: Int, _ next: ChildSA.State, _ why: String) {
        guard children[i].state != next else { return }
        log(.info, "Child SA \(children[i].info.id): \(children[i].state.rawValue) -> \(next.rawValue) (\(why))")
        children[i].state = next
    }

    func log(_ level: LogRecord.Level, _ message: @autoclosure () -> String) { context.log(level, config.name, message()) }

    var info: IKESAInfo {
        IKESAInfo(id: id, local: local, remote: remote, localID: config.localID,
                  remoteID: peerID ?? config.remoteID ?? Identification(type: .fqdn, data: []),
                  proposal: keying?.proposalText ?? "", isOriginalInitiator: isOriginalInitiator,
                  udpEncapsulation: udpEncapsulation)
    }

    // MARK: Sending

    func header(_ exchange: ExchangeType, messageID: UInt32, response: Bool) -> IKEHeader {
        IKEHeader(initiatorSPI: spiI, responderSPI: spiR, exchangeType: exchange,
                  isInitiator: isOriginalInitiator, isResponse: response, messageID: messageID)
    }

    /// Seals payloads for this SA, in fragments when negotiated and needed (RFC 7383 §2.5).
    func protect(_ header: IKEHeader, _ payloads: [Payload]) throws -> [[UInt8]] {
        guard let keying else { throw ProtectionError.notEncrypted }
        let whole = try keying.protection.seal(header: header, payloads: payloads, random: context.random)
        // RFC 7383 §2.5: fragment only a message that does not fit.
        guard config.fragmentation, peerSupportsFragmentation, whole.count > config.fragmentSize else { return [whole] }
        return try keying.protection.sealFragments(header: header, payloads: payloads,
                                                   maxSize: config.fragmentSize, random: context.random)
    }

    func transmit(_ datagrams: [[UInt8]], now: Duration) {
        for d in datagrams { context.transmits.append(Datagram(source: local, destination: remote, bytes: d)) }
        if let probe {
            for d in datagrams { context.transmits.append(Datagram(source: local, destination: probe, bytes: d)) }
        }
        lastOutbound = now
    }

    /// Sends a new request and makes it the outstanding one.
    func sendRequest(_ exchange: ExchangeType, _ payloads: [Payload], _ exchangeState: PendingExchange, now: Duration) {
        let h = header(exchange, messageID: requests.nextMessageID, response: false)
        do {
            let datagrams = try protect(h, payloads)
            log(.debug, "sending \(exchange) request \(h.messageID) [ \(summary(payloads)) ]")
            _ = requests.sent(datagrams, now: now)
            pending = exchangeState
            transmit(datagrams, now: now)
        } catch {
            log(.error, "cannot build \(exchange) request: \(error)")
        }
    }

    /// Sends the response to request `messageID` and caches it for retransmissions (§2.1).
    func sendResponse(_ exchange: ExchangeType, messageID: UInt32, _ payloads: [Payload], now: Duration) {
        let h = header(exchange, messageID: messageID, response: true)
        do {
            let datagrams = try protect(h, payloads)
            log(.debug, "sending \(exchange) response \(messageID) [ \(summary(payloads)) ]")
            responses.responded(messageID: messageID, datagrams: datagrams)
            transmit(datagrams, now: now)
        } catch {
            log(.error, "cannot build \(exchange) response: \(error)")
        }
    }

    // MARK: Receiving

    /// An authenticated-encryption message for this SA (everything after IKE_SA_INIT).
    func receive(_ bytes: [UInt8], header h: IKEHeader, from: Endpoint, to: Endpoint, now: Duration) {
        guard state != .dead, keying != nil else {
            return context.drop(.unknownSPI, config.name, "no keys yet for \(h.exchangeType)")
        }
        if h.isResponse {
            guard requests.outstandingMessageID == h.messageID else {
                return context.drop(.unexpectedResponse, config.name, "\(h.exchangeType) response \(h.messageID)")
            }
            guard let payloads = open(bytes, header: h, reassembler: &responseFragments) else { return }
            _ = requests.receivedResponse(messageID: h.messageID)
            noteAuthentic(from: from, to: to, now: now)
            let exchange = pending
            pending = nil
            log(.debug, "received \(h.exchangeType) response \(h.messageID) [ \(summary(payloads)) ]")
            if let exchange { handleResponse(exchange, header: h, payloads: payloads, now: now) }
        } else {
            switch responses.classify(messageID: h.messageID) {
            case .drop(let reason):
                context.drop(reason == .oldRequest ? .oldRequest : .futureRequest, config.name,
                             "\(h.exchangeType) request \(h.messageID), expecting \(responses.expected)")
            case .resend(let cached):
                // Answer a retransmitted request once (for fragments: on fragment 1, RFC 7383 §2.6.1),
                // and only an authentic one: a forged request with the last message ID (the SPIs
                // are on the wire) would otherwise make us send the cached response for free.
                guard isAuthenticRetransmission(bytes, header: h) else { return }
                log(.debug, "retransmitting response \(h.messageID)")
                transmit(cached, now: now)
            case .process:
                guard let payloads = open(bytes, header: h, reassembler: &requestFragments) else { return }
                noteAuthentic(from: from, to: to, now: now)
                log(.debug, "received \(h.exchangeType) request \(h.messageID) [ \(summary(payloads)) ]")
                handleRequest(header: h, payloads: payloads, from: from, to: to, now: now)
            }
        }
        startNextTask(now: now)
    }

    /// Decrypts an SK message, or one SKF fragment (nil until the message is complete).
    private func open(_ bytes: [UInt8], header h: IKEHeader, reassembler: inout FragmentReassembler) -> [Payload]? {
        guard let keying else { return nil }
        do {
            let message = try IKEMessage.decode(bytes)
            if message.encryptedFragment != nil {
                let (_, fragment, plaintext) = try keying.protection.openFragment(bytes)
                switch reassembler.add(messageID: h.messageID, fragment: fragment, plaintext: plaintext) {
                case .incomplete: return nil
                case .complete(let payloads): return payloads
                case .dropped(let why):
                    context.drop(.fragmentDropped, config.name, why)
                    return nil
                }
            }
            return try keying.protection.open(bytes).payloads
        } catch {
            dropUnopened(error, header: h)
        }
        return nil
    }

    /// A request carrying the message ID last answered: true (resend the cached response) for
    /// fragment 1 or the whole message when its integrity checks; else dropped and counted.
    private func isAuthenticRetransmission(_ bytes: [UInt8], header h: IKEHeader) -> Bool {
        guard let keying else { return false }
        do {
            let message = try IKEMessage.decode(bytes)
            if let f = message.encryptedFragment {
                guard f.number == 1 else { return false }
                _ = try keying.protection.openFragment(bytes)
            } else {
                _ = try keying.protection.open(bytes)
            }
            return true
        } catch {
            dropUnopened(error, header: h)
            return false
        }
    }

    /// Counts a message that could not be opened: a failed ICV or AEAD tag, or bad framing.
    private func dropUnopened(_ error: any Error, header h: IKEHeader) {
        if let e = error as? ProtectionError, case .crypto = e {
            context.drop(.integrityCheckFailed, config.name, "\(h.exchangeType) \(h.messageID): \(e)")
        } else {
            context.drop(.malformed, config.name, "\(h.exchangeType) \(h.messageID): \(error)")
        }
    }

    /// An authenticated message arrived: the peer is alive; follow a NAT mapping change (§2.23).
    private func noteAuthentic(from: Endpoint, to: Endpoint, now: Duration) {
        lastInbound = now
        livenessGiveUpAt = nil
        probe = nil
        if udpEncapsulation, from != remote, from.port != Endpoint.ikePort {
            if peerFloated {
                log(.info, "peer moved from \(remote) to \(from) (NAT mapping changed)")
            } else {
                log(.info, "peer floated from \(remote) to \(from) (its NAT-T port, RFC 7296 §2.23)")
            }
            remote = from
            for i in children.indices { children[i].info.remote = from }
            context.events.append(.encapsulationChanged(id, local: local, remote: remote, udpEncapsulation: true))
        }
        if udpEncapsulation { peerFloated = true }
    }

    private func handleResponse(_ exchange: PendingExchange, header h: IKEHeader, payloads: [Payload], now: Duration) {
        switch exchange {
        case .ikeSAInit: break  // plaintext; handled by `receiveInitResponse`
        case .ikeAuth(let a): processAuthResponse(a, payloads: payloads, now: now)
        case .child(let c): processChildResponse(c, payloads: payloads, now: now)
        case .rekeyIKE(let r): processIKERekeyResponse(r, payloads: payloads, now: now)
        case .deleteChildren(let spis): processDeleteChildrenResponse(spis, now: now)
        case .deleteIKE: die(reason: nil, now: now)
        case .liveness: break
        case .notifyOnly: break
        }
    }

    private func handleRequest(header h: IKEHeader, payloads: [Payload], from: Endpoint, to: Endpoint, now: Duration) {
        switch h.exchangeType {
        case .ikeAuth where state == .halfOpen:
            processAuthRequest(messageID: h.messageID, payloads: payloads, from: from, to: to, now: now)
        case .createChildSA where state != .halfOpen:
            processCreateChildRequest(messageID: h.messageID, payloads: payloads, now: now)
        case .informational where state != .halfOpen:
            processInformationalRequest(messageID: h.messageID, payloads: payloads, now: now)
        default:
            context.drop(.unexpectedExchange, config.name, "\(h.exchangeType) request in state \(state.rawValue)")
        }
    }

    // MARK: Tasks and timers

    /// Queues a task unless it is already queued or running.
    func enqueue(_ task: IKETask, front: Bool = false) {
        guard !queue.contains(task) else { return }
        if front { queue.insert(task, at: 0) } else { queue.append(task) }
    }

    /// Starts the next queued exchange when nothing is outstanding.
    func startNextTask(now: Duration) {
        while pending == nil, requests.isIdle, !queue.isEmpty, state != .dead {
            let task = queue.removeFirst()
            start(task, now: now)
        }
    }

    private func start(_ task: IKETask, now: Duration) {
        switch task {
        case .createChild: if state.isUsable { startCreateChild(rekeying: nil, now: now) }
        case .rekeyChild(let spi): if state == .established { startCreateChild(rekeying: spi, now: now) }
        case .deleteChild(let spi): startDeleteChildren([spi], now: now)
        case .rekeyIKE: if state == .established { startIKERekey(now: now) }
        case .deleteIKE: startDeleteIKE(now: now)
        case .liveness: if state.isUsable || state == .rekeyed { startLiveness(now: now) }
        }
    }

    /// The earliest moment `handleTimeout` has work.
    var nextDeadline: Duration? {
        let d = deadlines
        return earliest(d.exact, d.relaxed)
    }

    /// When `handleTimeout` has work, in two parts: what must be served on time (retransmits,
    /// the liveness give-up, half-open expiry, delayed retries, rekeys and lifetimes, whose
    /// windows a profile promises) and what the engine may serve up to its timer slack late
    /// (DPD and NAT keepalives, which come every few seconds per tunnel), so that one wake-up
    /// serves the idle timers of many tunnels. A running minimum: it allocates nothing, since the
    /// engine asks every SA on each timer wake-up.
    var deadlines: (exact: Duration?, relaxed: Duration?) {
        var exact = earliest(requests.nextDeadline, earliest(livenessGiveUpAt, halfOpenExpireAt))
        for i in delayed.indices { exact = earliest(exact, delayed[i].at) }
        exact = earliest(exact, earliest(rekeyAt, expireAt))
        var relaxed: Duration?
        if state.isUsable {
            for i in children.indices {
                exact = earliest(exact, children[i].expireAt)
                if children[i].state == .installed { exact = earliest(exact, children[i].rekeyAt) }
            }
            if let delay = config.dpdDelay, pending == nil { relaxed = earliest(relaxed, lastInbound + delay) }
            if localBehindNAT { relaxed = earliest(relaxed, lastOutbound + config.natKeepalive) }
        }
        return (exact, relaxed)
    }

    func handleTimeout(now: Duration) {
        guard state != .dead else { return }
        // A liveness check with dpd_timeout retransmits until that timeout, not the schedule's end.
        let keepTrying: Bool = if case .liveness = pending, config.dpdTimeout != nil { true } else { false }
        switch requests.handleTimeout(now: now, giveUp: !keepTrying) {
        case .none: break
        case .retransmit(let datagrams):
            log(.debug, "retransmitting request \(requests.outstandingMessageID ?? 0)")
            transmit(datagrams, now: now)
        case .giveUp(let id):
            return peerUnreachable("no response to request \(id) after \(config.retransmit.retries) retransmissions", now: now)
        }
        if let t = livenessGiveUpAt, now >= t {
            return peerUnreachable("no response to the liveness check within \(config.dpdTimeout ?? .zero)", now: now)
        }
        if let t = halfOpenExpireAt, now >= t, state == .halfOpen {
            log(.info, "half-open IKE SA timed out waiting for IKE_AUTH")
            return die(reason: FailureReason(.peerUnreachable, "no IKE_AUTH"), now: now, silent: true)
        }
        if let t = expireAt, now >= t {
            log(.warning, "IKE SA reached its hard lifetime")
            expireAt = nil
            return deleteIKE(now: now)
        }
        if let t = rekeyAt, now >= t, state == .established {
            rekeyAt = nil
            enqueue(.rekeyIKE)
        }
        let due = delayed.filter { $0.at <= now }
        delayed.removeAll { $0.at <= now }
        for d in due { enqueue(d.task) }
        childTimers(now: now)
        if state.isUsable, let delay = config.dpdDelay, pending == nil, queue.isEmpty,
           now >= lastInbound + delay {   // idle = nothing received (our keepalives do not count)
            enqueue(.liveness)
        }
        if localBehindNAT, state.isUsable, now >= lastOutbound + config.natKeepalive {
            context.transmits.append(Datagram(source: local, destination: remote, bytes: [0xFF], kind: .natKeepalive))
            lastOutbound = now
        }
        startNextTask(now: now)
    }

    private func childTimers(now: Duration) {
        for c in children where now >= c.expireAt && c.state != .deleting {
            log(.warning, "Child SA \(c.info.id) reached its hard lifetime")
            enqueue(.deleteChild(inbound: c.inboundSPI), front: true)
            if let i = children.firstIndex(where: { $0.inboundSPI == c.inboundSPI }) { children[i].expireAt = now + .seconds(3600) }
        }
        for c in children where c.state == .installed && now >= c.rekeyAt {
            if let i = children.firstIndex(where: { $0.inboundSPI == c.inboundSPI }) { children[i].rekeyAt = c.expireAt }
            enqueue(.rekeyChild(inbound: c.inboundSPI))
        }
    }

    /// The datapath reports that a Child SA reached a volume limit (soft: rekey; hard: delete).
    func childExpired(inbound spi: UInt32, hard: Bool, now: Duration) {
        guard let c = children.first(where: { $0.inboundSPI == spi }) else { return }
        if hard {
            enqueue(.deleteChild(inbound: spi), front: true)
        } else if c.state == .installed {
            enqueue(.rekeyChild(inbound: spi))
        }
        startNextTask(now: now)
    }

    /// Retries a task after TEMPORARY_FAILURE, after a random delay (RFC 7296 §2.25).
    func retryLater(_ task: IKETask, now: Duration) {
        delayed.append((now + context.jittered(context.settings.retryDelay), task))
    }

    // MARK: Ending

    /// The peer stopped answering: the IKE SA is dead (RFC 7296 §2.4); act per `dpd_action`.
    func peerUnreachable(_ detail: String, now: Duration) {
        let wasLiveness: Bool = if case .liveness = pending { true } else { false }
        if wasLiveness, config.dpdAction == .none {
            log(.warning, "\(detail); dpd_action none keeps the SAs")
            // The same message ID again: the peer may or may not have seen the lost request.
            requests = RequestWindow(firstMessageID: requests.nextMessageID, schedule: config.retransmit)
            pending = nil
            livenessGiveUpAt = nil
            lastInbound = now
            return
        }
        if replaced {
            // A rekeyed SA whose Delete went unanswered: its successor carries the tunnel.
            log(.info, "old IKE SA \(spiText) gone without an answer to its Delete")
            return die(reason: nil, now: now, silent: true)
        }
        let established = state != .initSent && state != .authSent && state != .halfOpen
        let reason = FailureReason(established ? .deadPeer : .peerUnreachable, detail)
        log(.warning, "peer is unreachable: \(detail)")
        if config.dpdAction == .restart, established || isOriginalInitiator { context.restarts.append(config.name) }
        die(reason: reason, now: now, silent: true)
        if !established { context.events.append(.ikeSAFailed(tunnel: config.name, reason: reason)) }
    }

    /// Removes the IKE SA and its Child SAs, reporting each.
    func die(reason: FailureReason?, now: Duration, silent: Bool = false) {
        guard state != .dead else { return }
        for c in children {
            context.events.append(.childSADeleted(c.info.id, reason: reason))
            context.releaseChildSPI(c.inboundSPI)
        }
        children.removeAll()
        let wasEstablished = state != .initSent && state != .authSent && state != .halfOpen
        transition(to: .dead, reason?.description ?? "deleted")
        if wasEstablished { context.events.append(.ikeSADeleted(id, reason: reason)) }
        pending = nil
        queue.removeAll()
        delayed.removeAll()
    }

    /// Deletes the IKE SA with an INFORMATIONAL exchange (Child SAs go with it, §1.4.1).
    func deleteIKE(now: Duration) {
        // The Delete waits behind an outstanding exchange (window of one): that one either
        // completes or gives up, and giving up kills the SA anyway.
        queue.removeAll()
        if case .deleteIKE? = pending { return }
        enqueue(.deleteIKE)
        startNextTask(now: now)
    }
}

/// The earlier of two optional moments (nil when both are).
@inline(__always)
func earliest(_ a: Duration?, _ b: Duration?) -> Duration? {
    guard let a else { return b }
    guard let b else { return a }
    return b < a ? b : a
}

/// A short payload list for logs, as charon prints it: `SA KE No N(NATD_S_IP)`.
func summary(_ payloads: [Payload]) -> String {
    payloads.map { p -> String in
        switch p {
        case .securityAssociation: "SA"
        case .keyExchange: "KE"
        case .idInitiator: "IDi"
        case .idResponder: "IDr"
        case .authentication: "AUTH"
        case .nonce: "No"
        case .notify(let n): "N(\(n.type))"
        case .delete: "D"
        case .tsInitiator: "TSi"
        case .tsResponder: "TSr"
        case .encrypted: "SK"
        case .encryptedFragment: "SKF"
        default: "\(p.type)"
        }
    }.joined(separator: " ")
}
