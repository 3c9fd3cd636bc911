import IKECore
import IKEWire
import Testing
@testable import IKEDaemon

/// `bgp` on a tunnel and on a `[connection.NAME]` (docs/routing.md, docs/configuration.md): the
/// profiles' defaults, what is derived (neighbor, accept, announce), and every refusal naming its
/// key.
@Suite struct BGPConfigTests {
    static let base = """
        [tunnel.t]
        local_address = "192.0.2.1"
        remote_address = "198.51.100.1"
        psk = "Valid.AWS_key42"
        """

    static func tunnel(_ extra: String) throws -> TunnelSettings {
        try #require(try ConfigLoader.parse("\(base)\n\(extra)", file: "x.toml").tunnels.first)
    }

    static func errors(_ extra: String) -> [ConfigError] {
        do {
            _ = try ConfigLoader.parse("\(base)\n\(extra)", file: "x.toml")
            return []
        } catch {
            return error.errors
        }
    }

    static func prefixes(_ p: [AddressPrefix]) -> [String] { p.map(\.notation) }

    @Test func staticIsTheDefaultEvenUnderAProfile() throws {
        for profile in ["", "profile = \"aws\"", "profile = \"azure\""] {
            let t = try Self.tunnel("\(profile)\ninside_address = \"169.254.21.1/30\"\nremote_ts = \"10.2.0.0/16\"")
            #expect(t.bgp == nil, "\(profile)")
            #expect(t.routes.map(\.notation) == ["10.2.0.0/16"], "static routes as before")
        }
        #expect(try Self.tunnel("bgp = false").bgp == nil)
    }

    @Test func awsDefaults() throws {
        let t = try Self.tunnel("""
            profile = "aws"
            inside_address = "169.254.10.1/30"
            [tunnel.t.bgp]
            peer_asn = 65515
            announce = "10.2.0.0/16"
            """)
        let b = try #require(t.bgp)
        #expect(b.localASN == 64512 && b.peerASN == 65515)
        #expect(b.holdTime == 30 && b.keepalive == 10 && !b.passive)
        #expect(Endpoint.text(b.localAddress) == "169.254.10.1" && Endpoint.text(b.neighbor) == "169.254.10.2")
        #expect(Self.prefixes(b.announce) == ["10.2.0.0/16"])
        // remote_ts is AWS's 0.0.0.0/0: anything but a default route.
        #expect(b.accept.map(\.bird) == ["0.0.0.0/0{1,32}"])
        #expect(b.peerOutsideAddress.map(Endpoint.text) == "198.51.100.1")
        #expect(t.routes.isEmpty, "no static routes: BIRD brings them")
    }

    @Test func azureDefaults() throws {
        let t = try Self.tunnel("""
            profile = "azure"
            inside_address = "169.254.21.2/30"
            local_ts = ["10.1.0.0/16", "169.254.21.0/30"]
            remote_ts = ["10.2.0.0/16", "169.254.21.0/30"]
            [tunnel.t.bgp]
            peer_asn = 64512
            """)
        let b = try #require(t.bgp)
        #expect(b.localASN == 65515 && b.holdTime == 180 && b.keepalive == 60 && b.passive)
        #expect(Endpoint.text(b.neighbor) == "169.254.21.1")
        #expect(Self.prefixes(b.announce) == ["10.1.0.0/16", "169.254.21.0/30"], "announce defaults to local_ts")
        #expect(b.accept.map(\.bird) == ["10.2.0.0/16+", "169.254.21.0/30+"], "accept defaults to remote_ts")
    }

