import Foundation
import IKECore
import IKEWire

/// strongSwan's spelling of what iked parsed: proposals rebuilt from the algorithm IDs (not the
/// user's text, which may use aliases such as `sha2_256` or `aes256gcm`), and identities in
/// strongSwan's ID syntax. Invariant: every output parses back, in strongSwan and in
/// `ProposalParser`, to the same algorithms in the same order.
enum StrongSwanNames {
    static func proposal(_ p: ProposalSpec) -> String {
        var words = p.ciphers.map(cipher)
        words += p.integrity.map(integrity)
        // A CBC IKE proposal without a written PRF got the HMAC of each integrity algorithm
        // (strongSwan's rule); leave those out so the text reads as it was written.
        let derived = p.integrity.compactMap { ProposalParser.prfForIntegrity[$0] }
        if !(p.protocolID == .ike && !p.isAEAD && p.prfs == derived) { words += p.prfs.map(prf) }
        words += p.dhGroups.map(group)
        words += p.esn.map { $0 == .esn ? "esn" : "noesn" }
        return words.joined(separator: "-")
    }

    static func cipher(_ c: ProposalSpec.Cipher) -> String {
        let bits = c.keyLength.map(String.init) ?? ""
        switch c.id {
        case .aesCBC: return "aes\(bits)"
        case .aesGCM16: return "aes\(bits)gcm16"
        case .aesGCM12: return "aes\(bits)gcm12"
        case .aesGCM8: return "aes\(bits)gcm8"
        case .chacha20Poly1305: return "chacha20poly1305"
        default: return "\(c.id)"
        }
    }

    static func integrity(_ i: IntegrityID) -> String {
        switch i {
        case .hmacSHA1_96: "sha1"
        case .hmacSHA256_128: "sha256"
        case .hmacSHA384_192: "sha384"
        case .hmacSHA512_256: "sha512"
        default: "\(i)"
        }
    }

    static func prf(_ f: PRFID) -> String {
        switch f {
        case .hmacSHA1: "prfsha1"
        case .hmacSHA256: "prfsha256"
        case .hmacSHA384: "prfsha384"
        case .hmacSHA512: "prfsha512"
        default: "\(f)"
        }
    }

    static func group(_ g: DHGroupID) -> String {
        ProposalParser.groupKeywords.filter { $0.value == g && $0.key != "x25519" }.map(\.key).first ?? "\(g)"
    }

    /// strongSwan's ID syntax: addresses as text, `@name` for an FQDN, `user@domain` for RFC 822,
    /// `@#hex` for a key ID. Callers quote it (`#` would start a comment in swanctl.conf).
    static func identity(_ id: Identification) -> String {
        switch id.type {
        case .ipv4Address, .ipv6Address: Endpoint.text(id.data)
        case .fqdn: "@" + String(decoding: id.data, as: UTF8.self)
        case .rfc822Address: String(decoding: id.data, as: UTF8.self)
        case .keyID: "@#" + hex(id.data)
        default: id.description
        }
    }

    /// A selector for swanctl: our notation, except that "any protocol" is `%any` there.
    static func selector(_ ts: TrafficSelector) -> String {
        ts.notation.replacingOccurrences(of: "[any/", with: "[%any/")
    }
}

/// The algorithm names AWS's downloaded configurations use ("aes-256-gcm-16", "sha2-256",
/// "hmac-sha2-256-128", "Group 14"). Invariant: one name per algorithm iked implements.
enum AWSNames {
    static func cipher(_ c: ProposalSpec.Cipher) -> String {
        let bits = c.keyLength.map(String.init) ?? ""
        switch c.id {
        case .aesCBC: return "aes-\(bits)-cbc"
        case .aesGCM16: return "aes-\(bits)-gcm-16"
        case .aesGCM12: return "aes-\(bits)-gcm-12"
        case .aesGCM8: return "aes-\(bits)-gcm-8"
        case .chacha20Poly1305: return "chacha20-poly1305"
        default: return "\(c.id)"
        }
    }

    /// Phase 1 names the hash; phase 2 names the truncated HMAC.
    static func hash(_ i: IntegrityID) -> String {
        switch i {
        case .hmacSHA1_96: "sha1"
        case .hmacSHA256_128: "sha2-256"
        case .hmacSHA384_192: "sha2-384"
        case .hmacSHA512_256: "sha2-512"
        default: "\(i)"
        }
    }

    static func hmac(_ i: IntegrityID) -> String {
        switch i {
        case .hmacSHA1_96: "hmac-sha1-96"
        case .hmacSHA256_128: "hmac-sha2-256-128"
        case .hmacSHA384_192: "hmac-sha2-384-192"
        case .hmacSHA512_256: "hmac-sha2-512-256"
        default: "\(i)"
        }
    }

    static func prf(_ f: PRFID) -> String {
        switch f {
        case .hmacSHA1: "sha1"
        case .hmacSHA256: "sha2-256"
        case .hmacSHA384: "sha2-384"
        case .hmacSHA512: "sha2-512"
        default: "\(f)"
        }
    }

    static func group(_ g: DHGroupID) -> String { "Group \(g.rawValue) (\(StrongSwanNames.group(g)))" }
}
