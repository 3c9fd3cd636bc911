import Testing
import IKEWire
@testable import IKECore

/// RFC 7296 §2.9 narrowing as responder and the initiator's check of the answer, including the
/// AWS/Azure cases of reference/clouds.md (0.0.0.0/0 both ways, policy-based prefix pairs).
struct NarrowingTests {
    func list(_ texts: String...) throws -> [TrafficSelector] { try texts.map { try ts($0) } }

    /// Narrows, returning the results in notation; TSi is the peer's side, TSr ours.
    func narrow(tsi: [TrafficSelector], tsr: [TrafficSelector], local: [TrafficSelector],
                remote: [TrafficSelector]) throws -> (String, String) {
        let r = try TrafficSelectorNegotiation.narrow(proposedInitiator: tsi, proposedResponder: tsr,
                                                      localConfig: local, remoteConfig: remote)
        return (r.initiator.notation, r.responder.notation)
    }

    func expectUnacceptable(_ body: () throws(NegotiationError) -> Void) {
        do {
            try body()
            Issue.record("expected TS_UNACCEPTABLE")
        } catch {
            #expect(error.notify == .tsUnacceptable)
            #expect(!error.detail.isEmpty)
        }
    }

    @Test func anyToAnyProposalNarrowsToOurPrefixes() throws {
        // AWS/Azure route-based peer: TSi = TSr = 0.0.0.0/0; we serve 10.1/16 and reach 10.2/16.
        let r = try narrow(tsi: list("0.0.0.0/0"), tsr: list("0.0.0.0/0"),
                           local: list("10.1.0.0/16"), remote: list("10.2.0.0/16"))
        #expect(r.0 == "10.2.0.0/16")
        #expect(r.1 == "10.1.0.0/16")
    }

    @Test func specificProposalAcceptedByAnyToAnyConfig() throws {
        // We play the cloud: configured 0.0.0.0/0 both ways, the peer's prefixes are kept.
        let r = try narrow(tsi: list("192.168.0.0/24"), tsr: list("10.1.0.0/16"),
                           local: list("0.0.0.0/0"), remote: list("0.0.0.0/0"))
        #expect(r.0 == "192.168.0.0/24")
        #expect(r.1 == "10.1.0.0/16")
    }

    @Test func widerProposalNarrowsToAllowed() throws {
        let r = try narrow(tsi: list("192.168.0.0/16"), tsr: list("10.1.0.0/16"),
                           local: list("10.1.2.0/24"), remote: list("192.168.5.0/24"))
        #expect(r.0 == "192.168.5.0/24")
        #expect(r.1 == "10.1.2.0/24")
    }

    @Test func narrowerProposalIsKept() throws {
        let r = try narrow(tsi: list("192.168.5.0/24"), tsr: list("10.1.2.0/24"),
                           local: list("10.1.0.0/16"), remote: list("192.168.0.0/16"))
        #expect(r.0 == "192.168.5.0/24")
        #expect(r.1 == "10.1.2.0/24")
    }

    @Test func disjointIsUnacceptable() throws {
        let local = try list("10.1.0.0/16"), remote = try list("192.168.0.0/16")
        let ok = try list("10.1.0.0/16"), outside = try list("172.16.0.0/12")
        expectUnacceptable { () throws(NegotiationError) in
            _ = try TrafficSelectorNegotiation.narrow(proposedInitiator: outside, proposedResponder: ok,
                                                      localConfig: local, remoteConfig: remote)
        }
        expectUnacceptable { () throws(NegotiationError) in
            _ = try TrafficSelectorNegotiation.narrow(proposedInitiator: remote, proposedResponder: outside,
                                                      localConfig: local, remoteConfig: remote)
        }
        expectUnacceptable { () throws(NegotiationError) in
            _ = try TrafficSelectorNegotiation.narrow(proposedInitiator: [], proposedResponder: ok,
                                                      localConfig: local, remoteConfig: remote)
        }
    }