    @Test func explicitValues() throws {
        let b = try #require(try Self.tunnel("""
            inside_address = "169.254.30.6/31"
            [tunnel.t.bgp]
            local_asn = 4200000001
            peer_asn = 65000
            hold_time = "6s"
            announce = ["10.1.0.0/16", "10.9.9.0/24"]
            accept = ["10.2.0.0/16"]
            passive = true
            """).bgp)
        #expect(b.localASN == 4_200_000_001 && b.holdTime == 6 && b.keepalive == 2 && b.passive)
        #expect(Endpoint.text(b.neighbor) == "169.254.30.7", "the other address of a /31")
        #expect(b.accept.map(\.bird) == ["10.2.0.0/16+"])
        let c = try #require(try Self.tunnel("inside_address = \"169.254.30.1/24\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2\nneighbor = \"169.254.30.9\"\nkeepalive = 20\nannounce = []\naccept = []").bgp)
        #expect(c.keepalive == 20 && c.announce.isEmpty && c.accept.isEmpty && Endpoint.text(c.neighbor) == "169.254.30.9")
    }

    /// Each refusal, as (extra lines, the key named, a part of the message).
    static let refusals: [(String, String, String)] = [
        ("bgp = true", "tunnel.t.bgp", "write a [tunnel.t.bgp] table"),
        ("bgp = 3", "tunnel.t.bgp", "must be false (static routes) or a table"),
        ("[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2", "tunnel.t.bgp", "needs an IPv4 inside_address"),
        ("inside_address = \"fd00::1/126\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2", "tunnel.t.bgp", "needs an IPv4 inside_address"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\npeer_asn = 2", "tunnel.t.bgp.local_asn", "is required without a profile"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 1", "tunnel.t.bgp.peer_asn", "is required"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 0\npeer_asn = 2", "tunnel.t.bgp.local_asn", "out of range 1…4294967295"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 4294967296", "tunnel.t.bgp.peer_asn", "out of range 1…4294967295"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = \"65000\"", "tunnel.t.bgp.peer_asn", "must be an integer"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 23456\npeer_asn = 2", "tunnel.t.bgp.local_asn", "AS_TRANS"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 7\npeer_asn = 7", "tunnel.t.bgp.peer_asn", "equals local_asn"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2\nhold_time = 2", "tunnel.t.bgp.hold_time", "out of range 3…65535 s"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2\nhold_time = \"soon\"", "tunnel.t.bgp.hold_time", "is not a duration"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2\nhold_time = 9\nkeepalive = 9", "tunnel.t.bgp.keepalive", "less than hold_time (9 s)"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2\nannounce = \"10.1.0.0/33\"", "tunnel.t.bgp.announce", "is not a CIDR prefix"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2\nannounce = [\"10.1.0.0/16\", \"10.1.0.1-10.1.0.9\"]", "tunnel.t.bgp.announce[1]", "is not a CIDR prefix"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2\naccept = \"fd00::/8\"", "tunnel.t.bgp.accept", "IPv4 prefixes only"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2\nneighbor = \"169.254.2.2\"", "tunnel.t.bgp.neighbor", "is not another address of the inside network 169.254.1.1/30"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2\nneighbor = \"fd00::2\"", "tunnel.t.bgp.neighbor", "must be an IPv4 address"),
        ("inside_address = \"169.254.1.1/24\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2", "tunnel.t.bgp.neighbor", "is required"),
        ("inside_address = \"169.254.1.3/30\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2", "tunnel.t.bgp.neighbor", "broadcast address of its /30"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2\npassive = \"yes\"", "tunnel.t.bgp.passive", "must be true or false"),
        ("inside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2\nholdtime = 9", "tunnel.t.bgp.holdtime", "did you mean hold_time?"),
        ("inside_address = \"169.254.1.1/30\"\nlocal_ts = \"10.1.0.0/16\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2", "tunnel.t.local_ts", "does not cover the BGP session's inside address 169.254.1.1"),
        ("inside_address = \"169.254.1.1/30\"\nremote_ts = \"10.2.0.0/16\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2", "tunnel.t.remote_ts", "inside address 169.254.1.2"),
        ("profile = \"aws\"\ninside_address = \"169.254.10.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 100\npeer_asn = 2", "tunnel.t.bgp.local_asn", "Amazon-side ASN AWS allows (64512–65534 or 4200000000–4294967294)"),
        ("profile = \"azure\"\ninside_address = \"169.254.21.2/30\"\n[tunnel.t.bgp]\npeer_asn = 64512\npassive = false", "tunnel.t.bgp.passive", "never initiates BGP on its APIPA addresses"),
    ]

    @Test(arguments: 0..<refusals.count)
    func badValueIsRefusedNamingTheKey(_ i: Int) {
        let (extra, key, message) = Self.refusals[i]
        let errors = Self.errors(extra)
        #expect(errors.contains { $0.key == key && $0.message.contains(message) }, "\(extra) -> \(errors)")
    }

    @Test func daemonSettings() throws {
        let d = try ConfigLoader.parse("[daemon]\nbird_config_dir = \"/etc/bird/vpn.d\"\nbird_socket = \"/run/b.ctl\"", file: "x.toml").daemon
        #expect(d.birdConfigDir == "/etc/bird/vpn.d" && d.birdSocket == "/run/b.ctl")
        #expect(DaemonSettings().birdConfigDir == "/etc/bird/iked.d" && DaemonSettings().birdSocket == "/run/bird/bird.ctl")
        #expect(throws: ConfigErrors.self) { try ConfigLoader.parse("[daemon]\nbird_socket = \"bird.ctl\"", file: "x.toml") }
    }

    @Test func announcingNothingIsWarnedOf() throws {
        let c = try ConfigLoader.parse("\(Self.base)\ninside_address = \"169.254.1.1/30\"\n[tunnel.t.bgp]\nlocal_asn = 1\npeer_asn = 2", file: "x.toml")
        #expect(c.warnings.contains { $0.hasPrefix("tunnel.t.bgp.announce: nothing is announced") })
    }

    /// The AWS connection of docs/profiles.md with BGP: the connection's `bgp` table applies
    /// to both tunnels, a tunnel's own table adds to it key by key.
    @Test func connectionTablesMergeKeyByKey() throws {
        let text = ConnectionConfigTests.aws(connection: "[connection.vpn.bgp]\npeer_asn = 65515\nannounce = \"10.2.0.0/16\"\nhold_time = 6",
                                             tunnel2: "[connection.vpn.tunnel.bgp]\nhold_time = 9\nneighbor = \"169.254.11.2\"")
        let tunnels = try ConnectionConfigTests.parse(text).tunnels
        let b = tunnels.compactMap(\.bgp)
        try #require(b.count == 2)
        #expect(b.map(\.peerASN) == [65515, 65515] && b.map(\.holdTime) == [6, 9])
        #expect(b.map { Endpoint.text($0.neighbor) } == ["169.254.10.2", "169.254.11.2"])
        #expect(b.allSatisfy { Self.prefixes($0.announce) == ["10.2.0.0/16"] })
        // The connection names routes itself, so they stay (a static fallback under BGP).
        #expect(tunnels.allSatisfy { $0.routes.map(\.notation) == ["10.1.0.0/16"] })
    }

    @Test func connectionBGPUnknownKeyIsReportedOnce() {
        let errors = ConnectionConfigTests.errors(ConnectionConfigTests.aws(connection: "[connection.vpn.bgp]\npeer_asn = 65515\nlocal_as = 1"))
        #expect(errors.filter { $0.message.contains("unknown key") }.map(\.key) == ["connection.vpn.bgp.local_as"], "\(errors)")
    }

    @Test func birdProtocolNamesMustDiffer() {
        let two = """
            [tunnel.a-b]
            local_address = "192.0.2.1"
            remote_address = "198.51.100.1"
            psk = "k"
            inside_address = "169.254.1.1/30"
            bgp = { local_asn = 1, peer_asn = 2 }
            [tunnel.a_b]
            local_address = "192.0.2.1"
            remote_address = "198.51.100.2"
            psk = "k"
            inside_address = "169.254.2.1/30"
            bgp = { local_asn = 1, peer_asn = 2 }
            """
        let errors: [ConfigError]
        do { _ = try ConfigLoader.parse(two, file: "x.toml"); errors = [] } catch { errors = error.errors }
        #expect(errors.contains { $0.key == "tunnel.a_b.bgp" && $0.message.contains("same BIRD protocol name iked_a_b") }, "\(errors)")
    }
}
