import IKECore
import IKEWire

/// One Azure custom IPsec/IKE policy (New-AzIpsecPolicy): a single algorithm of each kind, in
/// Azure's names. Invariant: every field is a value the cmdlet accepts (clouds.md, "custom policy").
struct AzurePolicy: Equatable {
    var ikeEncryption: String
    var ikeIntegrity: String
    var dhGroup: String
    var ipsecEncryption: String
    var ipsecIntegrity: String
    var pfsGroup: String
}

/// Maps iked's proposals to Azure's policy names, and says why one cannot be mapped.
/// Azure's custom policy: IKE GCMAES256/128, AES256/192/128 with SHA384/256/1 and DH 24,
/// ECP384, ECP256, 14, 2; ESP GCMAES256/192/128 (integrity = the same GCM name) or
/// AES256/192/128 with SHA256/SHA1, PFS 24, ECP384, ECP256, 14 (PFS2048), 2, none.
enum AzureNames {
    /// The first (cipher, integrity, group) of `p`, in iked's order of preference, that Azure
    /// can express; nil when none can.
    static func ike(_ p: ProposalSpec) -> (encryption: String, integrity: String, group: String)? {
        for c in p.ciphers {
            guard let enc = ikeCipher(c) else { continue }
            guard let group = p.dhGroups.lazy.compactMap(dhGroup).first else { return nil }
            if p.isAEAD {
                // With GCM, Azure's IKE "integrity" is the PRF's hash.
                if let h = p.prfs.lazy.compactMap(prfHash).first { return (enc, h, group) }
            } else {
                for i in p.integrity {
                    // Azure uses one hash for integrity and PRF: the proposal must allow that PRF.
                    guard let h = hash(i), let f = ProposalParser.prfForIntegrity[i], p.prfs.contains(f) else { continue }
                    return (enc, h, group)
                }
            }
        }
        return nil
    }

    /// The same for an ESP proposal; no DH group means PfsGroup None.
    static func esp(_ p: ProposalSpec) -> (encryption: String, integrity: String, pfs: String)? {
        let pfs: String
        if p.dhGroups.isEmpty { pfs = "None" } else {
            guard let g = p.dhGroups.lazy.compactMap(pfsGroup).first else { return nil }
            pfs = g
        }
        for c in p.ciphers {
            guard let enc = espCipher(c) else { continue }
            if p.isAEAD { return (enc, enc, pfs) }
            if let h = p.integrity.lazy.compactMap(espHash).first { return (enc, h, pfs) }
        }
        return nil
    }

    static func ikeCipher(_ c: ProposalSpec.Cipher) -> String? {
        switch (c.id, c.keyLength) {
        case (.aesCBC, 128?), (.aesCBC, 192?), (.aesCBC, 256?): "AES\(c.keyLength!)"
        case (.aesGCM16, 128?), (.aesGCM16, 256?): "GCMAES\(c.keyLength!)"
        default: nil
        }
    }

    static func espCipher(_ c: ProposalSpec.Cipher) -> String? {
        switch (c.id, c.keyLength) {
        case (.aesCBC, 128?), (.aesCBC, 192?), (.aesCBC, 256?): "AES\(c.keyLength!)"
        case (.aesGCM16, 128?), (.aesGCM16, 192?), (.aesGCM16, 256?): "GCMAES\(c.keyLength!)"
        default: nil
        }
    }

    static func hash(_ i: IntegrityID) -> String? {
        switch i {
        case .hmacSHA1_96: "SHA1"
        case .hmacSHA256_128: "SHA256"
        case .hmacSHA384_192: "SHA384"
        default: nil
        }
    }

    static func espHash(_ i: IntegrityID) -> String? {
        switch i {
        case .hmacSHA1_96: "SHA1"
        case .hmacSHA256_128: "SHA256"
        default: nil
        }
    }

    static func prfHash(_ f: PRFID) -> String? {
        switch f {
        case .hmacSHA1: "SHA1"
        case .hmacSHA256: "SHA256"
        case .hmacSHA384: "SHA384"
        default: nil
        }
    }

    static func dhGroup(_ g: DHGroupID) -> String? {
        switch g {
        case .modp1024: "DHGroup2"
        case .modp2048: "DHGroup14"
        case .modp2048s256: "DHGroup24"
        case .ecp256: "ECP256"
        case .ecp384: "ECP384"
        default: nil
        }
    }

    /// Azure names group 14 PFS2048 in its documentation (the API also knows it as PFS14).
    static func pfsGroup(_ g: DHGroupID) -> String? {
        switch g {
        case .modp1024: "PFS2"
        case .modp2048: "PFS2048"
        case .modp2048s256: "PFS24"
        case .ecp256: "ECP256"
        case .ecp384: "ECP384"
        default: nil
        }
    }
}
