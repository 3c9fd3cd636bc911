import IKECrypto
import IKEWire

/// The outcome of proposal negotiation: one algorithm per transform type (RFC 7296 §3.3.6),
/// the peer's proposal number and SPI. Invariant: every algorithm is one iked implements, so
/// `cryptoSuite` never fails for a value produced by `ProposalSelection`.
public struct SelectedProposal: Hashable, Sendable, CustomStringConvertible {
    public var number: UInt8
    public var protocolID: ProtocolID
    /// The SPI the peer put in its proposal (ours goes in the response).
    public var spi: [UInt8]
    public var cipher: ProposalSpec.Cipher
    public var integrity: IntegrityID?
    public var prf: PRFID?
    public var dhGroup: DHGroupID?
    public var esn: ESNID?

    /// The single-transform proposal for the response, with our SPI.
    public func proposal(spi ourSPI: [UInt8]) -> Proposal {
        var t: [Transform] = [.encryption(cipher.id, keyLength: cipher.keyLength)]
        if let prf { t.append(.prf(prf)) }
        if let integrity { t.append(.integrity(integrity)) }
        if let dhGroup { t.append(.dhGroup(dhGroup)) }
        if let esn { t.append(.esn(esn)) }
        return Proposal(number: number, protocolID: protocolID, spi: ourSPI, transforms: t)
    }

    /// strongSwan-style name, e.g. `AES_GCM_16_256/PRF_HMAC_SHA2_256/ECP_256`, for status and logs.
    /// Built by appending to one string (it is in every handshake's info lines).
    public var description: String {
        var s = cipher.id.description
        s.reserveCapacity(64)
        if let k = cipher.keyLength { s += "_" + String(k) }
        if let integrity { s += "/" + integrity.description }
        if let prf { s += "/" + prf.description }
        if let dhGroup, dhGroup != .none { s += "/" + dhGroup.description }
        if let esn { s += "/" + esn.description }
        return s
    }
}

/// Proposal negotiation (RFC 7296 §2.7, §3.3.6). As responder, our configured order wins (as
/// strongSwan's default): for each of our proposals in order, the first peer proposal that
/// offers an acceptable algorithm of every required type is chosen, and within it our preferred
/// algorithm of each type. As initiator, the response must pick exactly one of what we offered.
public enum ProposalSelection {
    /// Responder side: choose from the peer's proposals, or NO_PROPOSAL_CHOSEN.
    public static func select(from offered: [Proposal], configured: [ProposalSpec]) throws(NegotiationError) -> SelectedProposal {
        for spec in configured {
            for p in offered where p.protocolID == spec.protocolID {
                if let s = match(p, spec) { return s }
            }
        }
        let seen = offered.map { describe($0) }.joined(separator: ", ")
        throw NegotiationError(.noProposalChosen, "no configured proposal matches the peer's [\(seen)]")
    }

    /// Initiator side: the responder's SA must hold one proposal, with one transform of each
    /// type, all taken from the proposal of that number that we sent (RFC 7296 §2.7).
    public static func accept(response: SecurityAssociation, offered: [Proposal]) throws(NegotiationError) -> SelectedProposal {
        guard response.proposals.count == 1, let answer = response.proposals.first else {
            throw NegotiationError(.noProposalChosen, "response holds \(response.proposals.count) proposals, not one")
        }
        guard let sent = offered.first(where: { $0.number == answer.number && $0.protocolID == answer.protocolID }) else {
            throw NegotiationError(.noProposalChosen, "response names proposal \(answer.number), which we did not send")
        }
        var types: Set<TransformType> = []
        for t in answer.transforms {
            guard types.insert(t.type).inserted else {
                throw NegotiationError(.noProposalChosen, "response has two \(t.type) transforms")
            }
            guard sent.transforms.contains(t) else {
                throw NegotiationError(.noProposalChosen, "response picked \(t.type) \(t.id), which we did not offer")
            }
        }
        let spec = ProposalSpec(from: sent)
        guard var s = match(answer, spec) else {
            throw NegotiationError(.noProposalChosen, "response proposal lacks a required transform")
        }
        // Types we offered must all be answered (DH "none" excepted, RFC 7296 §3.3.3).
        guard types.contains(.encryption), spec.protocolID != .ike || types.isSuperset(of: [.prf, .keyExchange]) else {
            throw NegotiationError(.noProposalChosen, "response proposal lacks a required transform")
        }
        s.spi = answer.spi
        return s
    }

