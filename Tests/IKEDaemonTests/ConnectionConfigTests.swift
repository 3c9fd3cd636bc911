import IKECore
import IKEWire
import Testing
@testable import IKEDaemon

/// `[connection.NAME]` with `[[connection.NAME.tunnel]]` tables (docs/profiles.md, "A VPN
/// connection of two tunnels"): what the tunnels inherit and override, how they are named, and
/// what is refused, with the key path each refusal names.
@Suite struct ConnectionConfigTests {
    /// An AWS VPN connection: two outside addresses, one customer gateway, two inside /30s and
    /// two keys that follow AWS's rule. `connection` and `tunnel1`/`tunnel2` lines are added.
    static func aws(connection: String = "", tunnel1: String = "", tunnel2: String = "") -> String {
        """
        [connection.vpn]
        profile = "aws"
        routes = ["10.1.0.0/16"]
        ike_proposals = "aes256gcm16-prfsha256-ecp384"
        \(connection)

        [[connection.vpn.tunnel]]
        local_address = "192.0.2.1"
        remote_address = "198.51.100.1"
        inside_address = "169.254.10.1/30"
        psk = "Tunnel1.key_one"
        \(tunnel1)

        [[connection.vpn.tunnel]]
        local_address = "192.0.2.2"
        remote_address = "198.51.100.1"
        inside_address = "169.254.11.1/30"
        psk = "Tunnel2.key_two"
        \(tunnel2)
        """
    }

    /// A `[[connection.vpn.tunnel]]` table of a connection without a profile, at `index`.
    static func plainTunnel(_ index: Int, _ extra: String = "") -> String {
        """

        [[connection.vpn.tunnel]]
        local_address = "192.0.2.\(index)"
        remote_address = "198.51.100.1"
        psk = "key-\(index)"
        \(extra)
        """
    }

    static func parse(_ text: String) throws(ConfigErrors) -> IkedConfiguration {
        try ConfigLoader.parse(text, file: "x.toml")
    }

    /// The errors for `text`; none if it is accepted.
    static func errors(_ text: String) -> [ConfigError] {
        do {
            _ = try parse(text)
            return []
        } catch {
            return error.errors
        }
    }

    // MARK: What each tunnel gets

    @Test func twoTunnelsInheritTheConnectionAndKeepTheirOwnKeys() throws {
        let config = try Self.parse(Self.aws(connection: "failover = \"ecmp\""))
        #expect(config.tunnels.map(\.name) == ["vpn-1", "vpn-2"])
        let (t1, t2) = (config.tunnels[0], config.tunnels[1])
        #expect(t1.connection == ConnectionMembership(name: "vpn", index: 0, members: ["vpn-1", "vpn-2"], failover: .ecmp))
        #expect(t2.connection == ConnectionMembership(name: "vpn", index: 1, members: ["vpn-1", "vpn-2"], failover: .ecmp))
        // Inherited from the connection.
        for t in [t1, t2] {
            #expect(t.profile == .aws, "\(t.name)")
            #expect(t.routes.map(\.notation) == ["10.1.0.0/16"], "\(t.name)")
            #expect(t.ike.ikeProposals.map(\.text) == ["aes256gcm16-prfsha256-ecp384"], "\(t.name)")
            #expect(t.ike.childLifetime.time == .seconds(3600) && t.startAction == .add, "\(t.name): AWS's defaults")
            #expect(t.ike.remote?.address == [198, 51, 100, 1], "\(t.name)")
        }
        // Each tunnel's own.
        #expect(t1.ike.local.address == [192, 0, 2, 1] && t2.ike.local.address == [192, 0, 2, 2])
        #expect(t1.ike.psk.bytes == Array("Tunnel1.key_one".utf8) && t2.ike.psk.bytes == Array("Tunnel2.key_two".utf8))
        #expect(t1.insideAddresses.map(\.address) == [[169, 254, 10, 1]] && t2.insideAddresses.map(\.address) == [[169, 254, 11, 1]])
        #expect(t1.insideAddresses.map(\.prefix) == [30] && t2.insideAddresses.map(\.prefix) == [30])
        // Identities default to each tunnel's own addresses.
        #expect(t1.ike.localID == .ipv4([192, 0, 2, 1]) && t2.ike.localID == .ipv4([192, 0, 2, 2]))
    }

    @Test func defaultInterfaceNamesAndFailover() throws {
        let config = try Self.parse(Self.aws())
        #expect(config.tunnels.map(\.interface) == ["ike-vpn-1", "ike-vpn-2"])
        #expect(config.tunnels.allSatisfy { $0.connection?.failover == .activeStandby }, "active-standby unless set")
    }

