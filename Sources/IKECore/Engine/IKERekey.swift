import IKECrypto
import IKEWire

/// CREATE_CHILD_SA rekeying the IKE SA (RFC 7296 §1.3.2, §2.18), both roles:
///   HDR, SK {SA, Ni, KEi} -->
///                    <-- HDR, SK {SA, Nr, KEr}
/// The new IKE SA takes over the Child SAs; the old one is deleted by the rekey's initiator.
/// Simultaneous rekeys follow §2.8.2: the new SA from the exchange holding the lowest of the four
/// nonces is deleted by its initiator; the other initiator deletes the old SA.
extension IKESA {
    func startIKERekey(now: Duration) {
        guard let keying else { return }
        // Offer the group in use first, so the peer need not answer INVALID_KE_PAYLOAD.
        let current = keying.proposal.dhGroup
        let configured = config.ikeProposals.flatMap(\.dhGroups)
        guard let groupID = configured.contains(where: { $0 == current }) ? current : configured.first,
              let group = DHGroup(rawValue: groupID.rawValue) else { return }
        startIKERekey(group: group, retries: 0, now: now)
    }

    private func startIKERekey(group: DHGroup, retries: Int, now: Duration) {
        guard let ke = try? context.provider.makeKeyExchange(group) else { return }
        let spi = context.ikeSPI()
        let proposals = config.ikeProposals.enumerated().map { $1.proposal(number: UInt8($0 + 1), spi: bigEndianBytes(spi)) }
        let ex = IKERekeyExchange(spi: spi, nonce: context.nonce(), ke: ke, proposals: proposals, retries: retries)
        transition(to: .rekeying, "IKE SA rekey started")
        let payloads: [Payload] = [.securityAssociation(SecurityAssociation(proposals: proposals)), .nonce(Nonce(ex.nonce)),
                                   .keyExchange(KEPayload(group: DHGroupID(rawValue: group.rawValue), data: ke.publicValue))]
        sendRequest(.createChildSA, payloads, .rekeyIKE(ex), now: now)
    }

    func processIKERekeyResponse(_ ex: IKERekeyExchange, payloads p: [Payload], now: Duration) {
        if let error = p.errorNotify {
            if error.type == .invalidKEPayload, let g = error.acceptedGroup, ex.retries < 3,
               config.ikeProposals.contains(where: { $0.dhGroups.contains(g) }), let dh = DHGroup(rawValue: g.rawValue) {
                transition(to: .established, "retrying IKE rekey with \(g)")
                return startIKERekey(group: dh, retries: ex.retries + 1, now: now)
            }
            if ikeCollision != nil {
                // §2.8.2: our rekey failed, the peer's went through; the old SA waits for its delete.
                ikeCollision = nil
                log(.info, "our IKE rekey failed (\(error.type)) but the peer's succeeded")
                transition(to: .rekeyed, "peer's rekey won")
                return
            }
            transition(to: .established, "IKE rekey refused with \(error.type)")
            if error.type == .temporaryFailure {
                retryLater(.rekeyIKE, now: now)
            } else {
                log(.error, "peer refused the IKE rekey (\(error.type)); the IKE SA lives until its hard lifetime")
            }
            return
        }
        do {
            guard let sa = p.securityAssociation, let ke = p.keyExchange, let nonceR = validNonce(p.nonce) else {
                throw NegotiationError(.invalidSyntax, "IKE rekey answer lacks SA, KE or nonce")
            }
            let selected = try ProposalSelection.accept(response: sa, offered: ex.proposals)
            guard selected.spi.count == 8, ke.group.rawValue == ex.ke.group.rawValue, selected.dhGroup == ke.group else {
                throw NegotiationError(.invalidSyntax, "IKE rekey answer has a bad SPI or KE group")
            }
            let secret = try ex.ke.sharedSecret(peerPublicValue: ke.data)
            let theirs = selected.spi.withUnsafeBytes(loadBigEndianUInt64)
            let new = try spawnRekeyed(originalInitiator: true, spiI: ex.spi, spiR: theirs, proposal: selected,
                                       nonceI: ex.nonce, nonceR: nonceR, secret: secret, now: now)
            finishOwnIKERekey(new, nonces: [ex.nonce, nonceR], now: now)
        } catch {
            log(.error, "IKE rekey failed: \(error)")
            if ikeCollision != nil {
                ikeCollision = nil
                transition(to: .rekeyed, "peer's rekey won")
            } else {
                transition(to: .established, "IKE rekey failed")
                retryLater(.rekeyIKE, now: now)
            }
        }
    }

    private func finishOwnIKERekey(_ new: IKESA, nonces ours: [[UInt8]], now: Duration) {
        transition(to: .rekeyed, "replaced by \(new.spiText)")
        if let collision = ikeCollision {
            ikeCollision = nil
            let lowest = lowestNonce(ours + collision.nonces)
            if ours.contains(lowest) {
                log(.info, "IKE rekey collision: our exchange holds the lowest nonce, deleting our new IKE SA")
                new.deleteIKE(now: now)
                return
            }
            log(.info, "IKE rekey collision: the peer's exchange holds the lowest nonce; ours survives")
            collision.sa.moveChildren(to: new)
        } else {
            moveChildren(to: new)
        }
        context.events.append(.ikeSARekeyed(old: id, new: new.info))
        deleteIKE(now: now)
    }

