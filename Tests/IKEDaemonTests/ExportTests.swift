import Control
import Foundation
import IKECore
import IKEWire
import Testing
@testable import IKEDaemon

/// `ikectl export` (PeerExport): each format, rendered from a parsed configuration, must hold
/// the mirrored facts (their addresses, identities and selectors are ours swapped), our
/// proposals in our order, lifetimes, DPD, inside addresses, and the key only when asked for.
@Suite struct ExportTests {
    static let psk = "Sup3r.secret_key42"

    static let toml = """
        [tunnel.aws-vpc]
        local_address = "192.0.2.10"
        remote_address = "198.51.100.20"
        local_id = "@iked.example"
        psk = "\(psk)"
        local_ts = ["10.1.0.0/16", "10.3.0.0/24"]
        remote_ts = "10.2.0.0/16"
        ike_proposals = ["aes256gcm16-prfsha256-ecp256", "aes256-sha2_256-modp2048"]
        esp_proposals = ["aes256gcm-ecp256", "aes128-sha1"]
        ike_lifetime = "8h"
        child_lifetime = "1h"
        rekey_margin = "270s"
        rekey_fuzz = "100%"
        dpd_delay = "10s"
        dpd_timeout = "40s"
        inside_address = "169.254.21.1/30"
        """

    static func tunnels(_ text: String = toml) throws -> [TunnelSettings] {
        try ConfigLoader.parse(text, file: "export-test.toml").tunnels
    }

    static func render(_ format: ExportFormat, secrets: Bool = false, _ text: String = toml) throws -> String {
        try PeerExport.render(tunnels(text), format: format, includeSecrets: secrets)
    }

