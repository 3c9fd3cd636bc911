import Foundation
import IKECore

/// `--format azure-powershell`: the Az PowerShell commands that make an Azure VPN Gateway the
/// peer of each tunnel: a local network gateway for iked, a custom IPsec policy holding one of
/// iked's proposals, and an IKEv2 connection. `$rg`, `$location` and `$vnetGw` are set by the
/// user at the top. Invariant: the policy holds the first IKE and the first ESP proposal Azure
/// can express; when none can, rendering fails with an error naming the proposals.
enum AzurePowerShellExport {
    /// Azure's limits for -SALifeTimeSeconds and -SADataSizeKilobytes, and its default volume.
    static let lifetimeRange = 300...172_799
    static let defaultKilobytes: UInt64 = 102_400_000
    static let dpdRange = 9...3600

    static func render(_ views: [PeerView], includeSecrets: Bool) throws(ExportError) -> String {
        var w = Lines()
        w.add("# Azure VPN Gateway side of iked tunnel\(views.count > 1 ? "s" : "") \(views.map(\.name).joined(separator: ", ")), made by")
        w.add("# `ikectl export --format azure-powershell`. Azure sees iked as a local network gateway.")
        if !includeSecrets {
            w.add("# The shared key is a placeholder: export again with --include-secrets, or write it in.")
        }
        w.add("# Set these three first:")
        w.add("$rg       = \"<resource group>\"")
        w.add("$location = \"<Azure region, e.g. westeurope>\"")
        w.add("$vnetGw   = Get-AzVirtualNetworkGateway -Name \"<your route-based VPN gateway>\" -ResourceGroupName $rg")
        for (i, v) in views.enumerated() {
            w.add("")
            try tunnel(v, number: i + 1, includeSecrets: includeSecrets, &w)
        }
        return w.text
    }

    static func tunnel(_ v: PeerView, number n: Int, includeSecrets: Bool, _ w: inout Lines) throws(ExportError) {
        let ike = v.ike
        let ikeChoice = try pick(ike.ikeProposals, kind: "IKE", tunnel: v.name, AzureNames.ike)
        let espChoice = try pick(ike.espProposals, kind: "ESP", tunnel: v.name, AzureNames.esp)
        w.add("# --- iked tunnel \(v.name) ---")
        if let peer = v.peerAddress {
            w.add("# iked expects this gateway at \(peer) (its remote_address): use the gateway with that public IP.")
        }
        w.add("# The VNet behind the gateway should hold \(v.peerTS.map(\.notation).joined(separator: ", ")) (iked's remote_ts).")
        // With BGP the local network gateway holds only iked's peering address; the prefixes come by BGP.
        let lngBGP = v.bgp.map(localGatewayBGP)
        w.add("$lng\(n) = New-AzLocalNetworkGateway -Name \(psQuoted("iked-\(v.name)")) -ResourceGroupName $rg -Location $location `")
        let prefixes = lngBGP?.prefixes ?? "@(" + v.prefixesBehindIked.map(psQuoted).joined(separator: ", ") + ")"
        w.add("    -GatewayIpAddress \(psQuoted(v.ikedAddress)) -AddressPrefix \(prefixes)\(lngBGP?.extra ?? "")")
        w.add("")
        for note in ikeChoice.notes + espChoice.notes { w.add("# \(note)") }
        w.add("# IKE: iked's proposal \(ikeChoice.text); IPsec: \(espChoice.text). With a custom policy Azure offers")
        w.add("# and accepts only this one. Azure's IKE SA lifetime is fixed at 28800 s (iked's: \(wholeSeconds(ike.ikeLifetime.time)) s); either side may rekey.")
        let life = wholeSeconds(ike.childLifetime.time)
        let saLife = min(max(life, lifetimeRange.lowerBound), lifetimeRange.upperBound)
        if saLife != life { w.add("# iked's child_lifetime is \(life) s; Azure allows \(lifetimeRange.lowerBound)-\(lifetimeRange.upperBound) s.") }
        let kilobytes = ike.childLifetime.bytes.map { max(1024, $0 / 1024) } ?? defaultKilobytes
        if ike.childLifetime.bytes == nil { w.add("# iked sets no volume limit (child_life_bytes = 0); \(defaultKilobytes) KB is Azure's default.") }
        w.add("$policy\(n) = New-AzIpsecPolicy -IkeEncryption \(ikeChoice.value.encryption) -IkeIntegrity \(ikeChoice.value.integrity) -DhGroup \(ikeChoice.value.group) `")
        w.add("    -IpsecEncryption \(espChoice.value.encryption) -IpsecIntegrity \(espChoice.value.integrity) -PfsGroup \(espChoice.value.pfs) `")
        w.add("    -SALifeTimeSeconds \(saLife) -SADataSizeKilobytes \(kilobytes)")
        w.add("")
        let key = try sharedKey(v, includeSecrets: includeSecrets)
        var dpd = ""
        if let timeout = ike.dpdTimeout ?? ike.dpdDelay.map({ $0 * 3 }) {
            let t = min(max(wholeSeconds(timeout), dpdRange.lowerBound), dpdRange.upperBound)
            dpd = " -DpdTimeoutInSeconds \(t)"
        }
        let bgpArgs = v.bgp.map { connectionBGP($0, number: n, instance: (v.settings.connection?.index ?? 0) % 2, &w) } ?? ""
        w.add("# Route-based: Azure proposes 0.0.0.0/0 both ways and iked narrows it to its selectors.")
        w.add("$conn\(n) = New-AzVirtualNetworkGatewayConnection -Name \(psQuoted("iked-\(v.name)")) -ResourceGroupName $rg -Location $location `")
        w.add("    -VirtualNetworkGateway1 $vnetGw -LocalNetworkGateway2 $lng\(n) -ConnectionType IPsec -ConnectionProtocol IKEv2 `")
        w.add("    -SharedKey \(psQuoted(key)) -IpsecPolicies $policy\(n) -UsePolicyBasedTrafficSelectors $false\(dpd)\(bgpArgs)")
    }

    /// The first proposal Azure can express, with a note for each one skipped before it.
    static func pick<T>(_ proposals: [ProposalSpec], kind: String, tunnel: String,
                        _ map: (ProposalSpec) -> T?) throws(ExportError) -> (value: T, text: String, notes: [String]) {
        var notes: [String] = []
        for p in proposals {
            // The user's own text, so they recognise the proposal in their file.
            if let v = map(p) { return (v, p.description, notes) }
            notes.append("iked's \(kind) proposal \(p.description) has no Azure equivalent; skipped.")
        }
        let all = proposals.map(\.description).joined(separator: ", ")
        throw ExportError(.notExpressible, "tunnel \(tunnel): no \(kind) proposal can be expressed as an Azure IPsec policy (\(all))")
    }

    /// The key, or the placeholder. Azure takes printable ASCII only.
    static func sharedKey(_ v: PeerView, includeSecrets: Bool) throws(ExportError) -> String {
        guard includeSecrets else { return ExportSecret.placeholder }
        guard let text = ExportSecret.printable(v.ike.psk) else {
            throw ExportError(.notExpressible, "tunnel \(v.name): the pre-shared key is not printable ASCII, which an Azure shared key must be")
        }
        return text
    }

    /// A PowerShell single-quoted string: no expansion; `'` is doubled.
    static func psQuoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
}