    @Test func aTunnelKeyWinsOverTheConnectionsForThatTunnelOnly() throws {
        let config = try Self.parse(Self.aws(connection: "child_lifetime = \"50m\"",
                                             tunnel2: "routes = [\"10.9.0.0/16\"]\nchild_lifetime = \"40m\"\ninterface = \"aws-b\""))
        let (t1, t2) = (config.tunnels[0], config.tunnels[1])
        #expect(t1.routes.map(\.notation) == ["10.1.0.0/16"] && t2.routes.map(\.notation) == ["10.9.0.0/16"])
        #expect(t1.ike.childLifetime.time == .seconds(3000) && t2.ike.childLifetime.time == .seconds(2400))
        #expect(t1.interface == "ike-vpn-1" && t2.interface == "aws-b")
    }

    @Test func tunnelsSortAmongPlainTunnelsByName() throws {
        let text = """
            [tunnel.alpha]
            local_address = "192.0.2.9"
            remote_address = "203.0.113.9"
            psk = "alpha-key"

            [tunnel.zulu]
            local_address = "192.0.2.8"
            remote_address = "203.0.113.8"
            psk = "zulu-key"

            [connection.vpn]
            """ + Self.plainTunnel(1) + Self.plainTunnel(2)
        let config = try Self.parse(text)
        #expect(config.tunnels.map(\.name) == ["alpha", "vpn-1", "vpn-2", "zulu"])
        #expect(config.tunnels.filter { $0.connection != nil }.map(\.name) == ["vpn-1", "vpn-2"])
    }

    @Test func azureActiveActiveIsTwoInstancesToOnePeer() throws {
        let config = try Self.parse("""
            [connection.vpn]
            profile = "azure"
            psk = "one-key-for-both"
            local_ts = "10.1.0.0/16"
            remote_ts = "10.2.0.0/16"

            [[connection.vpn.tunnel]]
            local_address = "192.0.2.1"
            remote_address = "198.51.100.1"

            [[connection.vpn.tunnel]]
            local_address = "192.0.2.2"
            remote_address = "198.51.100.1"
            """)
        #expect(config.tunnels.map(\.name) == ["vpn-1", "vpn-2"])
        #expect(config.tunnels.allSatisfy { $0.profile == .azure && $0.startAction == .start && $0.ike.dpdAction == .restart })
        #expect(config.tunnels.allSatisfy { $0.ike.remote?.address == [198, 51, 100, 1] && $0.ike.psk.bytes == Array("one-key-for-both".utf8) })
        #expect(config.tunnels.map { $0.ike.local.address } == [[192, 0, 2, 1], [192, 0, 2, 2]])
        #expect(config.tunnels.map(\.routes).allSatisfy { $0.map(\.notation) == ["10.2.0.0/16"] }, "routes default to remote_ts")
    }

    @Test func upToEightTunnelsWithoutAProfile() throws {
        let eight = "[connection.vpn]" + (1...8).map { Self.plainTunnel($0) }.joined()
        #expect(try Self.parse(eight).tunnels.count == 8)
        let one = "[connection.vpn]" + Self.plainTunnel(1)
        #expect(try Self.parse(one).tunnels.map(\.name) == ["vpn-1"])
    }

    // MARK: Refusals

    @Test(arguments: [1, 3])
    func awsWantsExactlyTwoTunnels(_ count: Int) {
        var text = """
            [connection.vpn]
            profile = "aws"
            """
        for i in 1...count { text += Self.plainTunnel(i, "").replacingOccurrences(of: "psk = \"key-\(i)\"", with: "psk = \"Aws.key\(i)_ok\"") }
        let errors = Self.errors(text)
        #expect(errors.map(\.key) == ["connection.vpn.tunnel"], "\(errors)")
        #expect(errors.first?.message.contains("exactly two tunnels, not \(count)") == true, "\(errors)")
    }

    /// A profile written on each tunnel instead of the connection makes it no less an AWS
    /// connection.
    @Test func awsWantsExactlyTwoTunnelsWhenTheTunnelsNameTheProfile() {
        let text = "[connection.vpn]" + (1...3).map {
            Self.plainTunnel($0, "profile = \"aws\"").replacingOccurrences(of: "psk = \"key-\($0)\"", with: "psk = \"Aws.key\($0)_ok\"")
        }.joined()
        let errors = Self.errors(text)
        #expect(errors.map(\.key) == ["connection.vpn.tunnel"], "\(errors)")
        #expect(errors.first?.message.contains("exactly two tunnels, not 3") == true, "\(errors)")
    }

    @Test func nineTunnelsAreTooMany() {
        let errors = Self.errors("[connection.vpn]" + (1...9).map { Self.plainTunnel($0) }.joined())
        #expect(errors.map(\.key) == ["connection.vpn.tunnel"], "\(errors)")
        #expect(errors.first?.message.contains("1 to 8 tunnels, not 9") == true, "\(errors)")
    }

