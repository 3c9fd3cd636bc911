// libFuzzer target: a responder's handling of a first message. A fresh `IKEEngine` (real
// OpenSSLProvider, seeded random, virtual clock) with one PSK tunnel that accepts any peer
// gets the input as a datagram to UDP 500.
//
// Input: byte 0 bit 0 picks cookies always (cookieThreshold 0) or never (a threshold no test
// reaches); bit 1 sends a follow-up datagram. The rest is the datagram; with bit 1, the bytes
// past the length in its IKE header are a follow-up instead, whose SPIs are patched to those of
// the IKE SA the first message created, so that it reaches that SA.
//
// Properties:
//  1. every datagram is answered or counted as a drop, never silently ignored;
//  2. every answer is an IKE_SA_INIT response to the sender, with its SPIi and message ID 0;
//  3. a COOKIE demand keeps no state; the request retried with that cookie is not asked again;
//  4. at most one IKE SA exists, and after the half-open timeout (plus the longest
//     retransmission schedule) none is left: a first message cannot pin memory.
import CryptoOpenSSL
import IKECore
import IKECrypto
import IKEWire

enum IKEResponderFuzz {
    static let provider = OpenSSLProvider()
    static let local = Endpoint(address: [192, 0, 2, 1], port: 500)
    static let peer = Endpoint(address: [203, 0, 113, 7], port: 500)

    /// The tunnel: any peer, the suites of the strongSwan captures that are cheap enough to
    /// fuzz (ECP-256, X25519, MODP-1024; MODP-2048 offers get NO_PROPOSAL_CHOSEN).
    static let tunnel: TunnelConfig = {
        var c = TunnelConfig(
            name: "fuzz", local: local, remote: nil, localID: .ipv4(local.address), remoteID: nil,
            psk: SecretBytes(Array("fuzz-pre-shared-key".utf8)),
            ikeProposals: try! ProposalParser.parse(["aes256gcm16-prfsha256-ecp256", "chacha20poly1305-prfsha256-x25519",
                                                     "aes128-sha1-modp1024"], for: .ike),
            espProposals: try! ProposalParser.parse(["aes256gcm16", "aes128-sha1"], for: .esp),
            localTS: [try! TrafficSelector(cidr: "10.1.0.0/16")], remoteTS: [try! TrafficSelector(cidr: "10.2.0.0/16")])
        c.fragmentation = true
        return c
    }()

    static func run(_ bytes: [UInt8]) {
        guard bytes.count >= 2 else { return }
        let cookies = bytes[0] & 1 != 0, followUp = bytes[0] & 2 != 0
        var first = Array(bytes[1...]), second: [UInt8] = []
        if followUp, first.count >= IKEHeader.size {
            // The first datagram ends where its header's Length says; the follow-up is the rest.
            let length = first[24..<28].reduce(0) { $0 << 8 | Int($1) }
            if length >= IKEHeader.size, length < first.count {
                second = Array(first[length...])
                first = Array(first[..<length])
            }
        }
        var settings = EngineSettings()
        settings.cookieThreshold = cookies ? 0 : 1_000_000
        settings.logLevel = .debug   // format every log line: its text is code too
        let engine = try! IKEEngine(tunnels: [tunnel], settings: settings, provider: provider,
                                    random: SeededRandom(seed: 42), now: .zero)
        var now = Duration.seconds(1)
        var answers = deliver(first, to: engine, now: now)
        if cookies, let cookie = cookieDemand(answers) {
            guard engine.ikeSACount == 0 else { fatalError("state kept while demanding a cookie") }
            guard var request = try? IKEMessage.decode(first) else { fatalError("cookie demanded for an undecodable request") }
            request.payloads.insert(.notify(Notify(.cookie, data: cookie)), at: 0)
            let retried = request.encode()
            now += .milliseconds(100)
            answers = deliver(retried, to: engine, now: now)
            // RFC 7296 §2.6: a valid cookie is not asked for again (unless the limits drop it).
            guard cookieDemand(answers) == nil else { fatalError("asked again for a cookie it made") }
            first = retried
        }
        guard engine.ikeSACount <= 1 else { fatalError("\(engine.ikeSACount) IKE SAs from one request") }
        if let response = answers.compactMap({ try? IKEMessage.decode($0.bytes) }).first(where: { $0.header.responderSPI != 0 }),
           followUp, second.count >= IKEHeader.size {
            // Route the follow-up to the half-open SA: its SPIs, the rest as the peer sent it.
            var patched = second
            for i in 0..<8 {
                patched[i] = UInt8(truncatingIfNeeded: response.header.initiatorSPI >> (56 - 8 * UInt64(i)))
                patched[8 + i] = UInt8(truncatingIfNeeded: response.header.responderSPI >> (56 - 8 * UInt64(i)))
            }
            now += .milliseconds(100)
            _ = deliver(patched, to: engine, now: now, initOnly: false)
        }
        drainTimers(engine, from: now)
    }

    /// Hands one datagram to the engine and checks properties 1 and 2; returns the answers.
    static func deliver(_ bytes: [UInt8], to engine: IKEEngine, now: Duration, initOnly: Bool = true) -> [Datagram] {
        let dropsBefore = engine.dropCounts.values.reduce(0, +)
        engine.handle(datagram: Datagram(source: peer, destination: local, bytes: bytes), now: now)
        var answers: [Datagram] = []
        while let d = engine.pollTransmit() { answers.append(d) }
        while engine.pollLog() != nil {}
        while engine.pollEvent() != nil {}
        let dropsAfter = engine.dropCounts.values.reduce(0, +)
        guard !answers.isEmpty || dropsAfter > dropsBefore || !initOnly else {
            fatalError("a \(bytes.count)-byte datagram was neither answered nor counted")
        }
        guard initOnly else { return answers }
        let spiI = bytes.count >= 8 ? bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } : 0
        for a in answers {
            guard a.destination == peer, a.source == local else { fatalError("answer sent to \(a.destination) from \(a.source)") }
            guard let m = try? IKEMessage.decode(a.bytes) else { fatalError("our answer does not decode") }
            let h = m.header
            guard h.exchangeType == .ikeSAInit, h.isResponse, !h.isInitiator, h.messageID == 0, h.initiatorSPI == spiI else {
                fatalError("answer is not an IKE_SA_INIT response to the request: \(h)")
            }
        }
        return answers
    }

    /// The cookie of a COOKIE demand among the answers.
    static func cookieDemand(_ answers: [Datagram]) -> [UInt8]? {
        for a in answers {
            guard let m = try? IKEMessage.decode(a.bytes) else { continue }
            if let n = m.notifies.first(where: { $0.type == .cookie }) { return n.data }
        }
        return nil
    }

    /// Runs the engine's timers for up to 10 virtual minutes: no IKE SA may survive them.
    static func drainTimers(_ engine: IKEEngine, from start: Duration) {
        var now = start
        let end = start + .seconds(600)
        var turns = 0
        while let next = engine.nextTimeout, next <= end {
            turns += 1
            guard turns < 1000 else { fatalError("timers spin: \(turns) turns by \(now)") }
            now = max(now, next)
            engine.handleTimeout(now: now)
            while engine.pollTransmit() != nil {}
            while engine.pollLog() != nil {}
            while engine.pollEvent() != nil {}
        }
        guard engine.ikeSACount == 0 else { fatalError("\(engine.ikeSACount) IKE SAs left 10 minutes after a first message") }
    }
}