    /// The trimmed line that starts with `prefix` (after indentation); nil if none.
    static func line(_ text: String, _ prefix: String) -> String? {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix(prefix) }
    }

    /// The lines that mention every one of `words`.
    static func lines(_ text: String, with words: String...) -> [String] {
        text.split(separator: "\n").map(String.init).filter { l in words.allSatisfy { l.contains($0) } }
    }

    // MARK: - swanctl

    @Test func swanctlMirrorsAddressesIdentitiesAndSelectors() throws {
        let s = try Self.render(.swanctl)
        #expect(Self.line(s, "local_addrs") == "local_addrs = 198.51.100.20")
        #expect(Self.line(s, "remote_addrs") == "remote_addrs = 192.0.2.10")
        #expect(Self.line(s, "local_ts") == "local_ts = 10.2.0.0/16")
        #expect(Self.line(s, "remote_ts") == "remote_ts = 10.1.0.0/16, 10.3.0.0/24")
        // local { id } is the identity we expect; remote { id } is ours.
        #expect(s.contains("local {\n            auth = psk\n            id = \"198.51.100.20\"\n        }"))
        #expect(s.contains("remote {\n            auth = psk\n            id = \"@iked.example\"\n        }"))
        #expect(Self.line(s, "id-1") == "id-1 = \"198.51.100.20\"")
        #expect(Self.line(s, "id-2") == "id-2 = \"@iked.example\"")
        #expect(Self.line(s, "version") == "version = 2")
        #expect(Self.line(s, "mode") == "mode = tunnel")
    }

    @Test func swanctlProposalsInOurOrderAndCanonicalSpelling() throws {
        let s = try Self.render(.swanctl)
        // Aliases (sha2_256, aes256gcm) come out in strongSwan's canonical keywords.
        #expect(Self.line(s, "proposals") == "proposals = aes256gcm16-prfsha256-ecp256, aes256-sha256-modp2048")
        #expect(Self.line(s, "esp_proposals") == "esp_proposals = aes256gcm16-ecp256, aes128-sha1")
        // And they parse back to exactly what we accept.
        let ours = try Self.tunnels()[0].ike
        let ike = try ProposalParser.parse(["aes256gcm16-prfsha256-ecp256", "aes256-sha256-modp2048"], for: .ike)
        let esp = try ProposalParser.parse(["aes256gcm16-ecp256", "aes128-sha1"], for: .esp)
        #expect(ike.map(\.ciphers) == ours.ikeProposals.map(\.ciphers))
        #expect(ike.map(\.prfs) == ours.ikeProposals.map(\.prfs))
        #expect(ike.map(\.dhGroups) == ours.ikeProposals.map(\.dhGroups))
        #expect(esp.map(\.ciphers) == ours.espProposals.map(\.ciphers))
        #expect(esp.map(\.integrity) == ours.espProposals.map(\.integrity))
    }

    @Test func swanctlLifetimesMirrorOurRekeyWindow() throws {
        let s = try Self.render(.swanctl)
        let rekeys = Self.lines(s, with: "rekey_time")
        // IKE: 28800 − 270, deleted at 28800; Child: 3600 − 270, life 3600; both fuzzed by 270.
        #expect(rekeys.map { $0.trimmingCharacters(in: .whitespaces) } == ["rekey_time = 28530s", "rekey_time = 3330s"])
        #expect(Self.line(s, "over_time") == "over_time = 270s")
        #expect(Self.line(s, "life_time") == "life_time = 3600s")
        #expect(Self.lines(s, with: "rand_time = 270s").count == 2)
        #expect(Self.line(s, "reauth_time") == "reauth_time = 0")
        #expect(Self.line(s, "dpd_delay") == "dpd_delay = 10s")
    }

    @Test func swanctlLifeTimeStaysAboveRekeyTimeWithZeroMargin() throws {
        let text = Self.toml.replacingOccurrences(of: "rekey_margin = \"270s\"", with: "rekey_margin = 0")
        let s = try Self.render(.swanctl, text)
        #expect(Self.line(s, "life_time") == "life_time = 3600s")
        #expect(Self.lines(s, with: "rekey_time").last?.trimmingCharacters(in: .whitespaces) == "rekey_time = 3240s")
    }

    @Test func swanctlStartAndDPDActionsComplementOurs() throws {
        // start_action = add (the default): we wait, so the peer starts and restarts.
        let waiting = try Self.render(.swanctl)
        #expect(Self.line(waiting, "start_action") == "start_action = start")
        #expect(Self.line(waiting, "dpd_action") == "dpd_action = restart")
        let starting = try Self.render(.swanctl, Self.toml + "\nstart_action = \"start\"")
        #expect(Self.line(starting, "start_action") == "start_action = none")
        #expect(Self.line(starting, "dpd_action") == "dpd_action = clear")
    }

    @Test func swanctlNamesThePeerInsideAddress() throws {
        let s = try Self.render(.swanctl)
        let comment = Self.lines(s, with: "#", "169.254.21.1/30")
        #expect(comment.count == 1)
        #expect(comment.first?.contains("169.254.21.2/30") == true)
    }

    @Test func swanctlSecretIsAPlaceholderUnlessAsked() throws {
        let without = try Self.render(.swanctl)
        #expect(Self.line(without, "secret =") == "secret = \"<PSK: run with --include-secrets>\"")
        #expect(!without.contains(Self.psk))
        let with = try Self.render(.swanctl, secrets: true)
        #expect(Self.line(with, "secret =") == "secret = \"\(Self.psk)\"")
    }

    @Test func swanctlWritesAnUnprintableKeyAsHex() throws {
        let text = Self.toml.replacingOccurrences(of: "psk = \"\(Self.psk)\"", with: "psk = \"\\u0001key\\\"\"")
        let s = try Self.render(.swanctl, secrets: true, text)
        #expect(Self.line(s, "secret =") == "secret = 0x016b657922")
    }

    @Test func swanctlForAnyPeerLeavesTheirAddressAndIdentityOpen() throws {
        let text = Self.toml.replacingOccurrences(of: "remote_address = \"198.51.100.20\"", with: "remote_address = \"%any\"")
        let s = try Self.render(.swanctl, text)
        #expect(Self.line(s, "local_addrs") == nil)
        #expect(Self.line(s, "remote_addrs") == "remote_addrs = 192.0.2.10")
        #expect(Self.line(s, "id-1") == "id-1 = \"@iked.example\"")
        #expect(Self.line(s, "id-2") == nil)
    }

    @Test func swanctlBracesBalance() throws {
        let s = try Self.render(.swanctl, secrets: true)
        let uncommented = s.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }.joined()
        #expect(uncommented.filter { $0 == "{" }.count == uncommented.filter { $0 == "}" }.count)
        #expect(s.hasPrefix("#") && s.contains("\nconnections {\n") && s.contains("\nsecrets {\n"))
    }

    // MARK: - aws-generic

    @Test func awsGenericHasTheFourPartsMirrored() throws {
        let s = try Self.render(.awsGeneric)
        #expect(s.contains("IPSec Tunnel #1"))
        for part in ["#1: Internet Key Exchange Configuration", "#2: IPSec Configuration",
                     "#3: Tunnel Interface Configuration", "#4: Static Routing Configuration"] {
            #expect(s.contains(part))
        }
        #expect(Self.lines(s, with: "IKE version", "IKEv2").count == 1)
        #expect(Self.lines(s, with: "Authentication Method", "Pre-Shared Key").count == 1)
        // Outside: customer = our remote_address, virtual private gateway = our local_address.
        #expect(Self.lines(s, with: "Customer Gateway", "198.51.100.20").count == 1)
        #expect(Self.lines(s, with: "Virtual Private Gateway", "192.0.2.10").count == 1)
        // Inside: AWS (us) .1, customer .2.
        #expect(Self.lines(s, with: "Customer Gateway", "169.254.21.2/30").count == 1)
        #expect(Self.lines(s, with: "Virtual Private Gateway", "169.254.21.1/30").count == 1)
        // Static routes to our local_ts via our inside address.
        #expect(Self.lines(s, with: "Next hop", "169.254.21.1").count == 1)
        #expect(Self.lines(s, with: "Prefix", "10.1.0.0/16").count == 1)
        #expect(Self.lines(s, with: "Prefix", "10.3.0.0/24").count == 1)
        #expect(Self.lines(s, with: "Local (yours)", "10.2.0.0/16").count == 1)
    }

    @Test func awsGenericAlgorithmsLifetimesAndDPD() throws {
        let s = try Self.render(.awsGeneric)
        let gcm = try #require(s.range(of: "aes-256-gcm-16")), cbc = try #require(s.range(of: "aes-256-cbc"))
        #expect(gcm.lowerBound < cbc.lowerBound)
        #expect(Self.lines(s, with: "- Diffie-Hellman", "Group 19").count == 1)
        #expect(Self.lines(s, with: "- Diffie-Hellman", "Group 14").count == 1)
        #expect(Self.lines(s, with: "Authentication Algorithm", "hmac-sha1-96").count == 1)
        #expect(Self.lines(s, with: "Perfect Forward Secrecy", "Group 19").count == 1)
        #expect(Self.lines(s, with: "Lifetime", "28800 seconds").count == 1)
        #expect(Self.lines(s, with: "Lifetime", "3600 seconds").count == 1)
        #expect(Self.lines(s, with: "DPD Interval", ": 10").count == 1)
        #expect(Self.lines(s, with: "DPD Retries", ": 3").count == 1)
        // AES-GCM over raw ESP and IPv4: 1446, MSS 40 less (docs/configuration.md).
        #expect(Self.lines(s, with: "Tunnel interface MTU", "1446 bytes").count == 1)
        #expect(Self.lines(s, with: "TCP MSS Adjustment", "1406 bytes").count == 1)
    }

    @Test func awsGenericKeyOnlyWithSecrets() throws {
        let without = try Self.render(.awsGeneric)
        #expect(Self.lines(without, with: "Pre-Shared Key", "<PSK: run with --include-secrets>").count == 1)
        #expect(!without.contains(Self.psk))
        let with = try Self.render(.awsGeneric, secrets: true)
        #expect(Self.lines(with, with: "Pre-Shared Key", Self.psk).count == 1)
    }

    @Test func awsGenericNumbersEveryTunnelOfAConnection() throws {
        let two = Self.toml + "\n" + Self.toml.replacingOccurrences(of: "[tunnel.aws-vpc]", with: "[tunnel.aws-vpc-2]")
            .replacingOccurrences(of: "198.51.100.20", with: "198.51.100.21")
        let s = try PeerExport.render(Self.tunnels(two), format: .awsGeneric, includeSecrets: false)
        #expect(s.contains("IPSec Tunnel #1   (iked tunnel \"aws-vpc\")"))
        #expect(s.contains("IPSec Tunnel #2   (iked tunnel \"aws-vpc-2\")"))
    }

    // MARK: - azure-powershell

    @Test func azureMapsTheFirstProposals() throws {
        let s = try Self.render(.azurePowerShell)
        #expect(s.contains("$rg       = "))
        #expect(s.contains("$vnetGw   = Get-AzVirtualNetworkGateway"))
        #expect(s.contains("-GatewayIpAddress '192.0.2.10' -AddressPrefix @('10.1.0.0/16', '10.3.0.0/24')"))
        #expect(s.contains("-IkeEncryption GCMAES256 -IkeIntegrity SHA256 -DhGroup ECP256"))
        #expect(s.contains("-IpsecEncryption GCMAES256 -IpsecIntegrity GCMAES256 -PfsGroup ECP256"))
        #expect(s.contains("-SALifeTimeSeconds 3600 -SADataSizeKilobytes 102400000"))
        #expect(s.contains("-ConnectionType IPsec -ConnectionProtocol IKEv2"))
        #expect(s.contains("-UsePolicyBasedTrafficSelectors $false -DpdTimeoutInSeconds 40"))
        #expect(s.contains("-SharedKey '<PSK: run with --include-secrets>'"))
        #expect(!s.contains(Self.psk))
        #expect(try Self.render(.azurePowerShell, secrets: true).contains("-SharedKey '\(Self.psk)'"))
    }

    @Test func azureSkipsWhatItCannotExpressAndSaysSo() throws {
        let text = Self.toml
            .replacingOccurrences(of: "[\"aes256gcm16-prfsha256-ecp256\", \"aes256-sha2_256-modp2048\"]",
                                  with: "[\"chacha20poly1305-prfsha256-x25519\", \"aes128-sha1-modp1024\"]")
            .replacingOccurrences(of: "[\"aes256gcm-ecp256\", \"aes128-sha1\"]", with: "[\"aes256gcm12\", \"aes256-sha256-modp2048\"]")
        let s = try Self.render(.azurePowerShell, text)
        #expect(Self.lines(s, with: "#", "chacha20poly1305-prfsha256-x25519", "no Azure equivalent").count == 1)
        #expect(Self.lines(s, with: "#", "aes256gcm12", "no Azure equivalent").count == 1)
        #expect(s.contains("-IkeEncryption AES128 -IkeIntegrity SHA1 -DhGroup DHGroup2"))
        #expect(s.contains("-IpsecEncryption AES256 -IpsecIntegrity SHA256 -PfsGroup PFS2048"))
    }

    @Test func azureRefusesWhenNoProposalFits() throws {
        let text = Self.toml.replacingOccurrences(of: "[\"aes256gcm16-prfsha256-ecp256\", \"aes256-sha2_256-modp2048\"]",
                                                  with: "[\"chacha20poly1305-prfsha256-x25519\"]")
        let error = #expect(throws: ExportError.self) { try Self.render(.azurePowerShell, text) }
        #expect(error?.kind == .notExpressible)
        #expect(error?.message.contains("chacha20poly1305-prfsha256-x25519") == true)
        #expect(error?.message.contains("aws-vpc") == true)
    }

    // MARK: - json

    @Test func jsonHoldsTheSameFacts() throws {
        let s = try Self.render(.json)
        let doc = try #require(JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])
        let t = try #require((doc["tunnels"] as? [[String: Any]])?.first)
        let peer = try #require(t["peer"] as? [String: Any]), iked = try #require(t["iked"] as? [String: Any])
        #expect(t["name"] as? String == "aws-vpc")
        #expect(peer["address"] as? String == "198.51.100.20")
        #expect(iked["address"] as? String == "192.0.2.10")
        #expect(peer["id"] as? String == "198.51.100.20")
        #expect(iked["id"] as? String == "@iked.example")
        #expect(peer["traffic_selectors"] as? [String] == ["10.2.0.0/16"])
        #expect(iked["traffic_selectors"] as? [String] == ["10.1.0.0/16", "10.3.0.0/24"])
        #expect(peer["inside_addresses"] as? [String] == ["169.254.21.2/30"])
        #expect(iked["inside_addresses"] as? [String] == ["169.254.21.1/30"])
        let ike = try #require(t["ike"] as? [String: Any]), esp = try #require(t["esp"] as? [String: Any])
        #expect(ike["proposals"] as? [String] == ["aes256gcm16-prfsha256-ecp256", "aes256-sha256-modp2048"])
        #expect(esp["proposals"] as? [String] == ["aes256gcm16-ecp256", "aes128-sha1"])
        #expect(ike["lifetime_seconds"] as? Int == 28800)
        #expect(esp["lifetime_seconds"] as? Int == 3600)
        #expect(esp["rekey_margin_seconds"] as? Int == 270)
        let dpd = try #require(t["iked_dpd"] as? [String: Any])
        #expect(dpd["delay_seconds"] as? Int == 10 && dpd["timeout_seconds"] as? Int == 40)
        #expect(t["mtu"] as? Int == 1446 && t["mss_clamp"] as? Int == 1406)
        #expect(t["psk"] == nil && t["psk_hex"] == nil)
        #expect(!s.contains(Self.psk))
    }

    @Test func jsonIsStableAndCarriesTheKeyOnlyWithSecrets() throws {
        #expect(try Self.render(.json) == Self.render(.json))
        let with = try Self.render(.json, secrets: true)
        let doc = try #require(JSONSerialization.jsonObject(with: Data(with.utf8)) as? [String: Any])
        let t = try #require((doc["tunnels"] as? [[String: Any]])?.first)
        #expect(t["psk"] as? String == Self.psk)
    }

    // MARK: - every format

    @Test(arguments: ExportFormat.allCases)
    func noKeyAnywhereWithoutSecrets(_ format: ExportFormat) throws {
        let s = try Self.render(format)
        #expect(!s.contains(Self.psk))
        #expect(!s.contains("Sup3r"))
        #expect(s.contains("<PSK: run with --include-secrets>") || format == .json)
    }

    @Test func anEmptyListIsRefused() {
        #expect(throws: ExportError(.noTunnels, "nothing to export: no tunnel given")) {
            try PeerExport.render([], format: .swanctl, includeSecrets: false)
        }
    }

    @Test func theRequestCodesFormatAndSecretsInSnakeCase() throws {
        let line = ControlCoding.encode(ControlRequest(.export, tunnel: "aws-vpc", format: .azurePowerShell, includeSecrets: true))
        #expect(line.contains("\"command\":\"export\""))
        #expect(line.contains("\"format\":\"azure-powershell\""))
        #expect(line.contains("\"include_secrets\":true"))
        #expect(try ControlCoding.decode(ControlRequest.self, line).format == .azurePowerShell)
    }
}
