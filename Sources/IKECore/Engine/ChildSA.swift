import IKECrypto
import IKEWire

/// One ESP SA pair inside an IKE SA (RFC 7296 §1.3). Invariant: `inboundSPI` was allocated by
/// us and is unique in the engine; keys are never logged.
struct ChildSA {
    enum State: String {
        case installed
        /// Our CREATE_CHILD_SA rekeying it is outstanding.
        case rekeying
        /// A successor exists; this pair waits for its DELETE.
        case rekeyed
        /// Our INFORMATIONAL deleting it is outstanding.
        case deleting
    }

    var info: ChildSAInfo
    var proposal: SelectedProposal
    var state: State = .installed
    var rekeyAt: Duration
    var expireAt: Duration
    /// The rekey was requested by the datapath (volume limit) rather than by the clock.
    var inboundSPI: UInt32 { info.id.inbound }
    var outboundSPI: UInt32 { info.id.outbound }
}

/// Derives Child SA keys (RFC 7296 §2.17) and turns a negotiated proposal into a `ChildSA`.
enum ChildKeying {
    struct Parameters {
        var tunnel: String
        var ikeSA: IKESAID
        var proposal: SelectedProposal
        var inboundSPI: UInt32
        var outboundSPI: UInt32
        /// True when we initiated the exchange that created it (then "initiator" keys are ours).
        var weInitiated: Bool
        var nonceI: [UInt8]
        var nonceR: [UInt8]
        var sharedSecret: SecretBytes?
        var localTS: [TrafficSelector]
        var remoteTS: [TrafficSelector]
        var local: Endpoint
        var remote: Endpoint
        var udpEncapsulation: Bool
    }

    static func make(_ p: Parameters, prf: any PRF, skD: SecretBytes, lifetime: Lifetime,
                     now: Duration, random: some RandomSource) throws -> ChildSA {
        let suite = try p.proposal.cryptoSuite
        guard let encLength = suite.encryption.keyMaterialLength(keyLengthBits: suite.keyLengthBits) else {
            throw NegotiationError(.noProposalChosen, "no key length for \(p.proposal.cipher.id)")
        }
        let integLength = suite.integrity?.keySize ?? 0
        let material = try childSAKeyMaterial(prf: prf, skD: skD, sharedSecret: p.sharedSecret,
                                              nonceI: p.nonceI, nonceR: p.nonceR,
                                              length: 2 * (encLength + integLength))
        let keys = try ChildSAKeys(keyMaterial: material, encKeyLength: encLength, integKeyLength: integLength)
        let iToR = (keys.encryptionInitiatorToResponder, keys.integrityInitiatorToResponder)
        let rToI = (keys.encryptionResponderToInitiator, keys.integrityResponderToInitiator)
        let info = ChildSAInfo(
            id: ChildSAID(tunnel: p.tunnel, inbound: p.inboundSPI, outbound: p.outboundSPI),
            ikeSA: p.ikeSA, suite: suite, esn: p.proposal.esn == .esn,
            inboundKeys: p.weInitiated ? rToI : iToR, outboundKeys: p.weInitiated ? iToR : rToI,
            localTS: p.localTS, remoteTS: p.remoteTS,
            softBytes: lifetime.softLimit(lifetime.bytes), hardBytes: lifetime.bytes,
            softPackets: lifetime.softLimit(lifetime.packets), hardPackets: lifetime.packets,
            local: p.local, remote: p.remote, udpEncapsulation: p.udpEncapsulation, weInitiated: p.weInitiated)
        return ChildSA(info: info, proposal: p.proposal, rekeyAt: now + lifetime.rekeyAge(random: random),
                       expireAt: now + lifetime.time)
    }
}

/// The keys of one IKE SA and the message protection built from them (RFC 7296 §2.14).
struct IKEKeying {
    let suite: CryptoSuite
    let proposal: SelectedProposal
    let prf: any PRF
    let keys: IKESAKeys
    let protection: IKEMessageProtection
    /// `proposal.description`, made once: the log and every `IKESAInfo` show it.
    let proposalText: String

    /// `skeyseed` from IKE_SA_INIT (§2.14) or from a rekey (§2.18).
    static func derive(provider: any CryptoProvider, proposal: SelectedProposal, skeyseed: SecretBytes,
                       nonceI: [UInt8], nonceR: [UInt8], spiI: UInt64, spiR: UInt64,
                       originalInitiator: Bool) throws -> IKEKeying {
        let suite = try proposal.cryptoSuite
        guard let prfAlgorithm = suite.prf,
              let encLength = suite.encryption.keyMaterialLength(keyLengthBits: suite.keyLengthBits) else {
            throw NegotiationError(.noProposalChosen, "IKE proposal without PRF or key length")
        }
        let prf = try provider.makePRF(prfAlgorithm)
        let keys = try ikeSAKeys(prf: prf, skeyseed: skeyseed, nonceI: nonceI, nonceR: nonceR,
                                 spiI: spiI, spiR: spiR, encKeyLength: encLength,
                                 integKeyLength: suite.integrity?.keySize ?? 0)
        let integrityI = suite.integrity == nil ? nil : keys.skAi
        let integrityR = suite.integrity == nil ? nil : keys.skAr
        let fromI = try SKCipher.make(provider: provider, encryption: suite.encryption, encryptionKey: keys.skEi,
                                      integrity: suite.integrity, integrityKey: integrityI)
        let fromR = try SKCipher.make(provider: provider, encryption: suite.encryption, encryptionKey: keys.skEr,
                                      integrity: suite.integrity, integrityKey: integrityR)
        let protection = originalInitiator ? IKEMessageProtection(outbound: fromI, inbound: fromR)
                                           : IKEMessageProtection(outbound: fromR, inbound: fromI)
        return IKEKeying(suite: suite, proposal: proposal, prf: prf, keys: keys, protection: protection,
                         proposalText: proposal.description)
    }

    /// The PRF of a negotiated proposal.
    static func prf(provider: any CryptoProvider, for proposal: SelectedProposal) throws -> any PRF {
        guard let f = try proposal.cryptoSuite.prf else {
            throw NegotiationError(.noProposalChosen, "IKE proposal without PRF")
        }
        return try provider.makePRF(f)
    }
}
