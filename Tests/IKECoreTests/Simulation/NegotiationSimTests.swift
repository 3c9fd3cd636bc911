import IKECrypto
import IKEWire
import Testing
@testable import IKECore

/// Establishment with the cloud suites, and every way it can be refused (RFC 7296 §1.2, §2.6,
/// §2.7, §2.9, §2.15, §2.21).
@Suite struct NegotiationSimTests {
    /// The AWS endpoint's phase 1 and phase 2 suites (../shared/reference/clouds.md): each cipher
    /// with each integrity, and each DH group from AWS's list (2, 14–24).
    static let awsIKE: [String] = {
        var s: [String] = []
        for enc in ["aes128", "aes256"] { for integ in ["sha1", "sha256", "sha384", "sha512"] { s.append("\(enc)-\(integ)-ecp256") } }
        for enc in ["aes128gcm16", "aes256gcm16"] { for prf in ["prfsha1", "prfsha256", "prfsha384", "prfsha512"] { s.append("\(enc)-\(prf)-ecp384") } }
        for g in ["modp1024", "modp2048", "modp3072", "modp4096", "modp6144", "modp8192", "ecp256", "ecp384", "ecp521",
                  "modp1024s160", "modp2048s224", "modp2048s256"] { s.append("aes256-sha256-\(g)") }
        return s
    }()
    static let awsESP = ["aes128-sha1", "aes256-sha256", "aes128-sha384", "aes256-sha512", "aes128gcm16", "aes256gcm16"]
    /// Azure's default IKE offers (DH 2) and ESP offers, plus custom-policy suites.
    static let azureIKE = ["aes256-sha1-modp1024", "aes256-sha256-modp1024", "aes128-sha1-modp1024", "aes128-sha256-modp1024",
                           "aes256gcm16-prfsha384-ecp384", "aes128gcm16-prfsha256-ecp256", "aes256-sha384-modp2048s256"]
    static let azureESP = ["aes256gcm16", "aes256-sha1", "aes256-sha256", "aes128-sha1", "aes192-sha256", "aes128gcm16"]

    @Test(arguments: awsIKE + azureIKE)
    func ikeSuite(_ ike: String) throws {
        let pair = try EstablishmentTests.establish(try SimConfig.tunnel(.a, ike: [ike]), try SimConfig.tunnel(.b, ike: [ike]))
        #expect(pair.events[.a]!.established == 1 && pair.events[.b]!.established == 1)
        #expect(pair.expectAgreement() == 1)
    }

    @Test(arguments: awsESP + azureESP)
    func espSuite(_ esp: String) throws {
        let pair = try EstablishmentTests.establish(try SimConfig.tunnel(.a, esp: [esp]), try SimConfig.tunnel(.b, esp: [esp]))
        #expect(pair.expectAgreement() == 1)
    }

    @Test func responderPicksItsFirstProposalFromSeveral() throws {
        // A offers Azure's default list; B (AWS-like) prefers GCM and has SHA-256 CBC second.
        let a = try SimConfig.tunnel(.a, ike: ["aes256-sha1-modp1024", "aes256-sha256-modp2048", "aes128gcm16-prfsha256-modp2048"],
                                     esp: ["aes256-sha1", "aes256gcm16", "aes128-sha256"])
        let b = try SimConfig.tunnel(.b, ike: ["aes128gcm16-prfsha256-modp2048", "aes256-sha256-modp2048"],
                                     esp: ["aes128-sha256", "aes256gcm16"])
        // KE for modp1024 is sent first, so B answers INVALID_KE_PAYLOAD(MODP_2048) and A retries.
        let pair = try EstablishmentTests.establish(a, b)
        #expect(pair.a.ikeSAs(tunnel: "t").first?.proposal == "AES_GCM_16_128/PRF_HMAC_SHA2_256/MODP_2048")
        #expect(pair.a.childSAs(tunnel: "t").first?.suite.integrity == .hmacSHA256_128)
        #expect(pair.expectAgreement() == 1)
    }

    @Test func invalidKERetryWithTheRequestedGroup() throws {
        // IKE_SA_INIT { SA(ECP_256, MODP_2048), KE(ECP_256), Ni } -->
        //   <-- { N(INVALID_KE_PAYLOAD, MODP_2048) }
        // IKE_SA_INIT { SA, KE(MODP_2048), Ni } -->
        let a = try SimConfig.tunnel(.a, ike: ["aes256-sha256-ecp256-modp2048"])
        let b = try SimConfig.tunnel(.b, ike: ["aes256-sha256-modp2048"])
        let pair = try EstablishmentTests.establish(a, b)
        #expect(pair.log(.a, containing: "responder wants DH group MODP_2048"))
        #expect(pair.events[.a]!.established == 1)
        #expect(pair.a.ikeSAs().first?.proposal.hasSuffix("MODP_2048") == true)
        #expect(pair.expectAgreement() == 1)
        #expect(pair.b.ikeSACount == 1, "the INVALID_KE answer kept no state")
    }

