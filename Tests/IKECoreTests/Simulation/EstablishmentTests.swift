import IKECrypto
import IKEWire
import Testing
@testable import IKECore

/// IKE_SA_INIT + IKE_AUTH between two engines (RFC 7296 §1.2): A initiates, B responds.
@Suite struct EstablishmentTests {
    /// A initiates to B, runs until quiet, and returns the pair.
    static func establish(_ a: TunnelConfig, _ b: TunnelConfig, settingsB: EngineSettings = EngineSettings(),
                          seed: UInt64 = 1, setup: (SimPair) -> Void = { _ in }) throws -> SimPair {
        let pair = try SimPair(a: [a], b: [b], settingsB: settingsB, seed: seed)
        setup(pair)
        try pair.a.initiate(tunnel: a.name, now: pair.now)
        pair.run(for: .seconds(30))
        return pair
    }

    @Test func establishesWithChildSA() throws {
        // IKE_SA_INIT { SA, KEi, Ni, N(NATD_S_IP), N(NATD_D_IP), N(FRAG_SUP) } -->
        //   <-- { SA, KEr, Nr, N(NATD_S_IP), N(NATD_D_IP), N(FRAG_SUP) }
        // IKE_AUTH { IDi, IDr, AUTH, N(INITIAL_CONTACT), SA, TSi, TSr } -->
        //   <-- { IDr, AUTH, SA, TSi, TSr }
        let pair = try Self.establish(try SimConfig.tunnel(.a), try SimConfig.tunnel(.b))
        #expect(pair.events[.a]!.established == 1)
        #expect(pair.events[.b]!.established == 1)
        #expect(pair.events[.a]!.installed == 1)
        #expect(pair.events[.b]!.installed == 1)
        #expect(pair.expectAgreement() == 1)
        let child = try #require(pair.a.childSAs(tunnel: "t").first)
        #expect(child.localTS.notation == "10.1.0.0/16")
        #expect(child.remoteTS.notation == "10.2.0.0/16")
        #expect(child.suite.encryption == .aesGCM16)
        #expect(pair.sent[.a]!.count == 2 && pair.sent[.b]!.count == 2, "one datagram per message, nothing retransmitted")
    }

    @Test func logsEveryStateTransition() throws {
        let pair = try Self.establish(try SimConfig.tunnel(.a), try SimConfig.tunnel(.b))
        #expect(pair.log(.a, containing: "initSent -> authSent"))
        #expect(pair.log(.a, containing: "authSent -> established"))
        #expect(pair.log(.b, containing: "halfOpen -> established"))
        let psk = String(decoding: SimConfig.psk.bytes, as: UTF8.self)
        let all = (pair.logs[.a]! + pair.logs[.b]!).map(\.message).joined(separator: "\n")
        #expect(!all.contains(psk), "the PSK never reaches a log")
        // Nor does any Child SA key, in hex, in any case.
        for c in pair.a.childSAs() {
            for key in [c.inboundKeys.encryption, c.outboundKeys.encryption] {
                let text = hex(key.bytes)
                #expect(!all.lowercased().contains(text.prefix(16).lowercased()))
            }
        }
    }
}
