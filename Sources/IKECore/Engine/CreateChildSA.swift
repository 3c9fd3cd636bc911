import IKECrypto
import IKEWire

/// The responder wants another DH group for this CREATE_CHILD_SA (RFC 7296 §1.3).
struct InvalidKE: Error {
    var group: DHGroupID
}

/// CREATE_CHILD_SA for Child SAs (RFC 7296 §1.3.1, §1.3.3), both roles:
///   HDR, SK {[N(REKEY_SA),] SA, Ni, [KEi,] TSi, TSr} -->
///                                  <-- HDR, SK {SA, Nr, [KEr,] TSi, TSr}
/// Rekey collisions follow §2.8.1: each side answers the other's rekey as usual; when both
/// exchanges are done, the SA made by the exchange holding the lowest of the four nonces is
/// deleted by its initiator, and the other initiator deletes the old SA.
extension IKESA {
    func newChildExchange(rekeying: UInt32?, tsi: [TrafficSelector], tsr: [TrafficSelector],
                          withKE: Bool, group: DHGroupID? = nil, spi reuse: UInt32? = nil) -> ChildExchange {
        let spi = reuse ?? context.allocateChildSPI()
        let proposals = config.espProposals.enumerated().map { i, spec -> Proposal in
            var s = spec
            if !withKE { s.dhGroups = [] }   // IKE_AUTH carries no KE (§1.2)
            return s.proposal(number: UInt8(i + 1), spi: bigEndianBytes(spi))
        }
        var ke: (any DHKeyPair)?
        if withKE, let g = group ?? config.espProposals.first?.dhGroups.first, let dh = DHGroup(rawValue: g.rawValue) {
            ke = try? context.provider.makeKeyExchange(dh)
        }
        return ChildExchange(rekeying: rekeying, spi: spi, nonce: withKE ? context.nonce() : [], ke: ke,
                             proposals: proposals, tsi: tsi, tsr: tsr)
    }

    func childRequestPayloads(_ c: ChildExchange) -> [Payload] {
        var p: [Payload] = []
        if let old = c.rekeying { p.append(.notify(.rekeySA(espSPI: old))) }
        p.append(.securityAssociation(SecurityAssociation(proposals: c.proposals)))
        if !c.nonce.isEmpty { p.append(.nonce(Nonce(c.nonce))) }
        if let ke = c.ke { p.append(.keyExchange(KEPayload(group: DHGroupID(rawValue: ke.group.rawValue), data: ke.publicValue))) }
        p += [.tsInitiator(TrafficSelectors(c.tsi)), .tsResponder(TrafficSelectors(c.tsr))]
        return p
    }

    // MARK: Initiator

    func startCreateChild(rekeying old: UInt32?, now: Duration) {
        var tsi = config.localTS, tsr = config.remoteTS
        var group: DHGroupID?
        if let old {
            guard let i = children.firstIndex(where: { $0.inboundSPI == old }), children[i].state == .installed else { return }
            setChildState(i, .rekeying, "our rekey started")
            tsi = children[i].info.localTS
            tsr = children[i].info.remoteTS
            // Offer the PFS group in use first, as the IKE rekey does, so the peer need not answer
            // INVALID_KE_PAYLOAD at every rekey (AWS's first group is 2, which few peers take).
            let current = children[i].proposal.dhGroup
            if let current, current != .none, config.espProposals.contains(where: { $0.dhGroups.contains(current) }) { group = current }
        }
        let ex = newChildExchange(rekeying: old, tsi: tsi, tsr: tsr, withKE: true, group: group)
        sendRequest(.createChildSA, childRequestPayloads(ex), .child(ex), now: now)
    }

    func processChildResponse(_ ex: ChildExchange, payloads p: [Payload], now: Duration) {
        if let error = p.errorNotify {
            return childRequestFailed(ex, error, now: now)
        }
        completeChild(ex, payloads: p, now: now)
    }

