import IKECrypto
import IKEWire

/// IKE_SA_INIT (RFC 7296 §1.2), both roles:
///   HDR, SA, KEi, Ni, [N(COOKIE)], N(NATD_S_IP), N(NATD_D_IP), N(FRAG_SUP) -->
///                            <-- HDR, SA, KEr, Nr, N(NATD_S_IP), N(NATD_D_IP), N(FRAG_SUP)
extension IKESA {
    /// How many times an initiator follows COOKIE or INVALID_KE_PAYLOAD before giving up.
    static let maxInitRetries = 5

    // MARK: Initiator

    func startInit(now: Duration) throws {
        guard let spec = config.ikeProposals.first, let groupID = spec.dhGroups.first,
              let group = DHGroup(rawValue: groupID.rawValue) else {
            throw NegotiationError(.noProposalChosen, "the first IKE proposal has no usable DH group")
        }
        let proposals = config.ikeProposals.enumerated().map { $1.proposal(number: UInt8($0 + 1)) }
        let ex = InitExchange(nonce: context.nonce(), ke: try context.provider.makeKeyExchange(group),
                              cookie: nil, proposals: proposals)
        sendInit(ex, now: now, again: false)
    }

    private func sendInit(_ ex: InitExchange, now: Duration, again: Bool) {
        var payloads: [Payload] = []
        // RFC 7296 §2.6: the cookie is the first payload of the retried request.
        if let cookie = ex.cookie { payloads.append(.notify(Notify(.cookie, data: cookie))) }
        payloads += [.securityAssociation(SecurityAssociation(proposals: ex.proposals)),
                     .keyExchange(KEPayload(group: DHGroupID(rawValue: ex.ke.group.rawValue), data: ex.ke.publicValue)),
                     .nonce(Nonce(ex.nonce))]
        payloads += natDetectionNotifies().map { .notify($0) }
        if config.fragmentation { payloads.append(.notify(Notify(.ikev2FragmentationSupported))) }
        nonceI = ex.nonce
        let bytes = IKEMessage(header: header(.ikeSAInit, messageID: 0, response: false), payloads: payloads).encode()
        initRequest = bytes
        if again { requests.replace([bytes], now: now) } else { _ = requests.sent([bytes], now: now) }
        pending = .ikeSAInit(ex)
        log(.debug, "sending IKE_SA_INIT request 0 [ \(summary(payloads)) ] to \(remote)")
        transmit([bytes], now: now)
    }

    private func natDetectionNotifies() -> [Notify] {
        NATDetection.notifies(provider: context.provider, spiI: spiI, spiR: spiR, source: local,
                              destination: remote, fakeSource: config.forceEncapsulation)
    }

    /// The responder's answer to our IKE_SA_INIT (plaintext).
    func receiveInitResponse(_ bytes: [UInt8], message: IKEMessage, from: Endpoint, to: Endpoint, now: Duration) {
        guard state == .initSent, case .ikeSAInit(var ex)? = pending, message.header.messageID == 0 else {
            return context.drop(.unexpectedResponse, config.name, "IKE_SA_INIT response in state \(state.rawValue)")
        }
        let payloads = message.payloads
        if let cookie = payloads.notify(.cookie) {
            guard ex.retries < Self.maxInitRetries, (1...64).contains(cookie.data.count) else {
                return failSetup(FailureReason(.protocolError, "responder keeps demanding cookies"), now: now)
            }
            log(.info, "responder asked for a cookie; retrying IKE_SA_INIT with it")
            ex.cookie = cookie.data
            ex.retries += 1
            return sendInit(ex, now: now, again: true)
        }
        if let invalidKE = payloads.notify(.invalidKEPayload) {
            return retryInit(ex, group: invalidKE.acceptedGroup, now: now)
        }
        if let error = payloads.errorNotify {
            return failSetup(FailureReason(notify: error.type, from: "responder"), now: now)
        }
        do {
            try completeInit(ex, bytes: bytes, message: message, from: from, now: now)
        } catch let e as NegotiationError {
            failSetup(FailureReason(notify: e.notify, from: "we").with(detail: e.detail), now: now)
        } catch {
            failSetup(FailureReason(.protocolError, "IKE_SA_INIT response: \(error)"), now: now)
        }
    }

    /// RFC 7296 §1.2: retry with the group the responder asked for, if we offer it.
    private func retryInit(_ ex: InitExchange, group: DHGroupID?, now: Duration) {
        let offered = Set(config.ikeProposals.flatMap(\.dhGroups))
        guard let group, offered.contains(group), group.rawValue != ex.ke.group.rawValue,
              ex.retries < Self.maxInitRetries, let g = DHGroup(rawValue: group.rawValue),
              let ke = try? context.provider.makeKeyExchange(g) else {
            let asked = group.map { "\($0)" } ?? "nothing"
            return failSetup(FailureReason(.invalidKE, "responder asked for \(asked), which we do not offer"), now: now)
        }
        log(.info, "responder wants DH group \(group); retrying IKE_SA_INIT")
        var next = ex
        next.ke = ke
        next.retries += 1
        sendInit(next, now: now, again: true)
    }

