import IKECore
import IKEWire
import Testing
@testable import IKEDaemon

/// IPv6 inside the tunnel in `iked.toml` (issue 6): dual-stack selectors, IPv6 routes (given or
/// derived from remote_ts) and IPv6 inside addresses, and the errors for bad ones.
@Suite struct IPv6ConfigTests {
    static let base = """
        [tunnel.t]
        local_address = "2001:db8::1"
        remote_address = "2001:db8::2"
        psk = "a-shared-secret"
        local_ts = ["10.1.0.0/16", "fd00:1::/64"]
        remote_ts = ["10.2.0.0/16", "fd00:2::/64"]
        """

    static func tunnel(_ extra: String = "") throws -> TunnelSettings {
        let config = try ConfigLoader.parse(base + "\n" + extra, file: "x.toml")
        return try #require(config.tunnels.first)
    }

    /// The error text for the base with `line` added, or replacing the base's line of its key.
    static func errors(_ line: String) -> String {
        let key = line.split(separator: " ").first.map(String.init) ?? ""
        let kept = base.split(separator: "\n").filter { !$0.hasPrefix("\(key) ") }.joined(separator: "\n")
        do {
            _ = try ConfigLoader.parse(kept + "\n" + line, file: "x.toml")
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func dualStackSelectorsAndDerivedRoutes() throws {
        let t = try Self.tunnel()
        #expect(t.ike.localTS.map(\.notation) == ["10.1.0.0/16", "fd00:1::/64"])
        #expect(t.ike.remoteTS.map(\.notation) == ["10.2.0.0/16", "fd00:2::/64"])
        #expect(t.routes.map(\.notation) == ["10.2.0.0/16", "fd00:2::/64"], "routes default to remote_ts, IPv6 included")
        #expect(t.carriesIPv6)
        #expect(t.insideAddresses.isEmpty)
    }

    @Test func ipv6DefaultRouteIsNeverImplicit() throws {
        let config = try ConfigLoader.parse(Self.base.replacingOccurrences(of: "remote_ts = [\"10.2.0.0/16\", \"fd00:2::/64\"]",
                                                                           with: "remote_ts = [\"0.0.0.0/0\", \"::/0\"]"), file: "x.toml")
        #expect(config.tunnels.first?.routes.isEmpty == true)
    }

    @Test func explicitIPv6RoutesIncludingDefault() throws {
        let t = try Self.tunnel("routes = [\"fd00:2::/48\", \"::/0\"]")
        #expect(t.routes.map(\.notation) == ["fd00:2::/48", "::/0"])
    }

    @Test func ipv6InsideAddress() throws {
        let t = try Self.tunnel("inside_address = \"fd00:1::1/128\"")
        #expect(t.insideAddresses.count == 1)
        #expect(t.insideAddresses.first?.address == [0xFD, 0, 0, 1] + [UInt8](repeating: 0, count: 11) + [1])
        #expect(t.insideAddresses.first?.prefix == 128)
    }

    @Test func dualStackInsideAddresses() throws {
        let t = try Self.tunnel("inside_address = [\"169.254.21.2/30\", \"fdaa:bbbb::2/126\"]")
        #expect(t.insideAddresses.map(\.address.count) == [4, 16])
        #expect(t.insideAddresses.map(\.prefix) == [30, 126])
    }

    @Test func ipv4OnlyTunnelDoesNotAskForIPv6() throws {
        let config = try ConfigLoader.parse("""
            [tunnel.t]
            local_address = "192.0.2.1"
            remote_address = "192.0.2.2"
            psk = "k"
            local_ts = "10.1.0.0/16"
            remote_ts = "10.2.0.0/16"
            inside_address = "169.254.21.2/30"
            """, file: "x.toml")
        let t = try #require(config.tunnels.first)
        #expect(!t.carriesIPv6)
        #expect(t.insideAddresses.map(\.prefix) == [30])
    }

    @Test func ipv6RouteAloneEnablesIPv6() throws {
        let config = try ConfigLoader.parse("""
            [tunnel.t]
            local_address = "192.0.2.1"
            remote_address = "192.0.2.2"
            psk = "k"
            routes = ["fd00:2::/64"]
            """, file: "x.toml")
        #expect(config.tunnels.first?.carriesIPv6 == true)
    }

    @Test(arguments: [
        ("inside_address = \"fd00:1::1/129\"", "tunnel.t.inside_address"),
        ("inside_address = \"fd00:1::1\"", "tunnel.t.inside_address"),
        ("inside_address = \"fd00:1::g/64\"", "tunnel.t.inside_address"),
        ("inside_address = [\"169.254.21.2/30\", \"fd00:1::1/0\"]", "tunnel.t.inside_address[1]"),
        ("inside_address = [\"fd00:1::1/64\", \"fd00:1::1/64\"]", "tunnel.t.inside_address[1]"),
        ("routes = [\"fd00:2::/129\"]", "tunnel.t.routes"),
        ("local_ts = [\"10.1.0.0/16\", \"fd00:1::/200\"]", "tunnel.t.local_ts[1]"),
    ])
    func badIPv6ValuesNameTheirKey(_ line: String, _ key: String) {
        let message = Self.errors(line)
        #expect(message.contains(key), "\(line): \(message)")
    }
}
