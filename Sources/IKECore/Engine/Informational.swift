import IKECrypto
import IKEWire

/// INFORMATIONAL (RFC 7296 §1.4, §1.5): deleting Child SAs and the IKE SA, and liveness checks.
///   HDR, SK {[D(ESP, SPIs)] | [D(IKE)] | nothing} -->
///                              <-- HDR, SK {[D(ESP, our SPIs)]}
extension IKESA {
    // MARK: Initiator

    /// Deletes Child SAs by our inbound SPI; SPIs without a pair here are sent anyway (a pair
    /// the peer installed from an answer we then rejected).
    func startDeleteChildren(_ spis: [UInt32], now: Duration) {
        for spi in spis {
            if let i = children.firstIndex(where: { $0.inboundSPI == spi }) {
                setChildState(i, .deleting, "deleting it")
            }
        }
        sendRequest(.informational, [.delete(.esp(spis))], .deleteChildren(spis), now: now)
    }

    func processDeleteChildrenResponse(_ spis: [UInt32], now: Duration) {
        for spi in spis {
            context.releaseChildSPI(spi)
            guard let i = children.firstIndex(where: { $0.inboundSPI == spi }) else { continue }
            let c = children.remove(at: i)
            context.events.append(.childSADeleted(c.info.id, reason: nil))
        }
    }

    func startDeleteIKE(now: Duration) {
        transition(to: .deleting, "deleting the IKE SA")
        sendRequest(.informational, [.delete(.ikeSA)], .deleteIKE, now: now)
    }

    func startLiveness(now: Duration) {
        log(.debug, "liveness check: no traffic from the peer since \(lastInbound)")
        sendRequest(.informational, [], .liveness, now: now)
        if let timeout = config.dpdTimeout { livenessGiveUpAt = now + timeout }
    }

    // MARK: Responder

    func processInformationalRequest(messageID: UInt32, payloads p: [Payload], now: Duration) {
        var deleteIKE = false
        var ours: [UInt32] = []
        for d in p.deletes {
            if d.protocolID == .ike { deleteIKE = true; continue }
            guard d.protocolID == .esp || d.protocolID == .ah else { continue }
            for raw in d.spis where raw.count == 4 {
                let spi = raw.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                guard let i = children.firstIndex(where: { $0.outboundSPI == spi }) else { continue }
                let c = children.remove(at: i)
                // §2.25.1: a pair we are deleting ourselves is answered without its Delete.
                if c.state != .deleting { ours.append(c.inboundSPI) }
                context.releaseChildSPI(c.inboundSPI)
                log(.info, "peer deleted Child SA \(c.info.id)")
                context.events.append(.childSADeleted(c.info.id, reason: FailureReason(.deletedByPeer, "DELETE from peer")))
            }
        }
        for n in p.notifies where n.type.rawValue < 16384 {
            log(.warning, "peer reported \(n.type)")
        }
        if p.notify(.authenticationFailed) != nil {
            // §2.21.2: the initiator rejected our authentication after we accepted its own.
            sendResponse(.informational, messageID: messageID, [], now: now)
            return die(reason: FailureReason(.authenticationFailed, "peer rejected our AUTH or identity"), now: now)
        }
        if deleteIKE {
            sendResponse(.informational, messageID: messageID, [], now: now)
            // The `-> dead (deletedByPeer …)` line says it, except for a replaced SA.
            log(replaced ? .info : .debug, "peer deleted the IKE SA")
            // A replaced SA's Delete is the end of a rekey, not a loss.
            return die(reason: replaced ? nil : FailureReason(.deletedByPeer, "DELETE from peer"), now: now)
        }
        sendResponse(.informational, messageID: messageID, ours.isEmpty ? [] : [.delete(.esp(ours))], now: now)
    }
}
