import IKECore
import IKEWire
import Testing
@testable import IKEDaemon

/// The cloud profiles (`profile = "aws" | "azure" | "azure-vwan"`) against
/// ../shared/reference/clouds.md: the defaults a tunnel gets, the values each cloud refuses (with
/// the key and the allowed range in the message), and the values it accepts.
@Suite struct ProfileTests {
    static let base = """
        [tunnel.t]
        local_address = "192.0.2.1"
        remote_address = "198.51.100.1"
        """
    /// A PSK AWS accepts (8–64 of A–Z a–z 0–9 . _, not starting with 0).
    static let awsPSK = "psk = \"Valid.AWS_key42\""

    static func tunnel(_ profile: String, _ extra: String = "", psk: String = awsPSK) throws -> TunnelSettings {
        try #require(try ConfigLoader.parse("\(base)\nprofile = \"\(profile)\"\n\(psk)\n\(extra)", file: "x.toml").tunnels.first)
    }

    /// The errors for a tunnel with `profile` and `extra` lines; none if the file is accepted.
    static func errors(_ profile: String?, _ extra: String, psk: String = awsPSK) -> [ConfigError] {
        let p = profile.map { "profile = \"\($0)\"" } ?? ""
        do {
            _ = try ConfigLoader.parse("\(base)\n\(p)\n\(psk)\n\(extra)", file: "x.toml")
            return []
        } catch {
            return error.errors
        }
    }

    /// The messages about one key (`tunnel.t.KEY`).
    static func messages(_ errors: [ConfigError], _ key: String) -> [String] {
        errors.filter { $0.key == "tunnel.t.\(key)" }.map(\.message)
    }

    // MARK: AWS defaults

    static let awsCiphers: Set<ProposalSpec.Cipher> = [.init(.aesCBC, keyLength: 128), .init(.aesCBC, keyLength: 256),
                                                       .init(.aesGCM16, keyLength: 128), .init(.aesGCM16, keyLength: 256)]
    static let awsIntegrity: [IntegrityID] = [.hmacSHA1_96, .hmacSHA256_128, .hmacSHA384_192, .hmacSHA512_256]
    static let awsPRFs: [PRFID] = [.hmacSHA1, .hmacSHA256, .hmacSHA384, .hmacSHA512]
    /// DH groups 2 and 14–24 in AWS's order.
    static let awsGroups: [UInt16] = [2] + Array(14...24)

    @Test func awsLifetimesDPDAndSelectors() throws {
        let t = try Self.tunnel("aws")
        #expect(t.profile == .aws)
        #expect(t.ike.ikeLifetime.time == .seconds(28800))
        #expect(t.ike.childLifetime.time == .seconds(3600))
        #expect(t.ike.childLifetime.margin == .seconds(270) && t.ike.ikeLifetime.margin == .seconds(270))
        #expect(t.ike.childLifetime.fuzz == 1.0 && t.ike.ikeLifetime.fuzz == 1.0)
        #expect(t.ike.childLifetime.bytes == nil, "AWS has no volume lifetime")
        #expect(t.replayWindow == 1024)
        #expect(t.ike.dpdDelay == .seconds(10))
        #expect(t.ike.dpdTimeout == .seconds(40))
        #expect(t.ike.dpdAction == .clear)
        #expect(t.startAction == .add, "AWS waits for the customer gateway to initiate")
        #expect(t.ike.localTS.map(\.notation) == ["0.0.0.0/0"] && t.ike.remoteTS.map(\.notation) == ["0.0.0.0/0"])
        #expect(t.routes.isEmpty, "0.0.0.0/0 selectors never become a default route")
        #expect(t.mssClamp == .followMTU)
        #expect(t.ike.espAccepted == nil, "AWS accepts what it offers")
        #expect(t.ike.initiation == .both && !t.ike.requireEveryPrefixPair)
    }

