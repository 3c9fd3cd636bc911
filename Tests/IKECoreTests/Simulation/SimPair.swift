import CryptoOpenSSL
import IKECrypto
import IKEWire
import Testing
@testable import IKECore

/// Two IKE engines over an in-memory network with a virtual clock (DESIGN §2, after quinn's
/// `Pair`): datagrams take `latency` to arrive and may be dropped, duplicated or reordered by a
/// seeded random source, or by a filter a test installs; an optional NAT rewrites A's address.
/// Nothing here reads a real clock: `now` only moves when the next delivery or timeout is due.
final class SimPair {
    enum Side: Hashable { case a, b }

    struct InFlight {
        var at: Duration
        var seq: Int
        var to: Side
        var datagram: Datagram
    }

    /// A NAT in front of A: A's inside endpoints appear at `publicAddress`, ports shifted by 40000.
    struct NAT {
        var inside: [UInt8]
        var publicAddress: [UInt8]
    }

    let a: IKEEngine
    let b: IKEEngine
    var now: Duration = .zero
    var latency: Duration = .milliseconds(10)
    var loss: [Side: Double] = [.a: 0, .b: 0]   // probability a datagram sent BY this side is lost
    var duplicate = 0.0
    var reorderJitter: Duration = .zero
    var nat: NAT?
    /// Return true to drop a datagram sent by `Side`.
    var filter: ((Side, Datagram) -> Bool)?
    /// Sides that are down: they neither send nor receive (a silent peer).
    var silent: Set<Side> = []
    let rng: SeededRandom
    private var queue: [InFlight] = []
    private var seq = 0
    var events: [Side: [IKEEvent]] = [.a: [], .b: []]
    var logs: [Side: [LogRecord]] = [.a: [], .b: []]
    var sent: [Side: [Datagram]] = [.a: [], .b: []]
    /// When each datagram in `sent` left (same indices), for tests of timers on the wire.
    var sentAt: [Side: [Duration]] = [.a: [], .b: []]
    /// When each side was handed a datagram (after loss and filters).
    var receivedAt: [Side: [Duration]] = [.a: [], .b: []]
    /// When each event in `events` was polled (same indices): the `now` of the step that made it.
    var eventAt: [Side: [Duration]] = [.a: [], .b: []]
    /// Keep logs and sent datagrams (off for long runs, whose memory is what we measure).
    var record = true
    /// Called after every step (e.g. to check that a Child SA pair always exists).
    var invariant: ((SimPair) -> Void)?

    init(a: [TunnelConfig], b: [TunnelConfig], settingsA: EngineSettings = EngineSettings(),
         settingsB: EngineSettings = EngineSettings(), seed: UInt64 = 1) throws {
        let provider = OpenSSLProvider()
        rng = SeededRandom(seed: seed ^ 0x5151)
        self.a = try IKEEngine(tunnels: a, settings: settingsA, provider: provider, random: SeededRandom(seed: seed), now: .zero)
        self.b = try IKEEngine(tunnels: b, settings: settingsB, provider: provider, random: SeededRandom(seed: seed &+ 1000), now: .zero)
    }

    func engine(_ s: Side) -> IKEEngine { s == .a ? a : b }

    private func chance(_ p: Double) -> Bool { p > 0 && rng.unitInterval() < p }

    /// Moves every output of both engines into the network and the event logs.
    func drain() {
        for side in [Side.a, .b] {
            let e = engine(side)
            while let ev = e.pollEvent() {
                if record { events[side]!.append(ev); eventAt[side]!.append(now) } else { tally(ev, side) }
            }
            while let l = e.pollLog() { if record { logs[side]!.append(l) } }
            while var d = e.pollTransmit() {
                if record { sent[side]!.append(d); sentAt[side]!.append(now) }
                if silent.contains(side) || filter?(side, d) == true || chance(loss[side] ?? 0) { continue }
                if side == .a, let nat, d.source.address == nat.inside {
                    d.source = Endpoint(address: nat.publicAddress, port: d.source.port &+ 40000)
                }
                let to: Side = side == .a ? .b : .a
                var at = now + latency
                if reorderJitter > .zero { at += .milliseconds(Int64(rng.next(below: Int(reorderJitter.components.seconds * 1000) + 1))) }
                enqueue(InFlight(at: at, seq: 0, to: to, datagram: d))
                if chance(duplicate) { enqueue(InFlight(at: at + .milliseconds(3), seq: 0, to: to, datagram: d)) }
            }
        }
    }

