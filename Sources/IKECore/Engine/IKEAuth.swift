import IKECrypto
import IKEWire

/// IKE_AUTH with pre-shared keys (RFC 7296 §1.2, §2.15), creating the first Child SA:
///   HDR, SK {IDi, [IDr,] AUTH, [N(INITIAL_CONTACT),] SAi2, TSi, TSr} -->
///                                      <-- HDR, SK {IDr, AUTH, SAr2, TSi, TSr}
extension IKESA {
    /// AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <message> | <nonce> | prf(SK_p, IDx')) (§2.15):
    /// the initiator signs its IKE_SA_INIT request and Nr, the responder its response and Ni.
    func psk(authFor initiator: Bool, id: Identification) -> [UInt8] {
        guard let keying else { return [] }
        let message = initiator ? initRequest : initResponse
        let nonce = initiator ? nonceR : nonceI
        let skP = initiator ? keying.keys.skPi : keying.keys.skPr
        let prf = keying.prf
        let maced = macedID(prf: prf, skP: skP, idPayloadBody: id.encodedBody)
        return sharedKeyAuth(prf: prf, sharedKey: config.psk, signedOctets: message + nonce + maced.bytes).bytes
    }

    /// Checks the peer's AUTH payload in constant time.
    func verifyPeerAuth(_ auth: Authentication, id: Identification) -> Bool {
        guard auth.method == .sharedKeyMIC else { return false }
        let expected = psk(authFor: !isOriginalInitiator, id: id)
        guard expected.count == auth.data.count else { return false }
        return expected.withUnsafeBytes { e in auth.data.withUnsafeBytes { constantTimeEqual(e, $0) } }
    }

    // MARK: Initiator

    func startAuth(now: Duration) {
        transition(to: .authSent, "IKE_SA_INIT done")
        let child = newChildExchange(rekeying: nil, tsi: config.localTS, tsr: config.remoteTS, withKE: false)
        var payloads: [Payload] = [.idInitiator(config.localID)]
        if let remoteID = config.remoteID, config.sendRemoteID { payloads.append(.idResponder(remoteID)) }
        payloads.append(.authentication(Authentication(method: .sharedKeyMIC, data: psk(authFor: true, id: config.localID))))
        if config.initialContact { payloads.append(.notify(Notify(.initialContact))) }
        payloads += childRequestPayloads(child)
        sendRequest(.ikeAuth, payloads, .ikeAuth(AuthExchange(child: child)), now: now)
    }

    func processAuthResponse(_ ex: AuthExchange, payloads p: [Payload], now: Duration) {
        if let error = p.notify(.authenticationFailed) {
            return failSetup(FailureReason(.authenticationFailed, "responder sent \(error.type): wrong PSK or identity"), now: now)
        }
        guard let idR = p.idResponder, let auth = p.authentication else {
            let reason = p.errorNotify.map { FailureReason(notify: $0.type, from: "responder") }
                ?? FailureReason(.protocolError, "IKE_AUTH response without IDr or AUTH")
            return failSetup(reason, now: now)
        }
        guard identity(idR, satisfies: config.remoteID) else {
            sendNotifyOnly(.authenticationFailed, now: now)
            return failSetup(FailureReason(.identityMismatch, "responder is \(idR), expected \(config.remoteID!)"), now: now)
        }
        guard verifyPeerAuth(auth, id: idR) else {
            sendNotifyOnly(.authenticationFailed, now: now)
            return failSetup(FailureReason(.authenticationFailed, "responder's AUTH does not verify: PSK mismatch"), now: now)
        }
        peerID = idR
        established(now: now)
        completeChild(ex.child, payloads: p, now: now)
    }

    // MARK: Responder

    func processAuthRequest(messageID: UInt32, payloads p: [Payload], from: Endpoint, to: Endpoint, now: Duration) {
        if from.port != Endpoint.ikePort || to.port != Endpoint.ikePort { udpEncapsulation = true }
        local = to
        remote = from
        guard let idI = p.idInitiator, let auth = p.authentication else {
            sendResponse(.ikeAuth, messageID: messageID, [.notify(Notify(.invalidSyntax))], now: now)
            return failSetup(FailureReason(.protocolError, "IKE_AUTH request without IDi or AUTH"), now: now)
        }
        let refuse = { (kind: FailureReason.Kind, detail: String) in
            self.sendResponse(.ikeAuth, messageID: messageID, [.notify(Notify(.authenticationFailed))], now: now)
            self.failSetup(FailureReason(kind, detail), now: now)
        }
        guard identity(idI, satisfies: config.remoteID) else {
            return refuse(.identityMismatch, "initiator is \(idI), expected \(config.remoteID!)")
        }
        if let wanted = p.idResponder, !identity(config.localID, satisfies: wanted) {
            return refuse(.identityMismatch, "initiator asked for \(wanted), we are \(config.localID)")
        }
        guard verifyPeerAuth(auth, id: idI) else {
            return refuse(.authenticationFailed, "initiator's AUTH does not verify: PSK mismatch")
        }
        peerID = idI
        var out: [Payload] = [.idResponder(config.localID),
                              .authentication(Authentication(method: .sharedKeyMIC, data: psk(authFor: false, id: config.localID)))]
        var child: ChildSA?
        if p.securityAssociation != nil {
            do {
                let (c, payloads) = try respondChild(p, nonceI: nonceI, nonceR: nonceR, inIKEAuth: true, now: now)
                child = c
                out += payloads
            } catch let e as NegotiationError {
                log(.warning, "no Child SA in IKE_AUTH: \(e)")
                context.events.append(.childSAFailed(tunnel: config.name, reason: FailureReason(notify: e.notify, from: "we").with(detail: e.detail)))
                out.append(.notify(Notify(e.notify)))
            } catch {
                log(.error, "no Child SA in IKE_AUTH: \(error)")
                out.append(.notify(Notify(.noProposalChosen)))
            }
        }
        sendResponse(.ikeAuth, messageID: messageID, out, now: now)
        halfOpenExpireAt = nil
        established(now: now)
        if p.notify(.initialContact) != nil { context.initialContacts.append((config.name, idI, ourSPI)) }
        if let child { install(child, replacing: nil, now: now) }
    }

    /// Both roles: the IKE SA is up; start its lifetime.
    func established(now: Duration) {
        transition(to: .established, "authenticated \(peerID.map { "\($0)" } ?? "peer")")
        establishedAt = now
        rekeyAt = now + config.ikeLifetime.rekeyAge(random: context.random)
        expireAt = now + config.ikeLifetime.time
        context.events.append(.ikeSAEstablished(info))
    }

    /// An INFORMATIONAL that only carries an error notify (e.g. AUTHENTICATION_FAILED after we
    /// rejected the responder, RFC 7296 §2.21.2); sent once, not waited for.
    func sendNotifyOnly(_ type: NotifyType, now: Duration) {
        let h = header(.informational, messageID: requests.nextMessageID, response: false)
        if let d = try? protect(h, [.notify(Notify(type))]) { transmit(d, now: now) }
    }
}