    @Test func policyBasedEveryPair() throws {
        // Azure UsePolicyBasedTrafficSelectors: several prefixes per side; every overlap survives.
        let r = try narrow(tsi: list("192.168.1.0/24", "192.168.2.0/24", "172.16.0.0/16"),
                           tsr: list("10.1.0.0/16", "10.2.0.0/16"),
                           local: list("10.1.0.0/16", "10.2.0.0/24", "10.3.0.0/16"),
                           remote: list("192.168.0.0/16"))
        #expect(r.0 == "192.168.1.0/24, 192.168.2.0/24")
        #expect(r.1 == "10.1.0.0/16, 10.2.0.0/24")
    }

    @Test func overlappingConfigGivesNoRedundantSelectors() throws {
        // 0/0 proposed against a config listing a prefix and its sub-prefix twice.
        let r = try narrow(tsi: list("0.0.0.0/0"), tsr: list("0.0.0.0/0", "10.1.0.0/16"),
                           local: list("10.1.0.0/16", "10.1.2.0/24", "10.1.0.0/16"),
                           remote: list("192.168.0.0/16"))
        #expect(r.1 == "10.1.0.0/16")
    }

    @Test func triggerSelectorStaysFirst() throws {
        // RFC 7296 §2.9: first TSi/TSr may be the triggering packet's addresses.
        let r = try narrow(tsi: list("192.168.1.7/32[tcp/51000]", "192.168.1.0/24"),
                           tsr: list("10.1.2.3/32[tcp/443]", "10.1.0.0/16"),
                           local: list("10.1.0.0/16"), remote: list("192.168.0.0/16"))
        #expect(r.0 == "192.168.1.0/24")
        #expect(r.1 == "10.1.0.0/16")
        let onlyTrigger = try narrow(tsi: list("192.168.1.7/32[tcp/51000]"), tsr: list("10.1.2.3/32[tcp/443]"),
                                     local: list("10.1.0.0/16"), remote: list("192.168.0.0/16"))
        #expect(onlyTrigger.0 == "192.168.1.7/32[tcp/51000]")
        #expect(onlyTrigger.1 == "10.1.2.3/32[tcp/443]")
    }

    @Test func familyMismatchIsUnacceptable() throws {
        let v6 = try list("2001:db8::/32"), v4 = try list("10.0.0.0/8")
        expectUnacceptable { () throws(NegotiationError) in
            _ = try TrafficSelectorNegotiation.narrow(proposedInitiator: v6, proposedResponder: v6,
                                                      localConfig: v4, remoteConfig: v4)
        }
        // TSi only IPv4 survives, TSr only IPv6: no packet could use the SA.
        let any = try list("0.0.0.0/0", "::/0")
        expectUnacceptable { () throws(NegotiationError) in
            _ = try TrafficSelectorNegotiation.narrow(proposedInitiator: any, proposedResponder: any,
                                                      localConfig: v6, remoteConfig: v4)
        }
    }

    @Test func dualStackKeepsCommonFamilies() throws {
        let r = try narrow(tsi: list("0.0.0.0/0", "::/0"), tsr: list("0.0.0.0/0", "::/0"),
                           local: list("10.1.0.0/16", "2001:db8:1::/48"), remote: list("10.2.0.0/16"))
        #expect(r.0 == "10.2.0.0/16")
        #expect(r.1 == "10.1.0.0/16")
        let both = try narrow(tsi: list("0.0.0.0/0", "::/0"), tsr: list("0.0.0.0/0", "::/0"),
                              local: list("10.1.0.0/16", "2001:db8:1::/48"),
                              remote: list("10.2.0.0/16", "2001:db8:2::/48"))
        #expect(both.0 == "10.2.0.0/16, 2001:db8:2::/48")
        #expect(both.1 == "10.1.0.0/16, 2001:db8:1::/48")
    }