    private func childRequestFailed(_ ex: ChildExchange, _ error: Notify, now: Duration) {
        let task: IKETask = ex.rekeying.map { .rekeyChild(inbound: $0) } ?? .createChild
        if error.type == .invalidKEPayload, let g = error.acceptedGroup, ex.retries < 3,
           config.espProposals.contains(where: { $0.dhGroups.contains(g) }) {
            log(.info, "peer wants DH group \(g) for the Child SA; retrying")
            var next = newChildExchange(rekeying: ex.rekeying, tsi: ex.tsi, tsr: ex.tsr, withKE: true, group: g, spi: ex.spi)
            next.retries = ex.retries + 1
            return sendRequest(.createChildSA, childRequestPayloads(next), .child(next), now: now)
        }
        context.releaseChildSPI(ex.spi)
        let index = ex.rekeying.flatMap { old in children.firstIndex { $0.inboundSPI == old } }
        if let i = index, children[i].state == .rekeying { setChildState(i, .installed, "our rekey failed") }
        if let old = ex.rekeying, childCollisions.removeValue(forKey: old) != nil {
            // §2.8.1: the peer's rekey of the same SA went through; its successor is the one.
            if let i = index { setChildState(i, .rekeyed, "the peer's rekey won") }
            log(.info, "our rekey failed (\(error.type)) but the peer's succeeded; keeping its Child SA")
            return
        }
        switch error.type {
        case .temporaryFailure:
            log(.info, "peer answered TEMPORARY_FAILURE; retrying later")
            retryLater(task, now: now)
        case .childSANotFound where index != nil:
            let c = children.remove(at: index!)
            log(.warning, "peer does not know Child SA \(c.info.id); creating a new one")
            context.releaseChildSPI(c.inboundSPI)
            context.events.append(.childSADeleted(c.info.id, reason: FailureReason(.childSANotFound, "peer lost it")))
            enqueue(.createChild)
        default:
            let reason = FailureReason(notify: error.type, from: "peer")
            log(.error, "Child SA \(ex.rekeying == nil ? "creation" : "rekey") failed: \(reason)")
            context.events.append(.childSAFailed(tunnel: config.name, reason: reason))
        }
    }

    /// Both IKE_AUTH and CREATE_CHILD_SA: check the answer, derive keys, install.
    func completeChild(_ ex: ChildExchange, payloads p: [Payload], now: Duration) {
        do {
            if let error = p.errorNotify { throw NegotiationError(error.type, "peer refused the Child SA") }
            guard let sa = p.securityAssociation, let tsi = p.tsInitiator, let tsr = p.tsResponder else {
                throw NegotiationError(.invalidSyntax, "answer lacks SA, TSi or TSr")
            }
            let selected = try ProposalSelection.accept(response: sa, offered: ex.proposals)
            guard selected.spi.count == 4 else { throw NegotiationError(.invalidSyntax, "ESP SPI is not 4 bytes") }
            var secret: SecretBytes?
            if let ke = ex.ke, let g = selected.dhGroup, g != .none {
                guard let kr = p.keyExchange, kr.group == g, g.rawValue == ke.group.rawValue else {
                    throw NegotiationError(.invalidKEPayload, "answer's KE does not match the chosen group")
                }
                secret = try ke.sharedSecret(peerPublicValue: kr.data)
            }
            let inAuth = ex.nonce.isEmpty
            guard let peerNonce = inAuth ? nonceR : validNonce(p.nonce) else {
                throw NegotiationError(.invalidSyntax, "answer lacks a valid nonce")
            }
            let ts = try TrafficSelectorNegotiation.acceptNarrowed(
                proposedInitiator: ex.tsi, proposedResponder: ex.tsr, answeredInitiator: tsi, answeredResponder: tsr)
            let child = try makeChild(selected, inbound: ex.spi, weInitiated: true,
                                      nonceI: inAuth ? nonceI : ex.nonce, nonceR: peerNonce, secret: secret,
                                      localTS: ts.initiator, remoteTS: ts.responder, now: now)
            finishOwnChild(child, ex: ex, nonces: [ex.nonce, peerNonce], now: now)
        } catch {
            let reason: FailureReason = if let e = error as? NegotiationError {
                FailureReason(notify: e.notify, from: "we").with(detail: e.detail)
            } else {
                FailureReason(.protocolError, "\(error)")
            }
            log(.error, "Child SA failed: \(reason)")
            context.events.append(.childSAFailed(tunnel: config.name, reason: reason))
            if let old = ex.rekeying, let i = children.firstIndex(where: { $0.inboundSPI == old }), children[i].state == .rekeying {
                setChildState(i, .installed, "our rekey failed")
            }
            // The peer may have installed what it answered: ask it to delete that pair.
            if p.securityAssociation != nil { enqueue(.deleteChild(inbound: ex.spi), front: true) } else { context.releaseChildSPI(ex.spi) }
        }
    }

