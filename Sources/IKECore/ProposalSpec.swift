import IKEWire

/// A configured proposal: for each transform type, the algorithms we offer or accept, in order
/// of preference. Invariant (checked by the parser): AEAD and non-AEAD ciphers never share a
/// proposal; a non-AEAD proposal has integrity; an IKE proposal has a PRF and a DH group; an ESP
/// proposal has no PRF. Only algorithms iked implements can be represented through the parser.
public struct ProposalSpec: Hashable, Sendable, CustomStringConvertible {
    /// An encryption algorithm with its Key Length attribute in bits (nil for ChaCha20-Poly1305).
    public struct Cipher: Hashable, Sendable {
        public var id: EncryptionID
        public var keyLength: UInt16?
        public init(_ id: EncryptionID, keyLength: UInt16?) { self.id = id; self.keyLength = keyLength }
    }

    public var protocolID: ProtocolID
    public var ciphers: [Cipher]
    public var integrity: [IntegrityID]
    public var prfs: [PRFID]
    /// Empty for an ESP proposal without PFS.
    public var dhGroups: [DHGroupID]
    /// ESP only; empty means "no ESN" (the RFC 7296 §3.3.2 default).
    public var esn: [ESNID]
    /// The text this spec was parsed from, for logs and status.
    public var text: String

    public init(protocolID: ProtocolID, ciphers: [Cipher], integrity: [IntegrityID] = [],
                prfs: [PRFID] = [], dhGroups: [DHGroupID] = [], esn: [ESNID] = [], text: String = "") {
        self.protocolID = protocolID
        self.ciphers = ciphers
        self.integrity = integrity
        self.prfs = prfs
        self.dhGroups = dhGroups
        self.esn = esn
        self.text = text
    }

    public var description: String { text.isEmpty ? "\(protocolID) proposal" : text }

    /// True for a combined-mode (AEAD) proposal.
    public var isAEAD: Bool { ciphers.first.map { ProposalSpec.aeadCiphers.contains($0.id) } ?? false }

    static let aeadCiphers: Set<EncryptionID> = [.aesGCM8, .aesGCM12, .aesGCM16, .chacha20Poly1305]

    /// The proposal substructure to send (RFC 7296 §3.3.1), transforms in our order of preference.
    public func proposal(number: UInt8, spi: [UInt8] = []) -> Proposal {
        var t: [Transform] = ciphers.map { .encryption($0.id, keyLength: $0.keyLength) }
        t += prfs.map { .prf($0) }
        t += integrity.map { .integrity($0) }
        t += dhGroups.map { .dhGroup($0) }
        if protocolID == .esp { t += (esn.isEmpty ? [ESNID.noESN] : esn).map { Transform.esn($0) } }
        return Proposal(number: number, protocolID: protocolID, spi: spi, transforms: t)
    }
}
