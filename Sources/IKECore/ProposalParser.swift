import IKEWire

/// Parses proposals in strongSwan's syntax (`aes256gcm16-prfsha256-ecp256`,
/// `aes256-sha256-modp2048`, `aes128-sha1-modp1024`, `chacha20poly1305-prfsha256-x25519`), which
/// Linux IPsec users already know. Only algorithms iked implements are accepted; anything else is
/// an error that names the keyword.
public enum ProposalParser {
    /// A parse failure naming the offending keyword and why.
    public struct Error: Swift.Error, Equatable, Sendable, CustomStringConvertible {
        public let proposal: String
        public let message: String
        public var description: String { "\"\(proposal)\": \(message)" }
    }

    public static func parse(_ text: String, for protocolID: ProtocolID) throws(Error) -> ProposalSpec {
        var spec = ProposalSpec(protocolID: protocolID, ciphers: [], text: text)
        let tokens = text.lowercased().split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        for token in tokens {
            if let c = cipher(token) { spec.ciphers.append(c) }
            else if let i = integrityKeywords[token] { spec.integrity.append(i) }
            else if let p = prfKeywords[token] { spec.prfs.append(p) }
            else if let g = groupKeywords[token] { spec.dhGroups.append(g) }
            else if token == "esn" { spec.esn.append(.esn) }
            else if token == "noesn" { spec.esn.append(.noESN) }
            else { throw Error(proposal: text, message: unknownMessage(token)) }
        }
        try validate(&spec)
        return spec
    }

    /// Parses a list, reporting the first bad entry.
    public static func parse(_ texts: [String], for protocolID: ProtocolID) throws(Error) -> [ProposalSpec] {
        var out: [ProposalSpec] = []
        for t in texts { out.append(try parse(t, for: protocolID)) }
        return out
    }

    static func validate(_ spec: inout ProposalSpec) throws(Error) {
        func fail(_ m: String) -> Error { Error(proposal: spec.text, message: m) }
        guard !spec.ciphers.isEmpty else { throw fail("no encryption algorithm") }
        let aead = spec.ciphers.filter { ProposalSpec.aeadCiphers.contains($0.id) }.count
        guard aead == 0 || aead == spec.ciphers.count else {
            throw fail("AEAD and non-AEAD ciphers cannot share a proposal; write two proposals")
        }
        if aead > 0 {
            // RFC 5282 §8 / RFC 7634 §2: a combined-mode cipher has no integrity transform.
            guard spec.integrity.isEmpty else { throw fail("an AEAD cipher takes no integrity algorithm") }
        } else {
            guard !spec.integrity.isEmpty else { throw fail("a CBC cipher needs an integrity algorithm (e.g. sha256)") }
        }
        if spec.protocolID == .ike {
            guard spec.esn.isEmpty else { throw fail("esn/noesn apply to ESP proposals only") }
            if spec.prfs.isEmpty {
                // strongSwan's rule: without an explicit PRF, use the HMAC of each integrity algorithm.
                guard aead == 0 else { throw fail("an AEAD IKE proposal needs a PRF (e.g. prfsha256)") }
                spec.prfs = spec.integrity.compactMap { prfForIntegrity[$0] }
            }
            guard !spec.dhGroups.isEmpty else { throw fail("an IKE proposal needs a DH group (e.g. ecp256, modp2048)") }
        } else {
            guard spec.prfs.isEmpty else { throw fail("ESP proposals take no PRF") }
        }
    }

    static func cipher(_ t: String) -> ProposalSpec.Cipher? {
        if t == "chacha20poly1305" { return .init(.chacha20Poly1305, keyLength: nil) }
        for bits: UInt16 in [128, 192, 256] {
            let base = "aes\(bits)"
            if t == base { return .init(.aesCBC, keyLength: bits) }
            guard t.hasPrefix(base + "gcm") else { continue }
            switch t.dropFirst(base.count + 3) {
            case "", "16", "128": return .init(.aesGCM16, keyLength: bits)
            case "12", "96": return .init(.aesGCM12, keyLength: bits)
            case "8", "64": return .init(.aesGCM8, keyLength: bits)
            default: return nil
            }
        }
        if t == "aes" { return .init(.aesCBC, keyLength: 128) }
        return nil
    }

    static func unknownMessage(_ token: String) -> String {
        if token.isEmpty { return "empty keyword (two dashes in a row?)" }
        if ["3des", "des", "md5", "modp768", "modp1536", "ecp224", "ecp192"].contains(token)
            || token.hasPrefix("aes") || token.hasPrefix("camellia") || token.hasPrefix("modp") {
            return "\(token) is not supported by iked"
        }
        return "unknown keyword \(token)"
    }

    static let integrityKeywords: [String: IntegrityID] = [
        "sha1": .hmacSHA1_96, "sha": .hmacSHA1_96, "sha1_96": .hmacSHA1_96,
        "sha256": .hmacSHA256_128, "sha2_256": .hmacSHA256_128,
        "sha384": .hmacSHA384_192, "sha2_384": .hmacSHA384_192,
        "sha512": .hmacSHA512_256, "sha2_512": .hmacSHA512_256,
    ]
    static let prfKeywords: [String: PRFID] = [
        "prfsha1": .hmacSHA1, "prfsha256": .hmacSHA256, "prfsha384": .hmacSHA384, "prfsha512": .hmacSHA512,
    ]
    package static let prfForIntegrity: [IntegrityID: PRFID] = [
        .hmacSHA1_96: .hmacSHA1, .hmacSHA256_128: .hmacSHA256,
        .hmacSHA384_192: .hmacSHA384, .hmacSHA512_256: .hmacSHA512,
    ]
    package static let groupKeywords: [String: DHGroupID] = [
        "modp1024": .modp1024, "modp2048": .modp2048, "modp3072": .modp3072, "modp4096": .modp4096,
        "modp6144": .modp6144, "modp8192": .modp8192,
        "modp1024s160": .modp1024s160, "modp2048s224": .modp2048s224, "modp2048s256": .modp2048s256,
        "ecp256": .ecp256, "ecp384": .ecp384, "ecp521": .ecp521,
        "curve25519": .curve25519, "x25519": .curve25519,
    ]
}