    @Test func invalidKEForAGroupWeDoNotOfferFails() throws {
        let a = try SimConfig.tunnel(.a, ike: ["aes256-sha256-ecp256"])
        let b = try SimConfig.tunnel(.b, ike: ["aes256-sha256-ecp256-modp2048"])
        var bOnlyModp = b
        bOnlyModp.ikeProposals = try ProposalParser.parse(["aes256-sha256-modp2048"], for: .ike)
        let pair = try EstablishmentTests.establish(a, bOnlyModp)
        #expect(pair.events[.a]!.failures.first?.kind == .noProposalChosen)
        #expect(pair.expectAgreement() == 0)
    }

    @Test func cookieExchangeWhenTheResponderIsLoaded() throws {
        // IKE_SA_INIT { SA, KEi, Ni } -->   <-- { N(COOKIE) }
        // IKE_SA_INIT { N(COOKIE), SA, KEi, Ni } -->   <-- { SA, KEr, Nr }
        var settings = EngineSettings()
        settings.cookieThreshold = 0
        let pair = try EstablishmentTests.establish(try SimConfig.tunnel(.a), try SimConfig.tunnel(.b), settingsB: settings)
        #expect(pair.log(.a, containing: "responder asked for a cookie"))
        let firstReply = try IKEMessage.decode(try #require(pair.sent[.b]!.first).bytes)
        #expect(firstReply.payloads == [.notify(try #require(firstReply.notifies.first))] && firstReply.notifies.first?.type == .cookie)
        #expect(pair.expectAgreement() == 1)
    }

    @Test func responderNarrowsAnyToItsPrefixes() throws {
        // A (AWS-like) proposes 0.0.0.0/0 both ways; B has specific prefixes and narrows (§2.9).
        var a = try SimConfig.tunnel(.a)
        a.localTS = [try TrafficSelector(cidr: "0.0.0.0/0")]
        a.remoteTS = [try TrafficSelector(cidr: "0.0.0.0/0")]
        var b = try SimConfig.tunnel(.b)
        b.localTS = [try TrafficSelector(cidr: "10.2.0.0/16"), try TrafficSelector(cidr: "10.3.0.0/16")]
        b.remoteTS = [try TrafficSelector(cidr: "10.1.0.0/16")]
        let pair = try EstablishmentTests.establish(a, b)
        let child = try #require(pair.a.childSAs(tunnel: "t").first)
        #expect(child.localTS.notation == "10.1.0.0/16")
        #expect(child.remoteTS.notation == "10.2.0.0/16, 10.3.0.0/16")
        #expect(pair.expectAgreement() == 1)
    }

    @Test func disjointSelectorsGiveTSUnacceptableButKeepTheIKESA() throws {
        var b = try SimConfig.tunnel(.b)
        b.remoteTS = [try TrafficSelector(cidr: "172.16.0.0/12")]
        let pair = try EstablishmentTests.establish(try SimConfig.tunnel(.a), b)
        #expect(pair.events[.a]!.childFailures.first?.kind == .tsUnacceptable)
        #expect(pair.events[.b]!.childFailures.first?.kind == .tsUnacceptable)
        #expect(pair.events[.a]!.established == 1)
        #expect(pair.expectAgreement() == 0)
        #expect(pair.a.ikeSAs().count == 1)
    }

    @Test func noCommonIKEProposal() throws {
        let pair = try EstablishmentTests.establish(try SimConfig.tunnel(.a, ike: ["aes128-sha1-modp2048"]),
                                                    try SimConfig.tunnel(.b, ike: ["aes256gcm16-prfsha256-modp2048"]))
        #expect(pair.events[.a]!.failures.map(\.kind) == [.noProposalChosen])
        #expect(pair.a.ikeSACount == 0 && pair.b.ikeSACount == 0)
    }

    @Test func noCommonESPProposal() throws {
        let pair = try EstablishmentTests.establish(try SimConfig.tunnel(.a, esp: ["aes128-sha1"]),
                                                    try SimConfig.tunnel(.b, esp: ["aes256gcm16"]))
        #expect(pair.events[.a]!.childFailures.map(\.kind) == [.noProposalChosen])
        #expect(pair.expectAgreement() == 0)
    }

    @Test(arguments: [SimPair.Side.a, .b])
    func wrongPSKOnEitherSide(_ wrong: SimPair.Side) throws {
        var a = try SimConfig.tunnel(.a), b = try SimConfig.tunnel(.b)
        if wrong == .a { a.psk = SecretBytes(Array("not the key".utf8)) } else { b.psk = SecretBytes(Array("not the key".utf8)) }
        let pair = try EstablishmentTests.establish(a, b)
        // The responder checks the initiator's AUTH first, whichever side holds the wrong key.
        #expect(pair.events[.b]!.failures.map(\.kind) == [.authenticationFailed])
        #expect(pair.events[.a]!.failures.map(\.kind) == [.authenticationFailed])
        #expect(pair.a.ikeSACount == 0 && pair.b.ikeSACount == 0)
        #expect(pair.events[.a]!.installed == 0 && pair.events[.b]!.installed == 0)
    }

    @Test func initiatorRejectsTheResponderIdentity() throws {
        var a = try SimConfig.tunnel(.a)
        a.remoteID = .fqdn("vpn.other.example")
        var b = try SimConfig.tunnel(.b)
        b.localID = .fqdn("vpn.aws.example")
        let pair = try EstablishmentTests.establish(a, b) { _ in }
        // B does not match A's IDr request and refuses first.
        #expect(pair.events[.b]!.failures.map(\.kind) == [.identityMismatch])
        #expect(pair.events[.a]!.failures.map(\.kind) == [.authenticationFailed])
        #expect(pair.a.ikeSACount == 0 && pair.b.ikeSACount == 0)
    }

    @Test func initiatorRejectsAResponderThatAuthenticatesAsSomeoneElse() throws {
        // A checks the responder's identity without asking for it (no IDr on the wire); B
        // authenticates, correctly, as another name. A refuses and tells B (§2.21.2).
        var a = try SimConfig.tunnel(.a)
        a.sendRemoteID = false
        var b = try SimConfig.tunnel(.b)
        b.localID = .fqdn("impostor.example")
        let pair = try EstablishmentTests.establish(a, b)
        #expect(pair.events[.a]!.failures.map(\.kind) == [.identityMismatch])
        #expect(pair.events[.b]!.established == 1, "B authenticated A and was told afterwards")
        #expect(pair.a.ikeSACount == 0 && pair.b.ikeSACount == 0, "B dropped its SA on A's AUTHENTICATION_FAILED")
        #expect(pair.expectAgreement() == 0)

        a.remoteID = nil
        let anyone = try EstablishmentTests.establish(a, b)
        #expect(anyone.expectAgreement() == 1, "with no remote_id configured, any authenticated ID is accepted")
    }

    @Test func responderRejectsTheInitiatorIdentity() throws {
        var b = try SimConfig.tunnel(.b)
        b.remoteID = .fqdn("expected-peer.example")
        let pair = try EstablishmentTests.establish(try SimConfig.tunnel(.a), b)
        #expect(pair.events[.b]!.failures.map(\.kind) == [.identityMismatch])
        #expect(pair.events[.a]!.failures.map(\.kind) == [.authenticationFailed])
        #expect(pair.a.ikeSACount == 0 && pair.b.ikeSACount == 0)
    }

    @Test(arguments: [Identification.fqdn("Gw.Example.NET"), .rfc822("vpn@example.net"), .keyID([1, 2, 3, 4]),
                      .ipv6([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1])])
    func identityTypes(_ id: Identification) throws {
        var a = try SimConfig.tunnel(.a)
        a.localID = id
        var b = try SimConfig.tunnel(.b)
        b.remoteID = id.type == .fqdn ? .fqdn("gw.example.net") : id
        let pair = try EstablishmentTests.establish(a, b)
        #expect(pair.expectAgreement() == 1)
    }

    @Test func aTunnelNamingThePeerWinsOverAnAnyTunnel() throws {
        // B has "any" (%any, sorted first) and "t" (A's address): A must land in "t".
        var any = try SimConfig.tunnel(.b, name: "any")
        any.remote = nil
        any.remoteID = nil
        any.psk = SecretBytes(Array("another key".utf8))
        let pair = try SimPair(a: [try SimConfig.tunnel(.a)], b: [any, try SimConfig.tunnel(.b)])
        try pair.a.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(10))
        #expect(pair.b.ikeSAs(tunnel: "t").count == 1)
        #expect(pair.b.ikeSAs(tunnel: "any").isEmpty)
        #expect(pair.expectAgreement() == 1)
    }
}