    @Test func aConnectionWithoutTunnelTablesIsRefused() {
        let errors = Self.errors("""
            [connection.vpn]
            local_address = "192.0.2.1"
            remote_address = "198.51.100.1"
            psk = "a-key"
            """)
        #expect(errors.map(\.key) == ["connection.vpn.tunnel"], "\(errors)")
        #expect(errors.first?.message.contains("[[connection.vpn.tunnel]]") == true, "\(errors)")
    }

    /// An unknown key is reported once, where it is written, with the closest known key.
    @Test(arguments: [
        ("dpd_dealy = 10", "", "connection.vpn.dpd_dealy", "did you mean dpd_delay?"),
        ("failovr = \"ecmp\"", "", "connection.vpn.failovr", "did you mean failover?"),
        ("", "remote_adress = \"198.51.100.1\"", "connection.vpn.tunnel[1].remote_adress", "did you mean remote_address?"),
        ("", "failover = \"ecmp\"", "connection.vpn.tunnel[1].failover", "unknown key"),
    ])
    func unknownKeysAreRefusedOnceWithASuggestion(_ connection: String, _ tunnel: String, _ key: String, _ hint: String) {
        let errors = Self.errors(Self.aws(connection: connection, tunnel2: tunnel))
        #expect(errors.map(\.key) == [key], "\(errors)")
        #expect(errors.first?.message.contains(hint) == true, "\(errors)")
    }

    @Test func aBogusFailoverIsRefused() {
        let errors = Self.errors(Self.aws(connection: "failover = \"bogus\""))
        #expect(errors.map(\.key) == ["connection.vpn.failover"], "\(errors)")
        #expect(errors.first?.message.contains("is not one of active-standby, ecmp") == true, "\(errors)")
    }

    /// `[tunnel.vpn-1]` and connection vpn's first tunnel would share a name, an interface and
    /// every `ikectl` command.
    @Test func aTunnelNamedLikeAConnectionsTunnelIsRefused() {
        let errors = Self.errors(Self.aws() + """

            [tunnel.vpn-1]
            local_address = "192.0.2.7"
            remote_address = "203.0.113.7"
            psk = "another-key"
            """)
        let clash = errors.filter { $0.message.contains("also named vpn-1") && $0.message.contains("rename") }
        #expect(clash.count == 1, "\(errors)")
        // Both tables are named, one as the key and the other in the message.
        let both = clash.map { [$0.key, $0.message.components(separatedBy: " ").first ?? ""] }.first.map(Set.init)
        #expect(both == ["tunnel.vpn-1", "connection.vpn.tunnel[0]"], "\(errors)")
        #expect(errors.allSatisfy { $0.key.hasPrefix("tunnel.vpn-1") || $0.key.hasPrefix("connection.vpn.tunnel[0]") }, "\(errors)")
    }

    @Test func twoTunnelsWithTheSameAddressPairAreRefused() {
        let errors = Self.errors(Self.aws(tunnel2: "").replacingOccurrences(of: "local_address = \"192.0.2.2\"", with: "local_address = \"192.0.2.1\""))
        #expect(errors.map(\.key) == ["connection.vpn.tunnel[1].remote_address"], "the key path is the one in the file: \(errors)")
        #expect(errors.first?.message.contains("connection.vpn.tunnel[0]") == true, "and names the other tunnel's: \(errors)")
    }

    /// A mistake in a key the tunnels inherit is reported for each tunnel, by the tunnel's path.
    @Test func anErrorInAnInheritedKeyNamesEachTunnel() {
        let errors = Self.errors(Self.aws().replacingOccurrences(of: "routes = [\"10.1.0.0/16\"]", with: "routes = [\"10.1.0.0/33\"]"))
        #expect(Set(errors.map(\.key)) == ["connection.vpn.tunnel[0].routes", "connection.vpn.tunnel[1].routes"], "\(errors)")
    }

    @Test func awsLimitsApplyToEachTunnel() {
        let badKey = "Bad-Key-With-Dashes"
        let errors = Self.errors(Self.aws().replacingOccurrences(of: "\"Tunnel2.key_two\"", with: "\"\(badKey)\""))
        #expect(errors.map(\.key) == ["connection.vpn.tunnel[1].psk"], "only tunnel 2's key: \(errors)")
        #expect(errors.first?.message.contains("A–Z a–z 0–9 . _") == true, "\(errors)")
        #expect(!errors.contains { $0.description.contains(badKey) }, "the key is never quoted")

        let lifetime = Self.errors(Self.aws(connection: "child_lifetime = 7200"))
        #expect(Set(lifetime.map(\.key)) == ["connection.vpn.tunnel[0].child_lifetime", "connection.vpn.tunnel[1].child_lifetime"],
                "\(lifetime)")
        #expect(lifetime.allSatisfy { $0.message.contains("900–3600") })

        let inside = Self.errors(Self.aws(tunnel1: "").replacingOccurrences(of: "169.254.10.1/30", with: "169.254.10.2/30"))
        #expect(inside.map(\.key) == ["connection.vpn.tunnel[0].inside_address"], "\(inside)")
    }
}
