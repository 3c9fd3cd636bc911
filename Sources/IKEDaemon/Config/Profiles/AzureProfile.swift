import IKECore
import IKEWire

/// The Azure route-based VPN Gateway and the Virtual WAN hub gateway, from
/// ../shared/reference/clouds.md. 3DES offers and DH group 1 are left out: iked implements
/// neither.
enum AzureProfile {
    static let cloud = "Azure"

    /// Phase 1 offers, in Azure's order, all with DH group 2 (MODP-1024): weak, and warned of.
    static let ike = ["aes256-sha1-modp1024", "aes256-sha256-modp1024", "aes128-sha1-modp1024", "aes128-sha256-modp1024"]
    /// Phase 2 offers as initiator, in Azure's order, without PFS.
    static let esp = ["aes256gcm16", "aes256-sha1", "aes256-sha256", "aes128-sha1"]
    /// What the gateway also accepts as responder: PFS 2, 14 and 24 with some CBC suites, and
    /// AES128/SHA256 with or without PFS.
    static let espAlsoAccepted = ["aes256-sha1-modp1024-modp2048-modp2048s256", "aes128-sha1-modp1024-modp2048",
                                  "aes256-sha256-modp1024-modp2048-modp2048s256", "aes128-sha256",
                                  "aes128-sha256-modp1024-modp2048"]

    /// DPD `restart`: a gateway that is not ResponderOnly keeps connecting while NotConnected,
    /// so a tunnel to a peer that only answers (AWS's `add`) comes back after an outage. A tunnel
    /// that only answers gets `clear` instead (TunnelReader).
    static func defaults(vwan: Bool) -> TunnelDefaults {
        TunnelDefaults(ikeProposals: ike, espProposals: esp, espAccepted: esp + espAlsoAccepted,
                       ikeLifetime: 28800, childLifetime: vwan ? 3600 : 27000,
                       childLifeBytes: vwan ? nil : 102_400_000 * 1024, rekeyMargin: 270, rekeyFuzz: 100,
                       replayWindow: 1024, dpdDelay: 30, dpdTimeout: 45, dpdAction: .restart, startAction: .start,
                       mssClamp: .fixed(1350))
    }

    /// A custom IPsec/IKE policy: one value of each kind, from these.
    static let customIKE = AlgorithmLimits(
        ciphers: [.init(.aesGCM16, keyLength: 256), .init(.aesGCM16, keyLength: 128), .init(.aesCBC, keyLength: 256),
                  .init(.aesCBC, keyLength: 192), .init(.aesCBC, keyLength: 128)],
        cipherNames: "GCMAES256, GCMAES128, AES256, AES192, AES128",
        integrity: [.hmacSHA384_192, .hmacSHA256_128, .hmacSHA1_96], integrityNames: "SHA384, SHA256, SHA1",
        groups: [24, 20, 19, 14, 2], groupNames: "DHGroup24, ECP384, ECP256, DHGroup14, DHGroup2")
    static let customESP = AlgorithmLimits(
        ciphers: [.init(.aesGCM16, keyLength: 256), .init(.aesGCM16, keyLength: 192), .init(.aesGCM16, keyLength: 128),
                  .init(.aesCBC, keyLength: 256), .init(.aesCBC, keyLength: 192), .init(.aesCBC, keyLength: 128)],
        cipherNames: "GCMAES256, GCMAES192, GCMAES128, AES256, AES192, AES128",
        integrity: [.hmacSHA256_128, .hmacSHA1_96], integrityNames: "SHA256, SHA1",
        groups: [24, 20, 19, 14, 2], groupNames: "PFS24, ECP384, ECP256, PFS2048, PFS2, None")

    static func check(_ t: ProfileInput, _ s: Section, profile: CloudProfile) {
        let ike = Int(t.ikeLifetime.components.seconds), child = Int(t.childLifetime.components.seconds)
        if ike != 28800 { s.fail("ike_lifetime", "\(ike) s: \(profile.title) fixes the IKE SA lifetime at 28800 s") }
        if !(300...172_799).contains(child) {
            s.fail("child_lifetime", "\(child) s is outside what \(profile.title) allows (300–172799 s)")
        }
        if let bytes = t.childLifeBytes, bytes != 0, !(1024...2_147_483_647).contains(bytes / 1024) {
            s.fail("child_life_bytes", "\(bytes / 1024) KB is outside what \(profile.title) allows (1024–2147483647 KB)")
        }
        if let timeout = t.dpdTimeout, !(.seconds(9) ... .seconds(3600)).contains(timeout) {
            s.fail("dpd_timeout", "\(timeout.components.seconds) s is outside what \(profile.title) allows (9–3600 s)")
        }
        // Without both lists set, the defaults apply and are Azure's own.
        if s.has("ike_proposals") || s.has("esp_proposals") {
            checkCustomPolicy(t, s)
        }
        for (i, inside) in t.insideAddresses.enumerated() {
            let key = t.insideAddresses.count == 1 ? "inside_address" : "inside_address[\(i)]"
            let a = inside.address
            if a.count != 4 || a[0] != 169 || a[1] != 254 || !(21...22).contains(a[2]) {
                s.fail(key, "\(Endpoint.text(a)) is outside Azure's APIPA range for BGP peering (169.254.21.0–169.254.22.255)")
            }
        }
    }

    /// Azure's custom IPsec/IKE policy: exactly one proposal per phase with one algorithm of
    /// each kind, from the allowed sets; GCM in phase 2 takes no separate integrity.
    static func checkCustomPolicy(_ t: ProfileInput, _ s: Section) {
        guard s.has("ike_proposals"), s.has("esp_proposals") else {
            let missing = s.has("ike_proposals") ? "esp_proposals" : "ike_proposals"
            s.fail(missing, "a custom IPsec/IKE policy under Azure sets both ike_proposals and esp_proposals (one proposal each)")
            return
        }
        for (k, specs, limits, phase) in [("ike_proposals", t.ikeProposals, customIKE, "IKE"), ("esp_proposals", t.espProposals, customESP, "IPsec")] {
            guard let specs else { continue }
            guard specs.count == 1, let p = specs.first else {
                s.fail(k, "a custom Azure policy has exactly one \(phase) proposal, not \(specs.count)")
                continue
            }
            if p.ciphers.count > 1 || p.integrity.count > 1 || p.prfs.count > 1 || p.dhGroups.count > 1 {
                s.fail(k, "\"\(p.text)\": a custom Azure policy names one algorithm of each kind")
            }
            for problem in limits.problems(p, cloud: cloud, phase: "a custom \(phase) policy") { s.fail(k, problem) }
        }
    }
}