    @Test func protocolAndPortNarrowing() throws {
        let r = try narrow(tsi: list("192.168.0.0/16"), tsr: list("10.1.0.0/16[tcp/443]"),
                           local: list("10.1.0.0/16"), remote: list("0.0.0.0/0"))
        #expect(r.1 == "10.1.0.0/16[tcp/443]")
        let config = try narrow(tsi: list("0.0.0.0/0"), tsr: list("0.0.0.0/0"),
                                local: list("10.1.0.0/16[udp/500-4500]"), remote: list("0.0.0.0/0"))
        #expect(config.1 == "10.1.0.0/16[udp/500-4500]")
        let clash = try list("10.1.0.0/16[udp]"), tcp = try list("10.1.0.0/16[tcp]")
        let all = try list("0.0.0.0/0")
        expectUnacceptable { () throws(NegotiationError) in
            _ = try TrafficSelectorNegotiation.narrow(proposedInitiator: all, proposedResponder: clash,
                                                      localConfig: tcp, remoteConfig: all)
        }
    }

    @Test func unknownProposedTypesAreIgnored() throws {
        var unknown = TrafficSelector(type: TSType(rawValue: 13), startAddress: [], endAddress: [])
        unknown.opaque = [0, 1, 2, 3]
        let r = try TrafficSelectorNegotiation.narrow(
            proposedInitiator: [unknown] + list("0.0.0.0/0"), proposedResponder: list("0.0.0.0/0"),
            localConfig: list("10.1.0.0/16"), remoteConfig: list("10.2.0.0/16"))
        #expect(r.initiator.notation == "10.2.0.0/16")
    }

    // MARK: initiator's check of the answer

    func accept(_ pi: [TrafficSelector], _ pr: [TrafficSelector], _ ai: [TrafficSelector],
                _ ar: [TrafficSelector]) throws(NegotiationError) {
        _ = try TrafficSelectorNegotiation.acceptNarrowed(proposedInitiator: pi, proposedResponder: pr,
                                                          answeredInitiator: ai, answeredResponder: ar)
    }

    @Test func initiatorAcceptsNarrowerAndEqual() throws {
        let pi = try list("10.1.0.0/16"), pr = try list("0.0.0.0/0")
        try accept(pi, pr, pi, pr)
        try accept(pi, pr, list("10.1.2.0/24"), list("192.168.0.0/16", "172.16.0.0/12[tcp/443]"))
        let r = try TrafficSelectorNegotiation.acceptNarrowed(
            proposedInitiator: pi, proposedResponder: pr,
            answeredInitiator: list("10.1.2.0/24"), answeredResponder: list("192.168.0.0/16"))
        #expect(r.initiator.notation == "10.1.2.0/24")
        #expect(r.responder.notation == "192.168.0.0/16")
    }

    @Test func initiatorRejectsWider() throws {
        let pi = try list("10.1.0.0/16"), pr = try list("192.168.0.0/16[tcp/443]")
        let wide = try list("10.0.0.0/8"), anyPort = try list("192.168.0.0/16")
        do {
            try accept(pi, pr, wide, pr)
            Issue.record("wider TSi accepted")
        } catch {
            #expect(error.notify == .tsUnacceptable)
            #expect(error.detail.contains("10.0.0.0/8"))
            #expect(error.detail.contains("wider"))
        }
        expectUnacceptable { () throws(NegotiationError) in try accept(pi, pr, pi, anyPort) }
    }

    @Test func initiatorRejectsDisjointAndEmpty() throws {
        let pi = try list("10.1.0.0/16"), pr = try list("192.168.0.0/16")
        let disjoint = try list("172.16.0.0/12"), partly = try list("10.1.0.0/24", "10.9.0.0/24")
        do {
            try accept(pi, pr, pi, disjoint)
            Issue.record("disjoint TSr accepted")
        } catch {
            #expect(error.notify == .tsUnacceptable)
            #expect(error.detail.contains("172.16.0.0/12"))
            #expect(error.detail.contains("outside"))
        }
        // One good and one bad selector is still a violation.
        expectUnacceptable { () throws(NegotiationError) in try accept(pi, pr, partly, pr) }
        expectUnacceptable { () throws(NegotiationError) in try accept(pi, pr, [], pr) }
        expectUnacceptable { () throws(NegotiationError) in try accept(pi, pr, pi, []) }
        let v6 = try list("::/0")
        expectUnacceptable { () throws(NegotiationError) in try accept(pi + v6, pr, v6, pr) }
    }
}