    func processIKERekeyRequest(messageID: UInt32, sa: SecurityAssociation, payloads p: [Payload], now: Duration) {
        let refuse = { (n: Notify) in self.sendResponse(.createChildSA, messageID: messageID, [.notify(n)], now: now) }
        // §2.25.2: not while we close it, nor while one of our Child SA exchanges is running.
        guard state == .established || state == .rekeying else { return refuse(Notify(.temporaryFailure)) }
        switch pending {
        case .child?, .deleteChildren?: return refuse(Notify(.temporaryFailure))
        default: break
        }
        do {
            let selected = try ProposalSelection.select(from: sa.proposals, configured: config.ikeProposals)
            guard selected.spi.count == 8, let nonceI = validNonce(p.nonce) else {
                throw NegotiationError(.invalidSyntax, "IKE rekey request lacks an 8-byte SPI or a nonce")
            }
            guard let g = selected.dhGroup, let ke = p.keyExchange, ke.group == g, let dh = DHGroup(rawValue: g.rawValue) else {
                throw InvalidKE(group: selected.dhGroup ?? .none)
            }
            let ours = try context.provider.makeKeyExchange(dh)
            let secret = try ours.sharedSecret(peerPublicValue: ke.data)
            let nonceR = context.nonce()
            let spiR = context.ikeSPI()
            let new = try spawnRekeyed(originalInitiator: false, spiI: selected.spi.withUnsafeBytes(loadBigEndianUInt64),
                                       spiR: spiR, proposal: selected, nonceI: nonceI, nonceR: nonceR, secret: secret, now: now)
            sendResponse(.createChildSA, messageID: messageID,
                         [.securityAssociation(SecurityAssociation(proposals: [selected.proposal(spi: bigEndianBytes(spiR))])),
                          .nonce(Nonce(nonceR)), .keyExchange(KEPayload(group: g, data: ours.publicValue))], now: now)
            if state == .rekeying {
                ikeCollision = IKECollision(sa: new, nonces: [nonceI, nonceR])
            } else {
                transition(to: .rekeyed, "peer rekeyed it to \(new.spiText)")
                // The peer deletes the old SA; if it never does, we do.
                expireAt = now + .seconds(60)
            }
            moveChildren(to: new)
            context.events.append(.ikeSARekeyed(old: id, new: new.info))
        } catch {
            refuse(refusal(error, refusing: "IKE rekey"))
        }
    }

    /// The new IKE SA of a rekey: keys from SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr),
    /// computed with the old SA's PRF (§2.18), then prf+ with the new one.
    private func spawnRekeyed(originalInitiator: Bool, spiI: UInt64, spiR: UInt64, proposal: SelectedProposal,
                              nonceI: [UInt8], nonceR: [UInt8], secret: SecretBytes, now: Duration) throws -> IKESA {
        guard let keying else { throw NegotiationError(.invalidSyntax, "no IKE keys") }
        let oldPRF = keying.prf
        let seed = rekeyedSkeyseed(prf: oldPRF, oldSKd: keying.keys.skD, sharedSecret: secret, nonceI: nonceI, nonceR: nonceR)
        let sa = IKESA(context: context, config: config, originalInitiator: originalInitiator, spiI: spiI, spiR: spiR,
                       state: .established, local: local, remote: remote, now: now)
        sa.keying = try IKEKeying.derive(provider: context.provider, proposal: proposal, skeyseed: seed, nonceI: nonceI,
                                         nonceR: nonceR, spiI: spiI, spiR: spiR, originalInitiator: originalInitiator)
        sa.peerID = peerID
        sa.udpEncapsulation = udpEncapsulation
        sa.peerFloated = peerFloated
        sa.localBehindNAT = localBehindNAT
        sa.peerSupportsFragmentation = peerSupportsFragmentation
        sa.establishedAt = now
        sa.rekeyAt = now + config.ikeLifetime.rekeyAge(random: context.random)
        sa.expireAt = now + config.ikeLifetime.time
        context.spawned.append(sa)
        log(.info, "IKE SA \(sa.spiText) replaces \(spiText): \(proposal)")
        return sa
    }

    /// Hands our Child SAs and the tasks queued for them to `new` (§2.18: they are inherited).
    func moveChildren(to new: IKESA) {
        new.children += children
        children.removeAll()
        for task in queue {
            switch task {
            case .rekeyChild, .deleteChild, .createChild: new.enqueue(task)
            default: break
            }
        }
        new.delayed += delayed.filter { if case .rekeyIKE = $0.task { false } else { $0.task != .liveness } }
        delayed.removeAll()
        queue.removeAll { $0 != .deleteIKE }
    }
}