    /// One proposal against one spec: nil unless every required type has a common algorithm.
    /// Searches the peer's transforms in place rather than filtering them into arrays per type:
    /// every IKE_SA_INIT and IKE_AUTH runs it once per pair of proposals.
    static func match(_ p: Proposal, _ spec: ProposalSpec) -> SelectedProposal? {
        // RFC 7296 §3.3.6: a proposal with a transform type we do not know is rejected whole.
        guard p.transforms.allSatisfy({ $0.type.isKnown }) else { return nil }
        func offers(_ type: TransformType, _ id: UInt16) -> Bool { p.transforms.contains { $0.type == type && $0.id == id } }
        func offersAny(_ type: TransformType) -> Bool { p.transforms.contains { $0.type == type } }
        guard let cipher = spec.ciphers.first(where: { c in
            p.transforms.contains {
                $0.type == .encryption && $0.id == c.id.rawValue && $0.keyLength == c.keyLength
                    && $0.attributes.count == (c.keyLength == nil ? 0 : 1)
            }
        }) else { return nil }
        var s = SelectedProposal(number: p.number, protocolID: p.protocolID, spi: p.spi, cipher: cipher)
        if !spec.integrity.isEmpty || offersAny(.integrity) {
            guard let i = spec.integrity.first(where: { offers(.integrity, $0.rawValue) }) else { return nil }
            s.integrity = i
        }
        if spec.protocolID == .ike {
            guard let f = spec.prfs.first(where: { offers(.prf, $0.rawValue) }) else { return nil }
            s.prf = f
        }
        // DH: an absent list means "none" on either side (RFC 7296 §3.3.3).
        let peerListsGroups = offersAny(.keyExchange)
        func peerTakes(_ g: DHGroupID) -> Bool { peerListsGroups ? offers(.keyExchange, g.rawValue) : g == .none }
        let group = spec.dhGroups.isEmpty ? (peerTakes(.none) ? DHGroupID.none : nil) : spec.dhGroups.first(where: peerTakes)
        guard let g = group else { return nil }
        if g != .none || peerListsGroups { s.dhGroup = g }
        if spec.protocolID == .esp {
            let peerListsESN = offersAny(.esn)
            func peerTakes(_ e: ESNID) -> Bool { peerListsESN ? offers(.esn, e.rawValue) : e == .noESN }
            let esn = spec.esn.isEmpty ? (peerTakes(.noESN) ? ESNID.noESN : nil) : spec.esn.first(where: peerTakes)
            guard let e = esn else { return nil }
            if peerListsESN { s.esn = e }
        }
        return s
    }

    static func describe(_ p: Proposal) -> String {
        p.transforms.map { t -> String in
            switch t.type {
            case .encryption: "\(EncryptionID(rawValue: t.id))" + (t.keyLength.map { "_\($0)" } ?? "")
            case .prf: "\(PRFID(rawValue: t.id))"
            case .integrity: "\(IntegrityID(rawValue: t.id))"
            case .keyExchange: "\(DHGroupID(rawValue: t.id))"
            case .esn: "\(ESNID(rawValue: t.id))"
            default: "\(t.type):\(t.id)"
            }
        }.joined(separator: "/")
    }
}

extension ProposalSpec {
    /// The spec equivalent to a proposal we sent, for checking the response against it.
    init(from p: Proposal) {
        func ids(_ type: TransformType) -> [UInt16] { p.transforms.filter { $0.type == type }.map(\.id) }
        self.init(protocolID: p.protocolID,
                  ciphers: p.transforms.filter { $0.type == .encryption }.map { Cipher(EncryptionID(rawValue: $0.id), keyLength: $0.keyLength) },
                  integrity: ids(.integrity).map(IntegrityID.init(rawValue:)),
                  prfs: ids(.prf).map(PRFID.init(rawValue:)),
                  dhGroups: ids(.keyExchange).map(DHGroupID.init(rawValue:)),
                  esn: ids(.esn).map(ESNID.init(rawValue:)))
    }
}

/// The implementations a negotiated proposal maps to (IKECrypto's closed enums).
public struct CryptoSuite: Hashable, Sendable {
    public var encryption: EncryptionAlgorithm
    public var keyLengthBits: Int?
    public var integrity: IntegrityAlgorithm?
    public var prf: PRFAlgorithm?
    public var dhGroup: DHGroup?
}

extension SelectedProposal {
    /// The algorithms to instantiate; fails only for IDs iked has no implementation of.
    public var cryptoSuite: CryptoSuite {
        get throws(NegotiationError) {
            func unsupported(_ what: String) -> NegotiationError { NegotiationError(.noProposalChosen, "\(what) is not implemented") }
            guard let enc = EncryptionAlgorithm(rawValue: cipher.id.rawValue) else { throw unsupported("\(cipher.id)") }
            var suite = CryptoSuite(encryption: enc, keyLengthBits: cipher.keyLength.map(Int.init))
            if let integrity {
                guard let i = IntegrityAlgorithm(rawValue: integrity.rawValue) else { throw unsupported("\(integrity)") }
                suite.integrity = i
            }
            if let prf {
                guard let f = PRFAlgorithm(rawValue: prf.rawValue) else { throw unsupported("\(prf)") }
                suite.prf = f
            }
            if let dhGroup, dhGroup != .none {
                guard let g = DHGroup(rawValue: dhGroup.rawValue) else { throw unsupported("\(dhGroup)") }
                suite.dhGroup = g
            }
            return suite
        }
    }
}