    /// Installs a Child SA we initiated and resolves a rekey, with collisions (§2.8.1).
    private func finishOwnChild(_ child: ChildSA, ex: ChildExchange, nonces ours: [[UInt8]], now: Duration) {
        guard let old = ex.rekeying, let i = children.firstIndex(where: { $0.inboundSPI == old }) else {
            // A new Child SA, or a rekey whose old SA the peer deleted meanwhile: keep the new one.
            return install(child, replacing: nil, now: now)
        }
        guard let collision = childCollisions.removeValue(forKey: old) else {
            install(child, replacing: old, now: now)
            return enqueue(.deleteChild(inbound: old), front: true)
        }
        let lowest = lowestNonce(ours + collision.nonces)
        if ours.contains(lowest) {
            log(.info, "rekey collision on \(children[i].info.id): our exchange holds the lowest nonce, deleting our redundant Child SA")
            install(child, replacing: nil, now: now)
            enqueue(.deleteChild(inbound: child.inboundSPI), front: true)
        } else {
            log(.info, "rekey collision on \(children[i].info.id): the peer's exchange holds the lowest nonce; ours survives")
            install(child, replacing: old, now: now)
            enqueue(.deleteChild(inbound: old), front: true)
        }
    }

    func makeChild(_ selected: SelectedProposal, inbound: UInt32, weInitiated: Bool, nonceI: [UInt8], nonceR: [UInt8],
                   secret: SecretBytes?, localTS: [TrafficSelector], remoteTS: [TrafficSelector], now: Duration) throws -> ChildSA {
        guard let keying else { throw NegotiationError(.invalidSyntax, "no IKE keys") }
        let outbound = selected.spi.withUnsafeBytes { b in b.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
        let params = ChildKeying.Parameters(
            tunnel: config.name, ikeSA: id, proposal: selected, inboundSPI: inbound, outboundSPI: outbound,
            weInitiated: weInitiated, nonceI: nonceI, nonceR: nonceR, sharedSecret: secret,
            localTS: localTS, remoteTS: remoteTS, local: local, remote: remote, udpEncapsulation: udpEncapsulation)
        return try ChildKeying.make(params, prf: keying.prf, skD: keying.keys.skD, lifetime: config.childLifetime,
                                    now: now, random: context.random)
    }

    /// Adds a Child SA and tells the datapath; a successor marks its predecessor rekeyed.
    func install(_ child: ChildSA, replacing old: UInt32?, now: Duration) {
        children.append(child)
        log(.info, "Child SA \(child.info.id) installed: \(child.proposal), \(child.info.localTS.notation) === \(child.info.remoteTS.notation)")
        if let old, let i = children.firstIndex(where: { $0.inboundSPI == old }) {
            setChildState(i, .rekeyed, "successor \(child.info.id)")
            // The peer should delete the old pair; if it never does, we do it ourselves.
            children[i].expireAt = min(children[i].expireAt, now + .seconds(60))
            context.events.append(.childSARekeyed(old: children[i].info.id, new: child.info))
        } else {
            context.events.append(.childSAInstalled(child.info))
        }
    }

    // MARK: Responder

    func processCreateChildRequest(messageID: UInt32, payloads p: [Payload], now: Duration) {
        let refuse = { (n: Notify) in self.sendResponse(.createChildSA, messageID: messageID, [.notify(n)], now: now) }
        guard let sa = p.securityAssociation else { return refuse(Notify(.invalidSyntax)) }
        if sa.proposals.first?.protocolID == .ike {
            return processIKERekeyRequest(messageID: messageID, sa: sa, payloads: p, now: now)
        }
        // RFC 7296 §2.25: no new or rekeyed Child SAs while the IKE SA is being rekeyed or closed.
        guard state == .established else { return refuse(Notify(.temporaryFailure)) }
        var old: ChildSA?
        if let rekey = p.notify(.rekeySA) {
            guard let spi = rekey.spi32, let c = children.first(where: { $0.outboundSPI == spi }) else {
                return refuse(Notify(.childSANotFound, protocolID: .esp, spi: rekey.spi))
            }
            // §2.25.1: a rekey of a pair we are closing (or already replaced) is refused for now.
            guard c.state == .installed || c.state == .rekeying else { return refuse(Notify(.temporaryFailure)) }
            old = c
        }
        guard let nonceI = validNonce(p.nonce) else { return refuse(Notify(.invalidSyntax)) }
        let nonceR = context.nonce()
        do {
            let (child, out) = try respondChild(p, nonceI: nonceI, nonceR: nonceR, inIKEAuth: false, now: now)
            sendResponse(.createChildSA, messageID: messageID, out, now: now)
            if let old, old.state == .rekeying {
                childCollisions[old.inboundSPI] = ChildCollision(successor: child.inboundSPI, nonces: [nonceI, nonceR])
            }
            install(child, replacing: old?.inboundSPI, now: now)
        } catch {
            refuse(refusal(error, refusing: "CREATE_CHILD_SA"))
        }
    }

    /// The Notify that answers a request we cannot accept, logged with why.
    func refusal(_ error: Error, refusing what: String) -> Notify {
        if let e = error as? InvalidKE { return .invalidKE(accepted: e.group) }
        if let e = error as? NegotiationError {
            log(.warning, "refusing \(what): \(e)")
            return Notify(e.notify)
        }
        log(.error, "refusing \(what): \(error)")
        return Notify(.noProposalChosen)
    }

    /// Responder side of a Child SA (IKE_AUTH or CREATE_CHILD_SA): select, narrow, derive.
    func respondChild(_ p: [Payload], nonceI: [UInt8], nonceR: [UInt8], inIKEAuth: Bool,
                      now: Duration) throws -> (ChildSA, [Payload]) {
        guard let sa = p.securityAssociation, let tsi = p.tsInitiator, let tsr = p.tsResponder else {
            throw NegotiationError(.invalidSyntax, "Child SA request lacks SA, TSi or TSr")
        }
        var specs = config.espAccepted ?? config.espProposals
        var offered = sa.proposals
        if inIKEAuth {
            specs = specs.map { var s = $0; s.dhGroups = []; return s }
            offered = offered.map { var o = $0; o.transforms.removeAll { $0.type == .keyExchange }; return o }
        }
        let selected = try ProposalSelection.select(from: offered, configured: specs)
        guard selected.spi.count == 4 else { throw NegotiationError(.invalidSyntax, "ESP SPI is not 4 bytes") }
        var secret: SecretBytes?
        var kePayload: Payload?
        if !inIKEAuth, let g = selected.dhGroup, g != .none {
            guard let ke = p.keyExchange, ke.group == g, let dh = DHGroup(rawValue: g.rawValue) else { throw InvalidKE(group: g) }
            let ours = try context.provider.makeKeyExchange(dh)
            secret = try ours.sharedSecret(peerPublicValue: ke.data)
            kePayload = .keyExchange(KEPayload(group: g, data: ours.publicValue))
        }
        let ts = try TrafficSelectorNegotiation.narrow(proposedInitiator: tsi, proposedResponder: tsr,
                                                       localConfig: config.localTS, remoteConfig: config.remoteTS)
        if config.requireEveryPrefixPair {
            try TrafficSelectorNegotiation.requireCoverage(of: config.localTS, by: ts.responder, side: "TSr")
            try TrafficSelectorNegotiation.requireCoverage(of: config.remoteTS, by: ts.initiator, side: "TSi")
        }
        let spi = context.allocateChildSPI()
        let child: ChildSA
        do {
            child = try makeChild(selected, inbound: spi, weInitiated: false, nonceI: nonceI, nonceR: nonceR,
                                  secret: secret, localTS: ts.responder, remoteTS: ts.initiator, now: now)
        } catch {
            context.releaseChildSPI(spi)
            throw error
        }
        var out: [Payload] = [.securityAssociation(SecurityAssociation(proposals: [selected.proposal(spi: bigEndianBytes(spi))]))]
        if !inIKEAuth { out.append(.nonce(Nonce(nonceR))) }
        if let kePayload { out.append(kePayload) }
        out += [.tsInitiator(TrafficSelectors(ts.initiator)), .tsResponder(TrafficSelectors(ts.responder))]
        return (child, out)
    }
}
