import IKEWire

/// Traffic-selector negotiation for a Child SA (RFC 7296 §2.9): the responder narrows the
/// initiator's TSi/TSr to its policy, the initiator checks that the answer only narrowed.
/// Results are never empty and never admit anything outside both the proposal and the policy.
///
/// Trigger selectors (RFC 7296 §2.9): an initiator may put the addresses of the packet that
/// caused the SA as the first TSi and TSr. We treat them as ordinary selectors: they are
/// intersected like the rest, and since the output keeps the proposal's order a surviving
/// trigger-derived selector stays first. We do not use the trigger to pick one of several
/// policies; iked has one policy per tunnel, so there is nothing to choose between.
public enum TrafficSelectorNegotiation {
    /// Responder side: narrow the proposal to the configuration.
    ///
    /// TSi is the initiator's (the peer's) side and is narrowed against `remoteConfig`; TSr is
    /// ours and is narrowed against `localConfig`. Each result is every non-empty intersection
    /// of proposed x configured, in proposal order, without duplicates or selectors contained in
    /// another. Selectors whose address family has no counterpart on the other side are dropped
    /// (no packet could match them). Covers the cloud cases: 0.0.0.0/0 proposed against specific
    /// prefixes narrows to ours; specific prefixes proposed against 0.0.0.0/0 are kept; several
    /// prefixes per side give every overlapping pair.
    public static func narrow(
        proposedInitiator: [TrafficSelector], proposedResponder: [TrafficSelector],
        localConfig: [TrafficSelector], remoteConfig: [TrafficSelector]
    ) throws(NegotiationError) -> (initiator: [TrafficSelector], responder: [TrafficSelector]) {
        var initiator = intersections(proposedInitiator, remoteConfig)
        var responder = intersections(proposedResponder, localConfig)
        // RFC 7296 §2.9: if no part of the proposal is acceptable, answer TS_UNACCEPTABLE.
        guard !initiator.isEmpty else {
            throw NegotiationError(.tsUnacceptable,
                                   "TSi \(proposedInitiator.notation) is outside remote policy \(remoteConfig.notation)")
        }
        guard !responder.isEmpty else {
            throw NegotiationError(.tsUnacceptable,
                                   "TSr \(proposedResponder.notation) is outside local policy \(localConfig.notation)")
        }
        let families = Set(initiator.map(\.type)).intersection(responder.map(\.type))
        guard !families.isEmpty else {
            throw NegotiationError(.tsUnacceptable,
                                   "TSi \(initiator.notation) and TSr \(responder.notation) share no address family")
        }
        initiator.removeAll { !families.contains($0.type) }
        responder.removeAll { !families.contains($0.type) }
        return (initiator, responder)
    }

    /// Initiator side: check the responder's answer against what we proposed.
    ///
    /// RFC 7296 §2.9: the responder may only narrow. Every answered selector must be contained
    /// in one we proposed (equal is fine); both lists must be non-empty and share an address
    /// family. Returns the answer unchanged.
    public static func acceptNarrowed(
        proposedInitiator: [TrafficSelector], proposedResponder: [TrafficSelector],
        answeredInitiator: [TrafficSelector], answeredResponder: [TrafficSelector]
    ) throws(NegotiationError) -> (initiator: [TrafficSelector], responder: [TrafficSelector]) {
        try checkSubset(answeredInitiator, of: proposedInitiator, side: "TSi")
        try checkSubset(answeredResponder, of: proposedResponder, side: "TSr")
        let families = Set(answeredInitiator.map(\.type)).intersection(answeredResponder.map(\.type))
        guard !families.isEmpty else {
            throw NegotiationError(.tsUnacceptable,
                                   "answered TSi \(answeredInitiator.notation) and TSr \(answeredResponder.notation) share no address family")
        }
        return (answeredInitiator, answeredResponder)
    }

    /// Azure's policy-based selectors (UsePolicyBasedTrafficSelectors): every configured prefix
    /// must survive narrowing whole, i.e. the peer proposed every local × remote pair.
    public static func requireCoverage(of configured: [TrafficSelector], by narrowed: [TrafficSelector],
                                       side: String) throws(NegotiationError) {
        for c in configured where !narrowed.contains(where: { $0.contains(c) }) {
            throw NegotiationError(.tsUnacceptable,
                                   "policy-based selectors: \(side) \(narrowed.notation) does not cover the configured \(c.notation)")
        }
    }

    /// All non-empty intersections of proposed x configured, reduced to a minimal cover.
    static func intersections(_ proposed: [TrafficSelector], _ configured: [TrafficSelector]) -> [TrafficSelector] {
        var result: [TrafficSelector] = []
        for p in proposed {
            for c in configured {
                if let both = p.intersection(c) { result.append(both) }
            }
        }
        return withoutRedundant(result)
    }

    /// Drops duplicates and selectors contained in another, keeping the first of equals and
    /// otherwise the original order.
    static func withoutRedundant(_ selectors: [TrafficSelector]) -> [TrafficSelector] {
        var kept: [TrafficSelector] = []
        for (i, s) in selectors.enumerated() {
            let redundant = selectors.indices.contains { j in
                j != i && selectors[j].contains(s) && (!s.contains(selectors[j]) || j < i)
            }
            if !redundant { kept.append(s) }
        }
        return kept
    }

    private static func checkSubset(_ answered: [TrafficSelector], of proposed: [TrafficSelector],
                                    side: String) throws(NegotiationError) {
        guard !answered.isEmpty else {
            throw NegotiationError(.tsUnacceptable, "responder answered an empty \(side)")
        }
        for a in answered where !proposed.contains(where: { $0.contains(a) }) {
            let how = proposed.contains(where: { $0.overlaps(a) }) ? "wider than" : "outside"
            throw NegotiationError(.tsUnacceptable,
                                   "responder's \(side) \(a.notation) is \(how) our proposed \(proposed.notation)")
        }
    }
}