    /// Every (cipher, hash, group) AWS allows in phase 1 is in some proposal, and nothing else is.
    @Test func awsIKEProposalsAreEveryAWSCombinationInAWSOrder() throws {
        let ike = try Self.tunnel("aws").ike.ikeProposals
        #expect(Set(ike.flatMap(\.ciphers)) == Self.awsCiphers)
        #expect(Set(ike.flatMap(\.integrity)) == Set(Self.awsIntegrity), "CBC integrity: SHA1, SHA2-256/384/512")
        #expect(Set(ike.flatMap(\.prfs)) == Set(Self.awsPRFs))
        for p in ike {
            #expect(p.dhGroups.map(\.rawValue) == Self.awsGroups, "\(p.text): groups 2, 14–24, group 2 first")
            #expect(p.isAEAD ? p.integrity.isEmpty : p.integrity == Self.awsIntegrity, "\(p.text)")
            #expect(p.prfs == Self.awsPRFs, "\(p.text)")
        }
        for cipher in Self.awsCiphers {
            for (i, prf) in Self.awsPRFs.enumerated() {
                let covered = ike.contains { p in
                    p.ciphers.contains(cipher) && p.prfs.contains(prf) && (p.isAEAD || p.integrity.contains(Self.awsIntegrity[i]))
                }
                #expect(covered, "\(cipher) with \(prf)")
            }
        }
        // AWS's order: AES128 before AES256, CBC before GCM.
        #expect(ike.flatMap(\.ciphers) == [.init(.aesCBC, keyLength: 128), .init(.aesCBC, keyLength: 256),
                                           .init(.aesGCM16, keyLength: 128), .init(.aesGCM16, keyLength: 256)])
    }

    @Test func awsESPProposalsAllCarryPFS() throws {
        let esp = try Self.tunnel("aws").ike.espProposals
        #expect(!esp.isEmpty)
        #expect(Set(esp.flatMap(\.ciphers)) == Self.awsCiphers)
        for p in esp {
            #expect(!p.dhGroups.isEmpty, "\(p.text) has PFS")
            #expect(p.dhGroups.allSatisfy { Self.awsGroups.contains($0.rawValue) } && p.dhGroups.first?.rawValue == 2, "\(p.text)")
            #expect(p.isAEAD ? p.integrity.isEmpty : p.integrity == Self.awsIntegrity, "\(p.text)")
        }
    }

    // MARK: AWS refusals

    struct Refusal: CustomTestStringConvertible, Sendable {
        var what: String
        var toml: String
        var key: String
        /// Text the message must contain: the allowed range, or what is wrong.
        var mentions: [String]
        var psk: String = ProfileTests.awsPSK
        var testDescription: String { what }
    }

    static let awsRefusals: [Refusal] = [
        Refusal(what: "child_lifetime 7200", toml: "child_lifetime = 7200", key: "child_lifetime", mentions: ["7200", "900–3600"]),
        Refusal(what: "child_lifetime not below ike_lifetime", toml: "ike_lifetime = 1800\nchild_lifetime = 1800",
                key: "child_lifetime", mentions: ["less than the phase 1 lifetime"]),
        Refusal(what: "ike_lifetime 100000", toml: "ike_lifetime = 100000", key: "ike_lifetime", mentions: ["100000", "900–28800"]),
        Refusal(what: "DH group 5 in phase 1", toml: "ike_proposals = \"aes256-sha256-modp1536\"", key: "ike_proposals",
                mentions: ["DH group 5", "2, 14–24"]),
        Refusal(what: "DH group 5 in a list of phase 1 proposals", toml: "ike_proposals = [\"aes256-sha256-modp2048\", \"aes128-sha1-modp1536\"]",
                key: "ike_proposals[1]", mentions: ["DH group 5", "2, 14–24"]),
        Refusal(what: "DH group 1 in phase 2", toml: "esp_proposals = \"aes256-sha256-modp768\"", key: "esp_proposals",
                mentions: ["DH group 1", "2, 5, 14–24"]),
        Refusal(what: "ChaCha20-Poly1305 in phase 1", toml: "ike_proposals = \"chacha20poly1305-prfsha256-modp2048\"",
                key: "ike_proposals", mentions: ["ChaCha20-Poly1305", "AES128, AES256, AES128-GCM-16, AES256-GCM-16"]),
        Refusal(what: "ChaCha20-Poly1305 in phase 2", toml: "esp_proposals = \"chacha20poly1305-modp2048\"",
                key: "esp_proposals", mentions: ["ChaCha20-Poly1305", "AES128, AES256, AES128-GCM-16, AES256-GCM-16"]),
        Refusal(what: "AES192 in phase 1", toml: "ike_proposals = \"aes192-sha256-modp2048\"", key: "ike_proposals",
                mentions: ["AES192 (CBC)", "AES128, AES256, AES128-GCM-16, AES256-GCM-16"]),
        Refusal(what: "ESP without PFS", toml: "esp_proposals = \"aes256gcm16\"", key: "esp_proposals", mentions: ["PFS", "2, 5, 14–24"]),
        Refusal(what: "rekey_margin 30", toml: "rekey_margin = 30", key: "rekey_margin", mentions: ["30 s", "60 s to half the phase 2 lifetime"]),
        Refusal(what: "replay_window 4096", toml: "replay_window = 4096", key: "replay_window", mentions: ["4096", "64–2048"]),
        Refusal(what: "replay_window 32", toml: "replay_window = 32", key: "replay_window", mentions: ["32", "64–2048"]),
        Refusal(what: "dpd_timeout 20", toml: "dpd_timeout = 20", key: "dpd_timeout", mentions: ["20 s", "30 s or more"]),
        Refusal(what: "start_action none", toml: "start_action = \"none\"", key: "start_action", mentions: ["add, start"]),
        Refusal(what: "PSK too short", toml: "", key: "psk", mentions: ["5 characters", "8–64"], psk: "psk = \"Qz7.k\""),
        Refusal(what: "PSK too long", toml: "", key: "psk", mentions: ["65 characters", "8–64"],
                psk: "psk = \"\(String(repeating: "Lk", count: 32))W\""),
        Refusal(what: "PSK with a dash", toml: "", key: "psk", mentions: ["character outside", "A–Z a–z 0–9 . _"],
                psk: "psk = \"Secret-With-Dash99\""),
        Refusal(what: "PSK starting with 0", toml: "", key: "psk", mentions: ["starts with 0"], psk: "psk = \"0SecretLead99\""),
        Refusal(what: "inside_address on .2", toml: "inside_address = \"169.254.10.2/30\"", key: "inside_address",
                mentions: ["takes .1", "/30 in 169.254.0.0/16"]),
        Refusal(what: "reserved 169.254.2.0/30", toml: "inside_address = \"169.254.2.1/30\"", key: "inside_address",
                mentions: ["reserves", "169.254.0.0/30 … 169.254.5.0/30"]),
        Refusal(what: "reserved 169.254.169.252/30", toml: "inside_address = \"169.254.169.253/30\"", key: "inside_address",
                mentions: ["reserves", "169.254.169.252/30"]),
        Refusal(what: "not a /30", toml: "inside_address = \"169.254.10.1/29\"", key: "inside_address", mentions: ["/29", "wants a /30"]),
        Refusal(what: "outside 169.254.0.0/16", toml: "inside_address = \"10.0.0.1/30\"", key: "inside_address", mentions: ["169.254.0.0/16"]),
    ]

    @Test(arguments: awsRefusals)
    func awsRefusesNamingKeyAndRange(_ r: Refusal) {
        let errors = Self.errors("aws", r.toml, psk: r.psk)
        let messages = Self.messages(errors, r.key)
        #expect(messages.count == 1, "\(r.what): one error for \(r.key): \(errors)")
        for m in r.mentions {
            #expect(messages.contains { $0.contains(m) }, "\(r.what): \"\(m)\" in \(messages)")
        }
        #expect(errors.map(\.key) == ["tunnel.t.\(r.key)"], "\(r.what): nothing else is refused: \(errors)")
        // The key itself never appears in a message.
        let secret = String(r.psk.dropFirst(7).dropLast())
        #expect(!errors.contains { $0.description.contains(secret) }, "\(r.what): the PSK is not quoted")
    }

    @Test func theSameValuesPassWithoutAProfile() {
        // The refusals above are AWS's, not iked's: without a profile these are fine.
        let checked = Self.awsRefusals.filter { r in !["psk", "inside_address", "esp_proposals", "ike_proposals"].contains { r.key.hasPrefix($0) } }
        #expect(checked.count >= 8)
        for r in checked {
            #expect(Self.errors(nil, r.toml).isEmpty, "\(r.what) without a profile")
        }
    }

    @Test func awsReportsEveryMistakeInOneFileAtOnce() {
        let errors = Self.errors("aws", """
            child_lifetime = 7200
            ike_lifetime = 100000
            replay_window = 4096
            dpd_timeout = 20
            start_action = "none"
            esp_proposals = "aes256gcm16"
            inside_address = "169.254.2.1/30"
            """, psk: "psk = \"0Secret$Lead\"")
        let keys = Set(errors.map(\.key))
        #expect(keys == Set(["child_lifetime", "ike_lifetime", "replay_window", "dpd_timeout", "start_action", "esp_proposals",
                             "inside_address", "psk"].map { "tunnel.t.\($0)" }), "\(errors)")
        #expect(!errors.contains { $0.message.contains("0Secret$Lead") })
    }

    @Test func awsAcceptsExplicitValuesInRangeAndTheyWin() throws {
        let t = try Self.tunnel("aws", """
            child_lifetime = 1800
            ike_lifetime = 7200
            rekey_margin = 60
            rekey_fuzz = 50
            replay_window = 64
            dpd_timeout = 30
            start_action = "start"
            esp_proposals = "aes256gcm16-modp2048"
            ike_proposals = "aes256-sha384-ecp384"
            inside_address = "169.254.10.1/30"
            """)
        #expect(t.ike.childLifetime.time == .seconds(1800) && t.ike.ikeLifetime.time == .seconds(7200))
        #expect(t.ike.childLifetime.margin == .seconds(60) && t.ike.childLifetime.fuzz == 0.5)
        #expect(t.replayWindow == 64 && t.ike.dpdTimeout == .seconds(30) && t.startAction == .start)
        #expect(t.ike.espProposals.map(\.text) == ["aes256gcm16-modp2048"])
        #expect(t.ike.ikeProposals.map(\.text) == ["aes256-sha384-ecp384"])
        #expect(t.insideAddresses.map(\.prefix) == [30])
        // The edges of AWS's ranges are accepted too.
        #expect(Self.errors("aws", "child_lifetime = 900\nike_lifetime = 28800\nreplay_window = 2048\nrekey_margin = 225").isEmpty)
        #expect(Self.errors("aws", "", psk: "psk = \"\(String(repeating: "a", count: 64))\"").isEmpty, "a 64-character key")
        #expect(Self.errors("aws", "", psk: "psk = \"a0._b1.c\"").isEmpty, "8 characters with . and _")
    }

    @Test func awsGroup5InPhase2IsAllowedByAWSButNotImplemented() {
        let m = Self.messages(Self.errors("aws", "esp_proposals = \"aes256-sha256-modp1536\""), "esp_proposals")
        #expect(m.count == 1 && m[0].contains("allowed by AWS in phase 2 but not implemented by iked"), "\(m)")
    }

    // MARK: Azure defaults

    @Test func azureOffersItsDefaultsInItsOrder() throws {
        let config = try ConfigLoader.parse("\(Self.base)\nprofile = \"azure\"\npsk = \"x\"", file: "x.toml")
        let t = try #require(config.tunnels.first)
        #expect(t.ike.ikeProposals.map(\.text) == ["aes256-sha1-modp1024", "aes256-sha256-modp1024",
                                                   "aes128-sha1-modp1024", "aes128-sha256-modp1024"])
        #expect(t.ike.ikeProposals.allSatisfy { $0.dhGroups == [.modp1024] })
        #expect(config.warnings.contains { $0.contains("tunnel.t.ike_proposals") && $0.contains("1024-bit") }, "\(config.warnings)")
        #expect(t.ike.espProposals.map(\.text) == ["aes256gcm16", "aes256-sha1", "aes256-sha256", "aes128-sha1"])
        #expect(t.ike.espProposals.allSatisfy { $0.dhGroups.isEmpty }, "Azure initiates without PFS")
    }

    @Test func azureAcceptsMoreESPThanItOffers() throws {
        let t = try Self.tunnel("azure", psk: "psk = \"x\"")
        let accepted = try #require(t.ike.espAccepted)
        // Everything offered is accepted, plus the PFS variants (group 1 is not implemented).
        #expect(t.ike.espProposals.allSatisfy { accepted.contains($0) })
        func accepts(_ cipher: UInt16, _ integrity: IntegrityID, _ group: DHGroupID?) -> Bool {
            accepted.contains { p in
                p.ciphers.contains(.init(.aesCBC, keyLength: cipher)) && p.integrity.contains(integrity)
                    && (group.map { p.dhGroups.contains($0) } ?? p.dhGroups.isEmpty)
            }
        }
        for g in [DHGroupID.modp1024, .modp2048, .modp2048s256] {
            #expect(accepts(256, .hmacSHA1_96, g) && accepts(256, .hmacSHA256_128, g), "AES256 with PFS \(g)")
        }
        for g in [DHGroupID.modp1024, .modp2048] {
            #expect(accepts(128, .hmacSHA1_96, g) && accepts(128, .hmacSHA256_128, g), "AES128 with PFS \(g)")
        }
        #expect(accepts(128, .hmacSHA256_128, nil), "AES128/SHA256 without PFS, never offered")
        #expect(!accepts(128, .hmacSHA1_96, .modp2048s256), "but not what Azure's list lacks")
        #expect(!accepted.contains { $0.dhGroups.contains(.ecp256) })
    }

    @Test func azureLifetimesDPDClampAndStart() throws {
        let t = try Self.tunnel("azure", psk: "psk = \"x\"")
        #expect(t.ike.ikeLifetime.time == .seconds(28800))
        #expect(t.ike.childLifetime.time == .seconds(27000))
        // Unwrapped: the optional UInt64 compared with #expect trips ASan in the toolchain's AnyHashable thunk.
        #expect(try #require(t.ike.childLifetime.bytes) == 102_400_000 * 1024, "102,400,000 KB")
        #expect(t.ike.dpdTimeout == .seconds(45))
        #expect(t.mssClamp == .fixed(1350))
        #expect(t.startAction == .start)
        #expect(t.ike.initiation == .both)
        #expect(t.ike.localTS.map(\.notation) == ["0.0.0.0/0"] && t.ike.remoteTS.map(\.notation) == ["0.0.0.0/0"])
        let vwan = try Self.tunnel("azure-vwan", psk: "psk = \"x\"")
        #expect(vwan.ike.childLifetime.time == .seconds(3600))
        #expect(vwan.ike.childLifetime.bytes == nil)
        #expect(vwan.ike.espProposals.map(\.text) == t.ike.espProposals.map(\.text))
        #expect(vwan.ike.ikeProposals.map(\.text) == t.ike.ikeProposals.map(\.text))
    }

    @Test func azureResponderOnlyDoesNotStartAndInitiatorOnlyIsKept() throws {
        let responder = try Self.tunnel("azure", "connection_mode = \"ResponderOnly\"", psk: "psk = \"x\"")
        #expect(responder.ike.initiation == .responderOnly)
        #expect(responder.startAction == .add, "ResponderOnly turns the profile's start into add")
        let initiator = try Self.tunnel("azure", "connection_mode = \"InitiatorOnly\"", psk: "psk = \"x\"")
        #expect(initiator.ike.initiation == .initiatorOnly && initiator.startAction == .start)
        let policy = try Self.tunnel("azure", "policy_based_ts = true\nlocal_ts = [\"10.1.0.0/16\", \"10.3.0.0/16\"]\nremote_ts = \"10.2.0.0/16\"",
                                     psk: "psk = \"x\"")
        #expect(policy.ike.requireEveryPrefixPair)
    }

    // MARK: Azure refusals

    static let azureRefusals: [Refusal] = [
        Refusal(what: "ike_lifetime 3600", toml: "ike_lifetime = 3600", key: "ike_lifetime", mentions: ["3600 s", "fixes the IKE SA lifetime at 28800 s"]),
        Refusal(what: "custom policy with only ike_proposals", toml: "ike_proposals = \"aes256-sha256-modp2048\"",
                key: "esp_proposals", mentions: ["sets both ike_proposals and esp_proposals"]),
        Refusal(what: "custom policy with only esp_proposals", toml: "esp_proposals = \"aes256gcm16\"",
                key: "ike_proposals", mentions: ["sets both ike_proposals and esp_proposals"]),
        Refusal(what: "two IKE proposals", toml: "ike_proposals = [\"aes256-sha256-modp2048\", \"aes128-sha256-modp2048\"]\nesp_proposals = \"aes256gcm16\"",
                key: "ike_proposals", mentions: ["exactly one IKE proposal, not 2"]),
        Refusal(what: "two ciphers in one ESP proposal", toml: "ike_proposals = \"aes256-sha256-modp2048\"\nesp_proposals = \"aes256-aes128-sha256\"",
                key: "esp_proposals", mentions: ["one algorithm of each kind"]),
        Refusal(what: "two groups in one IKE proposal", toml: "ike_proposals = \"aes256-sha256-modp2048-ecp256\"\nesp_proposals = \"aes256gcm16\"",
                key: "ike_proposals", mentions: ["one algorithm of each kind"]),
        Refusal(what: "DH group 15 in the custom IKE policy", toml: "ike_proposals = \"aes256-sha256-modp3072\"\nesp_proposals = \"aes256gcm16\"",
                key: "ike_proposals", mentions: ["DH group 15", "DHGroup24, ECP384, ECP256, DHGroup14, DHGroup2"]),
        Refusal(what: "PFS group 15 in the custom IPsec policy", toml: "ike_proposals = \"aes256-sha256-modp2048\"\nesp_proposals = \"aes256gcm16-modp3072\"",
                key: "esp_proposals", mentions: ["DH group 15", "PFS24, ECP384, ECP256, PFS2048, PFS2, None"]),
        Refusal(what: "SHA512 in the custom IKE policy", toml: "ike_proposals = \"aes256-sha512-modp2048\"\nesp_proposals = \"aes256gcm16\"",
                key: "ike_proposals", mentions: ["SHA2-512", "SHA384, SHA256, SHA1"]),
        Refusal(what: "inside_address outside the APIPA range", toml: "inside_address = \"169.254.23.1/30\"", key: "inside_address",
                mentions: ["169.254.23.1", "169.254.21.0–169.254.22.255"]),
        Refusal(what: "inside_address below the APIPA range", toml: "inside_address = \"169.254.20.255/30\"", key: "inside_address",
                mentions: ["169.254.21.0–169.254.22.255"]),
        Refusal(what: "connection_mode Bogus", toml: "connection_mode = \"Bogus\"", key: "connection_mode",
                mentions: ["\"Bogus\"", "Default, InitiatorOnly, ResponderOnly"]),
        Refusal(what: "policy_based_ts with 0.0.0.0/0 local selectors", toml: "policy_based_ts = true\nremote_ts = \"10.2.0.0/16\"",
                key: "local_ts", mentions: ["not 0.0.0.0/0"]),
        Refusal(what: "ResponderOnly with start_action start", toml: "connection_mode = \"ResponderOnly\"\nstart_action = \"start\"",
                key: "start_action", mentions: ["ResponderOnly never initiates"]),
        Refusal(what: "ResponderOnly with dpd_action restart", toml: "connection_mode = \"ResponderOnly\"\ndpd_action = \"restart\"",
                key: "dpd_action", mentions: ["ResponderOnly never initiates"]),
        Refusal(what: "dpd_timeout beyond 3600 s", toml: "dpd_timeout = 3601", key: "dpd_timeout", mentions: ["3600"]),
    ]

    @Test(arguments: azureRefusals)
    func azureRefusesNamingKeyAndRange(_ r: Refusal) {
        for profile in ["azure", "azure-vwan"] {
            let errors = Self.errors(profile, r.toml, psk: "psk = \"x\"")
            let messages = Self.messages(errors, r.key)
            #expect(messages.count == 1, "\(profile), \(r.what): one error for \(r.key): \(errors)")
            for m in r.mentions {
                #expect(messages.contains { $0.contains(m) }, "\(profile), \(r.what): \"\(m)\" in \(messages)")
            }
        }
    }

    @Test func policyBasedSelectorsRefuseBothDefaultSides() {
        let errors = Self.errors("azure", "policy_based_ts = true", psk: "psk = \"x\"")
        #expect(Set(errors.map(\.key)) == ["tunnel.t.local_ts", "tunnel.t.remote_ts"], "\(errors)")
    }

    @Test(arguments: [("aws", "ResponderOnly"), ("aws", "Default"), (nil, "InitiatorOnly")] as [(String?, String)])
    func connectionModeIsAzureOnly(_ profile: String?, _ mode: String) {
        let m = Self.messages(Self.errors(profile, "connection_mode = \"\(mode)\""), "connection_mode")
        #expect(m.count == 1 && m[0].contains("is an Azure setting"), "\(m)")
    }

    @Test func policyBasedSelectorsAreAzureOnly() {
        let m = Self.messages(Self.errors("aws", "policy_based_ts = true\nlocal_ts = \"10.1.0.0/16\"\nremote_ts = \"10.2.0.0/16\""),
                              "policy_based_ts")
        #expect(m.count == 1 && m[0].contains("is an Azure setting"), "\(m)")
    }

    @Test func azureCustomPolicyIsTheOnlyPolicyOfferedAndAccepted() throws {
        let config = try ConfigLoader.parse("""
            \(Self.base)
            profile = "azure"
            psk = "x"
            ike_proposals = "aes256-sha256-modp2048"
            esp_proposals = "aes256gcm16-modp2048"
            """, file: "x.toml")
        let t = try #require(config.tunnels.first)
        #expect(t.ike.ikeProposals.map(\.text) == ["aes256-sha256-modp2048"])
        #expect(t.ike.espProposals.map(\.text) == ["aes256gcm16-modp2048"])
        #expect(t.ike.espAccepted == nil, "with a custom policy only that policy is accepted")
        #expect(!config.warnings.contains { $0.contains("1024-bit") }, "\(config.warnings)")
        #expect(t.ike.ikeLifetime.time == .seconds(28800) && t.ike.childLifetime.time == .seconds(27000), "other defaults stay")
    }
}
