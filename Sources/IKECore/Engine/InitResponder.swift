import IKECrypto
import IKEWire

/// The responder's first step (RFC 7296 §1.2, §2.6): decide, before keeping any state, whether
/// an IKE_SA_INIT request gets a cookie demand, an error, or a new half-open IKE SA.
extension IKEEngine {
    func respondToInit(_ bytes: [UInt8], message: IKEMessage, from: Endpoint, to: Endpoint, now: Duration) {
        let h = message.header
        guard h.responderSPI == 0, h.messageID == 0 else {
            return context.drop(.invalidInitRequest, "-", "IKE_SA_INIT request with SPIr or message ID set")
        }
        // A retransmission of a request we answered: resend the cached response (§2.1).
        if let spi = halfOpen[HalfOpenKey(spiI: h.initiatorSPI, peer: from)], let sa = sas[spi] {
            if case .resend(let cached) = sa.responses.classify(messageID: 0), sa.initRequest == bytes {
                sa.transmit(cached, now: now)
            } else {
                context.drop(.oldRequest, sa.config.name, "IKE_SA_INIT for an IKE SA already set up")
            }
            return
        }
        // A tunnel naming this peer wins over a %any tunnel on the same local address.
        let local = tunnels.values.filter { $0.local.address == to.address }.sorted { $0.name < $1.name }
        guard let config = local.first(where: { $0.remote?.address == from.address }) ?? local.first(where: { $0.remote == nil }) else {
            return context.drop(.noMatchingTunnel, "-", "IKE_SA_INIT from \(from) to \(to) matches no tunnel")
        }
        guard config.initiation != .initiatorOnly else {
            return context.drop(.initiatorOnly, config.name, "IKE_SA_INIT from \(from): the tunnel's connection mode is InitiatorOnly")
        }
        let p = message.payloads
        guard let offered = p.securityAssociation, let ke = p.keyExchange, let nonce = validNonce(p.nonce) else {
            return context.drop(.invalidInitRequest, config.name, "IKE_SA_INIT without SA, KE or a valid nonce")
        }
        let open = halfOpen.count
        guard open < context.settings.halfOpenLimit,
              halfOpen.keys.filter({ $0.peer.address == from.address }).count < context.settings.halfOpenPerPeerLimit else {
            return context.drop(.halfOpenLimit, config.name, "too many half-open IKE SAs (\(open)); ignoring \(from)")
        }
        if CookieGenerator.isRequired(halfOpen: open, threshold: context.settings.cookieThreshold) {
            cookies.rotateIfDue(now: now, random: context.random)
            let returned = p.first.flatMap { if case .notify(let n) = $0, n.type == .cookie { n.data } else { nil } }
            guard let returned, cookies.verify(returned, nonceI: nonce, initiatorAddress: from.address, spiI: h.initiatorSPI) else {
                // Either way one reason per datagram: a stale or forged cookie, or none yet.
                if p.notify(.cookie) != nil {
                    context.drop(.badCookie, config.name, "invalid cookie from \(from); asking again")
                } else {
                    context.drop(.cookieRequired, config.name, "\(open) half-open IKE SAs: asking \(from) for a cookie")
                }
                let cookie = cookies.cookie(nonceI: nonce, initiatorAddress: from.address, spiI: h.initiatorSPI)
                return replyStateless(to: h, Notify(.cookie, data: cookie), from: to, peer: from)
            }
        }
        let selected: SelectedProposal
        do {
            selected = try ProposalSelection.select(from: offered.proposals, configured: config.ikeProposals)
        } catch {
            context.log(.warning, config.name, "IKE_SA_INIT from \(from): \(error)")
            return replyStateless(to: h, Notify(error.notify), from: to, peer: from)
        }
        // RFC 7296 §1.2: a KE for another group than the chosen one gets INVALID_KE_PAYLOAD.
        guard let group = selected.dhGroup, group == ke.group else {
            context.log(.info, config.name, "IKE_SA_INIT from \(from) has KE \(ke.group); asking for \(selected.dhGroup ?? .none)")
            return replyStateless(to: h, .invalidKE(accepted: selected.dhGroup ?? .none), from: to, peer: from)
        }
        let sa = IKESA(context: context, config: config, originalInitiator: false, spiI: h.initiatorSPI,
                       spiR: uniqueSPI(), state: .halfOpen, local: to, remote: from, now: now)
        do {
            let response = try sa.acceptInit(request: bytes, message: message, selected: selected, from: from, now: now)
            sas[sa.spiR] = sa
            halfOpen[HalfOpenKey(spiI: h.initiatorSPI, peer: from)] = sa.spiR
            sa.transmit([response], now: now)
        } catch {
            context.drop(.invalidInitRequest, config.name, "IKE_SA_INIT from \(from): \(error)")
        }
    }

    /// An unprotected IKE_SA_INIT response carrying one notify, with no state kept (§2.6, §1.2).
    private func replyStateless(to h: IKEHeader, _ notify: Notify, from local: Endpoint, peer: Endpoint) {
        let header = IKEHeader(initiatorSPI: h.initiatorSPI, responderSPI: 0, exchangeType: .ikeSAInit,
                               isInitiator: false, isResponse: true, messageID: 0)
        let bytes = IKEMessage(header: header, payloads: [.notify(notify)]).encode()
        context.transmits.append(Datagram(source: local, destination: peer, bytes: bytes))
    }
}
