import IKECrypto
import IKEDaemon
import IKEWire
import Testing
@testable import IKECore

/// Azure's connection modes and policy-based selectors on the simulated wire (docs/profiles.md,
/// `connection_mode` and `policy_based_ts`). A is the Azure gateway, its `TunnelConfig` read
/// from TOML by `ConfigLoader.parse` so the profile's real defaults apply; B is a plain peer
/// with proposals Azure takes.
@Suite struct AzureModeSimTests {
    /// A plain peer's proposals that Azure's defaults accept (IKE: AES256/SHA1/group 2).
    static let peerProposals = """
        ike_proposals = "aes256-sha1-modp1024"
        esp_proposals = "aes256gcm16"
        dpd_delay = 0
        """

    static func azure(_ lines: String) throws -> TunnelSettings {
        try ProfileSimTests.tunnel(.a, "profile = \"azure\"\n\(lines)")
    }

    static func peer(_ lines: String = "") throws -> TunnelSettings {
        try ProfileSimTests.tunnel(.b, "\(peerProposals)\n\(lines)")
    }

    // MARK: connection_mode

    /// InitiatorOnly: the gateway drops every IKE_SA_INIT from its peer (and counts it), so the
    /// peer's attempt dies of silence; the gateway's own attempt brings the tunnel up.
    @Test func initiatorOnlyDropsThePeersIKESAInitAndInitiatesItself() throws {
        let a = try Self.azure("connection_mode = \"InitiatorOnly\"")
        #expect(a.ike.initiation == .initiatorOnly)
        let pair = try ProfileSimTests.pair(a, try Self.peer())

        // IKE_SA_INIT { SA, KEi, Ni } -->  (dropped by A, and each retransmission too)
        try pair.b.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(300))
        let tries = pair.requests(.b, .ikeSAInit).count
        #expect(tries > 1, "B retransmitted: \(tries)")
        #expect(pair.a.dropCounts[.initiatorOnly] == tries, "every one dropped as initiatorOnly: \(pair.a.dropCounts)")
        #expect(pair.sent[.a]!.isEmpty, "A never answers")
        #expect(pair.a.ikeSACount == 0 && pair.b.ikeSACount == 0, "no SA on either side")
        #expect(pair.events[.a]!.isEmpty)
        #expect(pair.events[.b]!.failures.map(\.kind) == [.peerUnreachable], "\(pair.events[.b]!.failures)")
        #expect(pair.log(.a, containing: "InitiatorOnly"))

        // A initiates: IKE_SA_INIT, IKE_AUTH -->
        try pair.a.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(10))
        #expect(pair.expectAgreement() == 1)
        #expect(pair.a.ikeSAs().map(\.isOriginalInitiator) == [true])
        #expect(pair.a.dropCounts[.initiatorOnly] == tries, "nothing more was dropped")
    }

    /// ResponderOnly: the gateway refuses to initiate, naming the mode; the peer's attempt works.
    @Test func responderOnlyNeverInitiatesButAnswers() throws {
        let a = try Self.azure("connection_mode = \"ResponderOnly\"")
        #expect(a.ike.initiation == .responderOnly && a.startAction == .add)
        let pair = try ProfileSimTests.pair(a, try Self.peer())
        do {
            try pair.a.initiate(tunnel: "t", now: pair.now)
            Issue.record("initiate should throw for a ResponderOnly tunnel")
        } catch {
            #expect("\(error)".contains("ResponderOnly"), "\(error)")
        }
        pair.run(for: .seconds(10))
        #expect(pair.sent[.a]!.isEmpty && pair.a.ikeSACount == 0, "nothing was started")

        try pair.b.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(10))
        #expect(pair.expectAgreement() == 1)
        #expect(pair.a.ikeSAs().map(\.isOriginalInitiator) == [false])
        #expect(pair.a.dropCounts.isEmpty, "\(pair.a.dropCounts)")
    }

    // MARK: policy_based_ts

    static let policySelectors = """
        local_ts = ["10.1.0.0/16", "10.3.0.0/16"]
        remote_ts = "10.2.0.0/16"
        """

    /// B proposes these (its local side is A's remote side).
    static func peerSelectors(remote: String) -> String {
        "local_ts = \"10.2.0.0/16\"\nremote_ts = \(remote)"
    }

    static func notations(_ ts: [TrafficSelector]) -> [String] { ts.map(\.notation) }

    /// The peer proposes every local × remote pair: the Child SA has all of them.
    @Test func policyBasedSelectorsAcceptEveryPair() throws {
        let a = try Self.azure("policy_based_ts = true\n\(Self.policySelectors)")
        #expect(a.ike.requireEveryPrefixPair)
        let b = try Self.peer(Self.peerSelectors(remote: "[\"10.1.0.0/16\", \"10.3.0.0/16\"]"))
        let pair = try ProfileSimTests.pair(a, b)
        // IKE_AUTH { …, SA, TSi(10.2/16), TSr(10.1/16, 10.3/16) } -->
        try pair.b.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(10))
        #expect(pair.expectAgreement() == 1)
        let child = try #require(pair.a.childSAs(tunnel: "t").first)
        #expect(Self.notations(child.localTS) == ["10.1.0.0/16", "10.3.0.0/16"])
        #expect(Self.notations(child.remoteTS) == ["10.2.0.0/16"])
        #expect(pair.events[.a]!.childFailures.isEmpty && pair.events[.b]!.childFailures.isEmpty)
    }

    /// The peer proposes one pair of two: refused with TS_UNACCEPTABLE under policy_based_ts
    /// (the IKE SA stays, RFC 7296 §1.2); without it, the same proposal gets that one pair.
    @Test func policyBasedSelectorsRefuseASinglePair() throws {
        let b = try Self.peer(Self.peerSelectors(remote: "\"10.1.0.0/16\""))

        let strict = try ProfileSimTests.pair(try Self.azure("policy_based_ts = true\n\(Self.policySelectors)"), b)
        // IKE_AUTH { …, SA, TSi(10.2/16), TSr(10.1/16) } -->
        try strict.b.initiate(tunnel: "t", now: strict.now)
        strict.run(for: .seconds(10))
        //                       <-- IKE_AUTH { IDr, AUTH, N(TS_UNACCEPTABLE) }
        #expect(strict.events[.b]!.childFailures.map(\.kind) == [.tsUnacceptable], "\(strict.events[.b]!.childFailures)")
        #expect(strict.events[.a]!.childFailures.map(\.kind) == [.tsUnacceptable])
        #expect(strict.a.childSAs().isEmpty && strict.b.childSAs().isEmpty)
        #expect(strict.a.ikeSAs().count == 1 && strict.b.ikeSAs().count == 1, "the IKE SA itself is up")
        #expect(strict.log(.a, containing: "does not cover the configured 10.3.0.0/16"))

        let loose = try ProfileSimTests.pair(try Self.azure(Self.policySelectors), b)
        try loose.b.initiate(tunnel: "t", now: loose.now)
        loose.run(for: .seconds(10))
        #expect(loose.expectAgreement() == 1)
        let child = try #require(loose.a.childSAs(tunnel: "t").first)
        #expect(Self.notations(child.localTS) == ["10.1.0.0/16"], "narrower than A's local_ts")
        #expect(Self.notations(child.remoteTS) == ["10.2.0.0/16"])
        #expect(loose.events[.b]!.childFailures.isEmpty)
    }
}
