import Control
import Foundation
import IKECore
import Testing
@testable import IKEDaemon

/// The BGP sections of `ikectl export` for tunnels with `[tunnel.NAME.bgp]`: AWS's "#4: Border
/// Gateway Protocol (BGP) Configuration" in place of static routing, the Azure local network
/// gateway with iked's ASN and peering address and the connection with BGP on, and a `bgp`
/// object in JSON; each mirrored (the peer's ASN is our peer_asn, its neighbor our inside address).
@Suite struct BGPExportTests {
    /// The AWS connection of two BGP tunnels that BirdConfigTests renders (peer AS 65515, inside
    /// networks 169.254.10.0/30 and 169.254.11.0/30).
    static let aws = BirdConfigTests.aws

    static func render(_ format: ExportFormat, _ text: String = aws) throws -> String {
        try PeerExport.render(try ConfigLoader.parse(text, file: "x.toml").tunnels, format: format, includeSecrets: false)
    }

    @Test func awsGenericHasTheBGPPartPerTunnel() throws {
        let s = try Self.render(.awsGeneric)
        #expect(ExportTests.lines(s, with: "#4: Border Gateway Protocol (BGP) Configuration").count == 2)
        #expect(!s.contains("#4: Static Routing Configuration"))
        #expect(ExportTests.lines(s, with: "Customer Gateway ASN", ": 65515").count == 2)
        #expect(ExportTests.lines(s, with: "Amazon side ASN (iked)", ": 64512").count == 2)
        #expect(ExportTests.lines(s, with: "Neighbor IP Address", ": 169.254.10.1").count == 1)
        #expect(ExportTests.lines(s, with: "Neighbor IP Address", ": 169.254.11.1").count == 1)
        #expect(ExportTests.lines(s, with: "Your BGP source address", ": 169.254.11.2").count == 1)
        #expect(ExportTests.lines(s, with: "Neighbor Hold Time", ": 30").count == 2)
        #expect(ExportTests.lines(s, with: "Prefixes", ": 10.2.0.0/16").count == 2)
        #expect(ExportTests.lines(s, with: "Prefixes", ": any prefix but a default route").count == 2)
    }

    @Test func staticTunnelsKeepTheStaticPart() throws {
        #expect(try ExportTests.render(.awsGeneric).contains("#4: Static Routing Configuration"))
        #expect(!(try ExportTests.render(.awsGeneric).contains("Border Gateway Protocol")))
    }

    @Test func azurePowerShellTurnsBGPOn() throws {
        let s = try Self.render(.azurePowerShell)
        #expect(s.contains("-AddressPrefix @('169.254.10.1/32') -Asn 64512 -BgpPeeringAddress '169.254.10.1'"))
        #expect(s.contains("-AddressPrefix @('169.254.11.1/32') -Asn 64512 -BgpPeeringAddress '169.254.11.1'"))
        #expect(s.contains("$bgpIp1 = New-AzGatewayCustomBgpIpConfigurationObject -IpConfigurationId $vnetGw.IpConfigurations[0].Id"))
        #expect(s.contains("$bgpIp2 = New-AzGatewayCustomBgpIpConfigurationObject -IpConfigurationId $vnetGw.IpConfigurations[1].Id"))
        #expect(s.contains("    -CustomBgpIpAddress '169.254.10.2'"))
        #expect(ExportTests.lines(s, with: "-EnableBgp $true -GatewayCustomBgpIpAddress @($bgpIp2)").count == 1)
        #expect(s.contains("Set-AzVirtualNetworkGateway -Asn 65515"))
    }

    @Test func jsonHasTheBGPObject() throws {
        let data = Data(try Self.render(.json).utf8)
        let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let tunnels = try #require(doc["tunnels"] as? [[String: Any]])
        let b = try #require(tunnels.first?["bgp"] as? [String: Any])
        #expect(b["peer_asn"] as? Int == 65515 && b["iked_asn"] as? Int == 64512)
        #expect(b["peer_address"] as? String == "169.254.10.2" && b["iked_address"] as? String == "169.254.10.1")
        #expect(b["iked_announces"] as? [String] == ["10.2.0.0/16"] && b["iked_accepts"] as? [String] == ["0.0.0.0/0{1,32}"])
        #expect(b["hold_time_seconds"] as? Int == 30 && b["iked_passive"] as? Bool == false)
    }
}
