import IKECore
import IKECrypto
import IKEWire

/// The AWS Site-to-Site VPN endpoint (virtual private gateway or transit gateway), from
/// ../shared/reference/clouds.md: AWS's allowed values and defaults, in AWS's order.
enum AWSProfile {
    static let cloud = "AWS"
    /// DH groups by strongSwan keyword, in AWS's order (2, 14–24). Group 5, which AWS allows in
    /// phase 2, is not implemented by iked and so never offered.
    static let groupKeywords = ["modp1024", "modp2048", "modp3072", "modp4096", "modp6144", "modp8192",
                                "ecp256", "ecp384", "ecp521", "modp1024s160", "modp2048s224", "modp2048s256"]
    static let groups = groupKeywords.joined(separator: "-")

    /// Every allowed combination: one proposal per cipher family with every integrity
    /// algorithm and group, AES128 before AES256, CBC before GCM, SHA1 before SHA2-512.
    static let defaults = TunnelDefaults(
        ikeProposals: ["aes128-aes256-sha1-sha256-sha384-sha512-\(groups)",
                       "aes128gcm16-aes256gcm16-prfsha1-prfsha256-prfsha384-prfsha512-\(groups)"],
        espProposals: ["aes128-aes256-sha1-sha256-sha384-sha512-\(groups)", "aes128gcm16-aes256gcm16-\(groups)"],
        espAccepted: nil, ikeLifetime: 28800, childLifetime: 3600, childLifeBytes: nil, rekeyMargin: 270, rekeyFuzz: 100,
        replayWindow: 1024, dpdDelay: 10, dpdTimeout: 40, dpdAction: .clear, startAction: .add, mssClamp: .followMTU)

    static let ciphers: [ProposalSpec.Cipher] = [.init(.aesCBC, keyLength: 128), .init(.aesCBC, keyLength: 256),
                                                 .init(.aesGCM16, keyLength: 128), .init(.aesGCM16, keyLength: 256)]
    static let integrity: [IntegrityID] = [.hmacSHA1_96, .hmacSHA256_128, .hmacSHA384_192, .hmacSHA512_256]
    static let phase1 = AlgorithmLimits(ciphers: ciphers, cipherNames: "AES128, AES256, AES128-GCM-16, AES256-GCM-16",
                                        integrity: integrity, integrityNames: "SHA1, SHA2-256, SHA2-384, SHA2-512",
                                        groups: Set([2] + Array(14...24)), groupNames: "2, 14–24")
    static let phase2 = AlgorithmLimits(ciphers: ciphers, cipherNames: phase1.cipherNames,
                                        integrity: integrity, integrityNames: phase1.integrityNames,
                                        groups: Set([2, 5] + Array(14...24)), groupNames: "2, 5, 14–24", allowsNoPFS: false)

    /// AWS's reserved inside /30s: 169.254.0.0/30 … 169.254.5.0/30 and 169.254.169.252/30.
    static func isReserved(_ a: [UInt8]) -> Bool {
        a[2] <= 5 && a[3] < 4 || a[2] == 169 && a[3] >= 252
    }

