import IKECore

/// The BGP sections of the exports for a tunnel with `[tunnel.NAME.bgp]`, seen from the peer:
/// its ASN is our `peer_asn`, its neighbor is our inside address, its own inside address is our
/// `neighbor`, and what it learns is what we announce. Invariant: only for a tunnel whose
/// `settings.bgp` is set.
extension PeerView {
    var bgp: BGPSettings? { settings.bgp }

    /// Our announce prefixes, as the peer will learn them.
    func announced(_ b: BGPSettings) -> String {
        b.announce.isEmpty ? "none" : b.announce.map(\.notation).joined(separator: ", ")
    }

    /// What we accept, in words.
    func accepted(_ b: BGPSettings) -> String {
        if b.accept.isEmpty { return "nothing (iked accepts no prefix)" }
        if b.accept.map(\.bird) == ["0.0.0.0/0{1,32}"] { return "any prefix but a default route" }
        return b.accept.map { $0.prefix.notation + ($0.lengths.upperBound > $0.prefix.length ? " (or more specific)" : "") }
            .joined(separator: ", ")
    }
}

extension AWSGenericExport {
    /// "#4: Border Gateway Protocol (BGP) Configuration", in the place and the words of AWS's
    /// download for a dynamically routed VPN connection.
    static func bgpPart(_ v: PeerView, _ b: BGPSettings, _ w: inout Lines) {
        w.add("#4: Border Gateway Protocol (BGP) Configuration")
        w.add("")
        w.add("BGP (BGPv4) runs inside the tunnel, between the inside IP addresses, to exchange")
        w.add("routes between your network and the networks behind iked. Each side has an")
        w.add("Autonomous System Number (ASN).")
        w.add("")
        w.add("Configure BGP on your Customer Gateway as follows:")
        w.add(field("Customer Gateway ASN", "\(b.peerASN)"))
        w.add(field("Amazon side ASN (iked)", "\(b.localASN)"))
        w.add(field("Neighbor IP Address", Endpoint.text(b.localAddress)))
        w.add(field("Your BGP source address", Endpoint.text(b.neighbor)))
        w.add(field("Neighbor Hold Time", "\(b.holdTime)"))
        w.add(field("Keepalive", "\(b.keepalive)"))
        w.add(field("Session", b.passive ? "your device opens it (iked waits: passive)" : "either side opens it"))
        w.add("")
        w.add("iked announces these prefixes to you:")
        w.add(field("Prefixes", v.announced(b)))
        w.add("and accepts from you:")
        w.add(field("Prefixes", v.accepted(b)))
        w.add("")
        w.add("The IPSec SA carries these traffic selectors, seen from your side (BGP's packets")
        w.add("between the inside addresses cross the tunnel too):")
        w.add(field("Local (yours)", v.peerTS.map(\.notation).joined(separator: ", ")))
        w.add(field("Remote (behind iked)", v.ikedTS.map(\.notation).joined(separator: ", ")))
    }
}

extension AzurePowerShellExport {
    /// The local network gateway's BGP settings: iked's ASN and peering address, which must be
    /// its only address prefix.
    static func localGatewayBGP(_ b: BGPSettings) -> (prefixes: String, extra: String) {
        ("@('\(Endpoint.text(b.localAddress))/32')", " -Asn \(b.localASN) -BgpPeeringAddress '\(Endpoint.text(b.localAddress))'")
    }

    /// Comment lines and the connection's extra arguments: BGP on, with the gateway's APIPA
    /// address (our `neighbor`) for this connection.
    static func connectionBGP(_ b: BGPSettings, number n: Int, instance: Int, _ w: inout Lines) -> String {
        let apipa = Endpoint.text(b.neighbor)
        w.add("# BGP: the gateway needs BGP on with ASN \(b.peerASN) (Set-AzVirtualNetworkGateway -Asn \(b.peerASN)) and")
        w.add("# the APIPA address \(apipa) on the instance this connection uses; iked peers from \(Endpoint.text(b.localAddress)) as")
        w.add("# AS \(b.localASN) (hold time \(b.holdTime) s) and announces \(b.announce.isEmpty ? "nothing" : b.announce.map(\.notation).joined(separator: ", ")).")
        w.add("# (IpConfigurations[\(instance)]: the gateway instance of this tunnel; an active-active gateway has two.)")
        w.add("$bgpIp\(n) = New-AzGatewayCustomBgpIpConfigurationObject -IpConfigurationId $vnetGw.IpConfigurations[\(instance)].Id `")
        w.add("    -CustomBgpIpAddress '\(apipa)'")
        return " -EnableBgp $true -GatewayCustomBgpIpAddress @($bgpIp\(n))"
    }
}