    /// Event counts by kind when not recording.
    var counts: [String: Int] = [:]
    private func tally(_ e: IKEEvent, _ side: Side) {
        let kind = "\(e)".prefix { $0 != "(" }
        counts["\(side).\(kind)", default: 0] += 1
    }

    private func enqueue(_ f: InFlight) {
        var f = f
        seq += 1
        f.seq = seq
        queue.append(f)
    }

    /// One step: the earliest delivery or timeout. False when nothing is scheduled before `limit`.
    @discardableResult
    func step(until limit: Duration) -> Bool {
        drain()
        let delivery = queue.min { ($0.at, $0.seq) < ($1.at, $1.seq) }
        let timeouts = [a.nextTimeout, b.nextTimeout].compactMap { $0 }
        let next = ([delivery?.at] + timeouts.map { Optional($0) }).compactMap { $0 }.min()
        guard let next, next <= limit else { return false }
        now = max(now, next)
        if let d = delivery, d.at <= now {
            queue.removeAll { $0.seq == d.seq }
            if !silent.contains(d.to) {
                if record { receivedAt[d.to]!.append(now) }
                var datagram = d.datagram
                if d.to == .a, let nat, datagram.destination.address == nat.publicAddress {
                    datagram.destination = Endpoint(address: nat.inside, port: datagram.destination.port &- 40000)
                }
                engine(d.to).handle(datagram: datagram, now: now)
            }
        } else {
            a.handleTimeout(now: now)
            b.handleTimeout(now: now)
        }
        drain()
        invariant?(self)
        return true
    }

    /// Runs until nothing is scheduled before `now + duration`, then sets the clock there.
    func run(for duration: Duration) {
        let limit = now + duration
        while step(until: limit) {}
        now = limit
    }

    /// Runs until the network is quiet (no datagram in flight) or `limit` passes.
    func settle(limit: Duration = .seconds(60)) {
        let end = now + limit
        repeat { drain() } while step(until: min(end, queue.isEmpty ? now : end)) || !queue.isEmpty && step(until: end)
    }

    /// The requests a side sent (first transmissions and retransmissions), with when and which exchange.
    func requests(_ side: Side, _ exchange: ExchangeType? = nil) -> [(at: Duration, exchange: ExchangeType)] {
        zip(sentAt[side]!, sent[side]!).compactMap { at, d in
            guard let h = try? IKEHeader.decode(d.bytes), !h.isResponse, exchange == nil || h.exchangeType == exchange else { return nil }
            return (at, h.exchangeType)
        }
    }

    /// The events of a side with when they happened.
    func timedEvents(_ side: Side) -> [(at: Duration, event: IKEEvent)] {
        Array(zip(eventAt[side]!, events[side]!))
    }

    func log(_ side: Side, containing text: String) -> Bool {
        logs[side]!.contains { $0.message.contains(text) }
    }

    // MARK: Agreement

