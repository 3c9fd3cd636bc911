import IKECore
import IKECrypto
import IKEWire

/// A cloud VPN endpoint iked can stand in for (`profile = "aws"`, `"azure"`, `"azure-vwan"`):
/// the values a tunnel gets for keys it leaves out, and the limits that cloud enforces on the
/// keys it sets. docs/profiles.md lists every value with its source.
public enum CloudProfile: String, Sendable, CaseIterable {
    case aws
    case azure
    case azureVWAN = "azure-vwan"

    /// The cloud's own name for it, used in messages.
    public var title: String {
        switch self {
        case .aws: "AWS Site-to-Site VPN"
        case .azure: "Azure VPN Gateway"
        case .azureVWAN: "Azure Virtual WAN"
        }
    }

    public var isAzure: Bool { self != .aws }

    var defaults: TunnelDefaults {
        switch self {
        case .aws: AWSProfile.defaults
        case .azure: AzureProfile.defaults(vwan: false)
        case .azureVWAN: AzureProfile.defaults(vwan: true)
        }
    }

    /// Refuses what the cloud would refuse. Defaults always pass, so every failure names a key
    /// the file set.
    func check(_ t: ProfileInput, _ s: Section) {
        switch self {
        case .aws: AWSProfile.check(t, s)
        case .azure, .azureVWAN: AzureProfile.check(t, s, profile: self)
        }
    }
}

/// The values a profile limits, as read (a value that failed to read is nil or its default),
/// so a file with several mistakes hears of all of them at once.
struct ProfileInput {
    var ikeLifetime: Duration
    var childLifetime: Duration
    var rekeyMargin: Duration
    var childLifeBytes: Int?
    var replayWindow: Int
    var dpdTimeout: Duration?
    var startAction: StartAction
    var ikeProposals: [ProposalSpec]?
    var espProposals: [ProposalSpec]?
    var psk: SecretBytes?
    var insideAddresses: [(address: [UInt8], prefix: Int)]
}

/// What a tunnel gets for each key it leaves out: iked's own defaults, or a profile's.
struct TunnelDefaults {
    var ikeProposals: [String]
    var espProposals: [String]
    /// ESP proposals accepted as responder beyond those offered; nil = the offered ones.
    var espAccepted: [String]?
    var ikeLifetime: Int
    var childLifetime: Int
    /// Hard volume limit of a Child SA in bytes; nil = none.
    var childLifeBytes: Int?
    var rekeyMargin: Int
    /// Percent of the margin.
    var rekeyFuzz: Int
    var replayWindow: Int
    var dpdDelay: Int
    var dpdTimeout: Int?
    var dpdAction: DPDAction
    var startAction: StartAction
    var mssClamp: MSSClampSetting

    /// iked's own defaults, close to strongSwan's and AWS's.
    static let iked = TunnelDefaults(
        ikeProposals: ["aes256gcm16-prfsha256-ecp256", "aes256-sha256-modp2048"], espProposals: ["aes256gcm16", "aes256-sha256"],
        espAccepted: nil, ikeLifetime: 4 * 3600, childLifetime: 3600, childLifeBytes: nil, rekeyMargin: 270, rekeyFuzz: 100,
        replayWindow: 1024, dpdDelay: 30, dpdTimeout: nil, dpdAction: .clear, startAction: .add, mssClamp: .followMTU)
}

/// The algorithms a cloud allows in one phase, with the names its documentation uses, so a
/// refusal can quote the allowed set.
struct AlgorithmLimits {
    var ciphers: [ProposalSpec.Cipher]
    var cipherNames: String
    var integrity: [IntegrityID]
    var integrityNames: String
    /// DH groups by number; for ESP, the PFS groups.
    var groups: Set<UInt16>
    var groupNames: String
    /// ESP: a proposal without a DH group (no PFS) is allowed.
    var allowsNoPFS: Bool = true

    /// Every problem of one proposal, as messages that name the allowed set.
    func problems(_ p: ProposalSpec, cloud: String, phase: String) -> [String] {
        var out: [String] = []
        for c in p.ciphers where !ciphers.contains(c) {
            out.append("\(cloud) does not allow \(c.displayName) in \(phase) (allowed: \(cipherNames))")
        }
        // An IKE proposal's PRF follows its integrity algorithm (or, with AEAD, stands for it).
        let prfsAsIntegrity = p.isAEAD ? p.prfs.map(\.integrityEquivalent) : []
        for i in p.integrity + prfsAsIntegrity where !integrity.contains(i) {
            out.append("\(cloud) does not allow integrity \(i.displayName) in \(phase) (allowed: \(integrityNames))")
        }
        for g in p.dhGroups where !groups.contains(g.rawValue) {
            out.append("\(cloud) does not allow DH group \(g.rawValue) (\(g)) in \(phase) (allowed: \(groupNames))")
        }
        if p.protocolID == .esp, p.dhGroups.isEmpty, !allowsNoPFS {
            out.append("\(cloud) always uses PFS in \(phase): add a DH group (allowed: \(groupNames))")
        }
        return out
    }

    /// DH groups named in a proposal's text that iked does not implement (so the parser would
    /// refuse them without naming the cloud's range), by their group numbers.
    static let unimplementedGroups: [String: UInt16] = ["modp768": 1, "modp1536": 5, "ecp192": 25, "ecp224": 26]

    func unimplementedGroupProblems(_ text: String, cloud: String, phase: String) -> [String] {
        text.lowercased().split(separator: "-").compactMap { token in
            guard let n = Self.unimplementedGroups[String(token)] else { return nil }
            return groups.contains(n)
                ? "DH group \(n) (\(token)) is allowed by \(cloud) in \(phase) but not implemented by iked"
                : "\(cloud) does not allow DH group \(n) (\(token)) in \(phase) (allowed: \(groupNames))"
        }
    }
}

extension ProposalSpec.Cipher {
    var displayName: String {
        switch id {
        case .aesCBC: "AES\(keyLength ?? 128) (CBC)"
        case .aesGCM16: "AES\(keyLength ?? 128)-GCM-16"
        case .chacha20Poly1305: "ChaCha20-Poly1305"
        default: "\(id)\(keyLength.map { "-\($0)" } ?? "")"
        }
    }
}

extension IntegrityID {
    var displayName: String {
        switch self {
        case .hmacSHA1_96: "SHA1"
        case .hmacSHA256_128: "SHA2-256"
        case .hmacSHA384_192: "SHA2-384"
        case .hmacSHA512_256: "SHA2-512"
        default: "\(self)"
        }
    }
}

extension PRFID {
    /// The integrity algorithm of the same hash, for clouds that name one hash per phase 1.
    var integrityEquivalent: IntegrityID {
        switch self {
        case .hmacSHA1: .hmacSHA1_96
        case .hmacSHA256: .hmacSHA256_128
        case .hmacSHA384: .hmacSHA384_192
        case .hmacSHA512: .hmacSHA512_256
        default: IntegrityID(rawValue: 0xFFFF)
        }
    }
}