    static func check(_ t: ProfileInput, _ s: Section) {
        let ike = Int(t.ikeLifetime.components.seconds), child = Int(t.childLifetime.components.seconds)
        if !(900...28800).contains(ike) { s.fail("ike_lifetime", "\(ike) s is outside what AWS allows for phase 1 (900–28800 s)") }
        if !(900...3600).contains(child) {
            s.fail("child_lifetime", "\(child) s is outside what AWS allows for phase 2 (900–3600 s, less than the phase 1 lifetime)")
        } else if child >= ike {
            s.fail("child_lifetime", "\(child) s must be less than the phase 1 lifetime (\(ike) s) under AWS (900–3600 s)")
        }
        let margin = Int(t.rekeyMargin.components.seconds)
        if margin < 60 || margin * 2 > child {
            s.fail("rekey_margin", "\(margin) s is outside what AWS allows (60 s to half the phase 2 lifetime, \(child / 2) s)")
        }
        if !(64...2048).contains(t.replayWindow) {
            s.fail("replay_window", "\(t.replayWindow) is outside what AWS allows (64–2048 packets)")
        }
        if let timeout = t.dpdTimeout, timeout < .seconds(30) {
            s.fail("dpd_timeout", "\(timeout.components.seconds) s is below what AWS allows (30 s or more)")
        }
        if t.startAction == .none { s.fail("start_action", "\"none\" is not an AWS startup action (allowed: add, start)") }
        checkProposals(t.ikeProposals ?? [], "ike_proposals", .ike, s)
        checkProposals(t.espProposals ?? [], "esp_proposals", .esp, s)
        if let psk = t.psk { checkPSK(psk, s) }
        for (i, inside) in t.insideAddresses.enumerated() {
            let key = t.insideAddresses.count == 1 ? "inside_address" : "inside_address[\(i)]"
            if let problem = insideProblem(inside.address, inside.prefix) { s.fail(key, problem) }
        }
    }

    /// The limits of the phase a proposal list negotiates, with AWS's name for that phase.
    static func limits(_ proto: ProtocolID) -> (AlgorithmLimits, phase: String) {
        proto == .ike ? (phase1, "phase 1") : (phase2, "phase 2")
    }

    static func checkProposals(_ specs: [ProposalSpec], _ k: String, _ proto: ProtocolID, _ s: Section) {
        let (limits, phase) = limits(proto)
        for (i, p) in specs.enumerated() {
            for problem in limits.problems(p, cloud: cloud, phase: phase) {
                s.fail(specs.count == 1 ? k : "\(k)[\(i)]", problem)
            }
        }
    }

    /// AWS's rule: 8–64 characters of A–Z a–z 0–9 . _, not starting with 0. The message never
    /// quotes the key.
    static func checkPSK(_ psk: SecretBytes, _ s: Section) {
        let key = s.has("psk_file") ? "psk_file" : "psk"
        // Read in place: the key is never copied out of its zeroizing buffer.
        let (allowed, leadingZero) = psk.withUnsafeBytes { b in
            (b.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x2E || $0 == 0x5F },
             b.first == 0x30)
        }
        let rule = "AWS allows 8–64 characters of A–Z a–z 0–9 . _, not starting with 0"
        if !(8...64).contains(psk.count) { s.fail(key, "the key is \(psk.count) characters long; \(rule)") }
        else if !allowed { s.fail(key, "the key has a character outside A–Z a–z 0–9 . _; \(rule)") }
        else if leadingZero { s.fail(key, "the key starts with 0; \(rule)") }
    }

    /// An inside address AWS would refuse, or nil. IPv4: a /30 in 169.254.0.0/16, not reserved,
    /// AWS's side is .1 of it. IPv6 (IPv6 tunnels): a /126 in fd00::/8.
    static func insideProblem(_ a: [UInt8], _ prefix: Int) -> String? {
        let rule = "AWS wants a /30 in 169.254.0.0/16 (not 169.254.0.0/30 … 169.254.5.0/30 or 169.254.169.252/30) with its side on .1"
        if a.count == 16 {
            return a[0] == 0xFD && prefix == 126 ? nil : "AWS wants an IPv6 inside address as a /126 in fd00::/8"
        }
        guard a[0] == 169, a[1] == 254, prefix == 30 else { return "\(Endpoint.text(a))/\(prefix): \(rule)" }
        if isReserved(a) { return "\(Endpoint.text(a))/30 is in a range AWS reserves; \(rule)" }
        if a[3] % 4 != 1 {
            return "\(Endpoint.text(a))/30: AWS's side takes .1 of the /30 and the customer gateway .2; \(rule)"
        }
        return nil
    }
}