    /// Both engines hold the same IKE SAs (by SPIs) and mirror-image Child SAs whose keys match:
    /// A's outbound SPI and keys are B's inbound ones and vice versa. Returns the pairs.
    @discardableResult
    func expectAgreement(tunnelA: String = "t", tunnelB: String = "t",
                         sourceLocation: SourceLocation = #_sourceLocation) -> Int {
        let ikeA = Set(a.ikeSAs(tunnel: tunnelA).map { "\($0.id.spiI)-\($0.id.spiR)" })
        let ikeB = Set(b.ikeSAs(tunnel: tunnelB).map { "\($0.id.spiI)-\($0.id.spiR)" })
        #expect(ikeA == ikeB, "IKE SAs differ", sourceLocation: sourceLocation)
        let childrenA = a.childSAs(tunnel: tunnelA), childrenB = b.childSAs(tunnel: tunnelB)
        #expect(childrenA.count == childrenB.count, "Child SA counts differ: \(childrenA.map(\.id)) vs \(childrenB.map(\.id))",
                sourceLocation: sourceLocation)
        for c in childrenA {
            guard let peer = childrenB.first(where: { $0.id.inbound == c.id.outbound }) else {
                Issue.record("A's Child SA \(c.id) has no counterpart on B", sourceLocation: sourceLocation)
                continue
            }
            #expect(peer.id.outbound == c.id.inbound, sourceLocation: sourceLocation)
            #expect(c.outboundKeys.encryption == peer.inboundKeys.encryption, sourceLocation: sourceLocation)
            #expect(c.outboundKeys.integrity == peer.inboundKeys.integrity, sourceLocation: sourceLocation)
            #expect(c.inboundKeys.encryption == peer.outboundKeys.encryption, sourceLocation: sourceLocation)
            #expect(c.suite == peer.suite, sourceLocation: sourceLocation)
            #expect(c.localTS == peer.remoteTS && c.remoteTS == peer.localTS, sourceLocation: sourceLocation)
        }
        return childrenA.count
    }

    /// Number of Child SA pairs present on both sides with matching SPIs (the tunnel "has coverage").
    func matchingPairs(tunnel: String = "t") -> Int {
        let bs = Set(b.childSAs(tunnel: tunnel).map { "\($0.id.inbound)-\($0.id.outbound)" })
        return a.childSAs(tunnel: tunnel).filter { bs.contains("\($0.id.outbound)-\($0.id.inbound)") }.count
    }
}

/// Configurations for the simulated peers: A (an "Azure" gateway, 192.0.2.1) and B (an "AWS"
/// endpoint, 198.51.100.1), with the networks of the product story.
enum SimConfig {
    static let addressA: [UInt8] = [192, 0, 2, 1]
    static let addressB: [UInt8] = [198, 51, 100, 1]
    static let psk = SecretBytes(Array("correct horse battery staple".utf8))

    static func tunnel(_ side: SimPair.Side, ike: [String] = ["aes256gcm16-prfsha256-ecp256"],
                       esp: [String] = ["aes256gcm16"], name: String = "t") throws -> TunnelConfig {
        let mine = side == .a ? addressA : addressB, theirs = side == .a ? addressB : addressA
        var c = TunnelConfig(
            name: name, local: Endpoint(address: mine, port: 500), remote: Endpoint(address: theirs, port: 500),
            localID: .ipv4(mine), remoteID: .ipv4(theirs), psk: psk,
            ikeProposals: try ProposalParser.parse(ike, for: .ike), espProposals: try ProposalParser.parse(esp, for: .esp),
            localTS: [try TrafficSelector(cidr: side == .a ? "10.1.0.0/16" : "10.2.0.0/16")],
            remoteTS: [try TrafficSelector(cidr: side == .a ? "10.2.0.0/16" : "10.1.0.0/16")])
        c.retransmit = RetransmitSchedule()
        return c
    }
}

extension Array where Element == IKEEvent {
    var established: Int { filter { if case .ikeSAEstablished = $0 { true } else { false } }.count }
    var installed: Int { filter { if case .childSAInstalled = $0 { true } else { false } }.count }
    var rekeyed: Int { filter { if case .childSARekeyed = $0 { true } else { false } }.count }
    var ikeRekeyed: Int { filter { if case .ikeSARekeyed = $0 { true } else { false } }.count }
    var failures: [FailureReason] {
        compactMap { if case .ikeSAFailed(_, let r) = $0 { r } else { nil } }
    }
    var childFailures: [FailureReason] {
        compactMap { if case .childSAFailed(_, let r) = $0 { r } else { nil } }
    }
}