    private func completeInit(_ ex: InitExchange, bytes: [UInt8], message: IKEMessage, from: Endpoint, now: Duration) throws {
        let p = message.payloads
        guard let sa = p.securityAssociation, let ke = p.keyExchange, let nonce = validNonce(p.nonce),
              message.header.responderSPI != 0 else {
            throw NegotiationError(.invalidSyntax, "IKE_SA_INIT response lacks SA, KE, a valid nonce or SPIr")
        }
        let selected = try ProposalSelection.accept(response: sa, offered: ex.proposals)
        guard ke.group.rawValue == ex.ke.group.rawValue, selected.dhGroup?.rawValue == ex.ke.group.rawValue else {
            throw NegotiationError(.invalidKEPayload, "responder chose \(selected.dhGroup.map { "\($0)" } ?? "no group") but sent KE \(ke.group)")
        }
        let secret = try ex.ke.sharedSecret(peerPublicValue: ke.data)
        _ = requests.receivedResponse(messageID: 0)
        pending = nil
        spiR = message.header.responderSPI
        nonceR = nonce
        initResponse = bytes
        let prf = try IKEKeying.prf(provider: context.provider, for: selected)
        keying = try IKEKeying.derive(provider: context.provider, proposal: selected,
                                      skeyseed: skeyseed(prf: prf, nonceI: nonceI, nonceR: nonceR, sharedSecret: secret),
                                      nonceI: nonceI, nonceR: nonceR, spiI: spiI, spiR: spiR, originalInitiator: true)
        lastInbound = now
        peerSupportsFragmentation = p.notify(.ikev2FragmentationSupported) != nil
        log(.info, "IKE proposal \(keying?.proposalText ?? "")")
        applyNATDetection(message, from: from, to: local)
        startAuth(now: now)
    }

    /// RFC 7296 §2.23: move to port 4500 when either side is behind a NAT (or when forced).
    /// The hashes cover the SPIs of the message's own header, so a responder checks the
    /// request's with SPIr = 0, not with the SPIr it has just chosen.
    func applyNATDetection(_ message: IKEMessage, from: Endpoint, to: Endpoint) {
        let nat = NATDetection.evaluate(provider: context.provider, spiI: message.header.initiatorSPI,
                                        spiR: message.header.responderSPI, notifies: message.payloads.notifies,
                                        receivedFrom: from, receivedOn: to)
        guard nat.supported else { return }
        localBehindNAT = nat.localBehindNAT
        if nat.localBehindNAT || nat.remoteBehindNAT || config.forceEncapsulation {
            log(.info, "NAT detected (local \(nat.localBehindNAT), remote \(nat.remoteBehindNAT)\(config.forceEncapsulation ? ", encapsulation forced" : "")): using UDP encapsulation")
            udpEncapsulation = true
            if isOriginalInitiator {
                local = local.withPort(Endpoint.natTraversalPort)
                remote = remote.withPort(Endpoint.natTraversalPort)
                context.events.append(.encapsulationChanged(id, local: local, remote: remote, udpEncapsulation: true))
            }
        }
    }

    /// IKE_SA_INIT or IKE_AUTH failed: the IKE SA is gone and the tunnel is not up.
    func failSetup(_ reason: FailureReason, now: Duration) {
        log(.error, "IKE SA setup failed: \(reason)")
        die(reason: reason, now: now, silent: true)
        context.events.append(.ikeSAFailed(tunnel: config.name, reason: reason))
    }

    // MARK: Responder

    /// Builds the responder's state from an acceptable IKE_SA_INIT request and returns the
    /// response to send. The engine has already checked cookies, the proposal and the KE group.
    func acceptInit(request bytes: [UInt8], message: IKEMessage, selected: SelectedProposal,
                    from: Endpoint, now: Duration) throws -> [UInt8] {
        let p = message.payloads
        guard let ke = p.keyExchange, let nonce = validNonce(p.nonce), let g = DHGroup(rawValue: ke.group.rawValue) else {
            throw NegotiationError(.invalidSyntax, "IKE_SA_INIT request lacks KE or a valid nonce")
        }
        let ours = try context.provider.makeKeyExchange(g)
        let secret = try ours.sharedSecret(peerPublicValue: ke.data)
        nonceI = nonce
        nonceR = context.nonce()
        initRequest = bytes
        let prf = try IKEKeying.prf(provider: context.provider, for: selected)
        keying = try IKEKeying.derive(provider: context.provider, proposal: selected,
                                      skeyseed: skeyseed(prf: prf, nonceI: nonceI, nonceR: nonceR, sharedSecret: secret),
                                      nonceI: nonceI, nonceR: nonceR, spiI: spiI, spiR: spiR, originalInitiator: false)
        peerSupportsFragmentation = p.notify(.ikev2FragmentationSupported) != nil
        applyNATDetection(message, from: from, to: local)
        var out: [Payload] = [.securityAssociation(SecurityAssociation(proposals: [selected.proposal(spi: [])])),
                              .keyExchange(KEPayload(group: ke.group, data: ours.publicValue)),
                              .nonce(Nonce(nonceR))]
        out += natDetectionNotifies().map { .notify($0) }
        if config.fragmentation { out.append(.notify(Notify(.ikev2FragmentationSupported))) }
        let response = IKEMessage(header: header(.ikeSAInit, messageID: 0, response: true), payloads: out).encode()
        initResponse = response
        responses.responded(messageID: 0, datagrams: [response])
        halfOpenExpireAt = now + context.settings.halfOpenTimeout
        log(.info, "IKE proposal \(keying?.proposalText ?? ""); answering IKE_SA_INIT from \(from)")
        return response
    }
}

extension FailureReason {
    func with(detail: String) -> FailureReason { FailureReason(kind, detail) }
}
