import Foundation
import IKECore
import Testing
@testable import IKEDaemon

/// The BIRD 2 fragment of a tunnel with `bgp` (BirdConfig, docs/routing.md): exact text for an
/// AWS-side and an Azure-side tunnel, the filters' edge cases, and, when BIRD is installed, that
/// `bird -p` parses it inside a bird.conf like the one docs/routing.md asks operators for.
@Suite struct BirdConfigTests {
    static func settings(_ toml: String) throws -> TunnelSettings {
        try #require(try ConfigLoader.parse(toml, file: "x.toml").tunnels.first)
    }

    static let aws = """
        [connection.vpn]
        profile = "aws"
        [connection.vpn.bgp]
        peer_asn = 65515
        announce = ["10.2.0.0/16"]
        [[connection.vpn.tunnel]]
        local_address = "192.0.2.1"
        remote_address = "198.51.100.1"
        inside_address = "169.254.10.1/30"
        psk = "Tunnel1.key_one"
        [[connection.vpn.tunnel]]
        local_address = "192.0.2.2"
        remote_address = "198.51.100.1"
        inside_address = "169.254.11.1/30"
        psk = "Tunnel2.key_two"
        """

    @Test func awsSideFragment() throws {
        let t = try Self.settings(Self.aws)
        #expect(t.name == "vpn-1")
        #expect(BirdConfig.fragment(tunnel: t.name, try #require(t.bgp)) == """
            # iked: BGP over the inside addresses of tunnel vpn-1. Written by iked when the tunnel
            # comes up and removed when it goes down: do not edit (docs/routing.md).

            protocol static iked_vpn_1_announce {
              ipv4;
              route 10.2.0.0/16 blackhole;
            }

            protocol bgp iked_vpn_1 {
              description "iked tunnel vpn-1";
              local 169.254.10.1 as 64512;
              neighbor 169.254.10.2 as 65515;
              hold time 30;
              keepalive time 10;
              connect retry time 10;
              error wait time 10, 300;
              graceful restart off;
              passive off;
              ipv4 {
                import filter {
                  if 198.51.100.1 ~ net then reject;
                  if net ~ [ 0.0.0.0/0{1,32} ] then accept;
                  reject;
                };
                export filter {
                  if net ~ [ 10.2.0.0/16 ] then accept;
                  reject;
                };
              };
            }

            """)
        #expect(BirdConfig.fileName(t.name) == "iked_vpn_1.conf")
    }

    @Test func azureSideFragment() throws {
        let t = try Self.settings("""
            [tunnel.to-aws]
            profile = "azure"
            local_address = "203.0.113.10"
            remote_address = "192.0.2.1"
            psk = "k"
            inside_address = "169.254.21.2/30"
            [tunnel.to-aws.bgp]
            peer_asn = 64512
            accept = ["10.2.0.0/16", "10.3.0.0/16"]
            announce = ["10.1.0.0/16", "10.8.0.0/24"]
            """)
        let text = BirdConfig.fragment(tunnel: t.name, try #require(t.bgp))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("protocol bgp iked_to_aws {"))
        #expect(lines.contains("  local 169.254.21.2 as 65515;"))
        #expect(lines.contains("  neighbor 169.254.21.1 as 64512;"))
        #expect(lines.contains("  hold time 180;") && lines.contains("  keepalive time 60;"))
        #expect(lines.contains("  error wait time 60, 300;"))
        #expect(lines.contains("  passive on;"))
        #expect(lines.contains("      if net ~ [ 10.2.0.0/16+, 10.3.0.0/16+ ] then accept;"))
        #expect(lines.contains("      if net ~ [ 10.1.0.0/16, 10.8.0.0/24 ] then accept;"))
        #expect(lines.filter { $0.hasPrefix("  route ") } == ["  route 10.1.0.0/16 blackhole;", "  route 10.8.0.0/24 blackhole;"])
    }

    @Test func nothingToAnnounceOrAccept() throws {
        let b = BGPSettings(localASN: 65001, peerASN: 65002, holdTime: 900, keepalive: 400, announce: [], accept: [],
                            localAddress: [169, 254, 1, 1], neighbor: [169, 254, 1, 2], passive: false)
        let text = BirdConfig.fragment(tunnel: "t", b)
        #expect(!text.contains("protocol static"), "no static protocol without prefixes")
        #expect(text.contains("    import none;\n    export none;\n"))
        #expect(text.contains("  error wait time 400, 400;"))
    }

    @Test func prefixPatterns() {
        let p = AddressPrefix(address: [10, 2, 0, 0], length: 16)
        #expect(BGPPrefixPattern(orLonger: p).bird == "10.2.0.0/16+")
        #expect(BGPPrefixPattern(prefix: p, lengths: 16...16).bird == "10.2.0.0/16")
        #expect(BGPPrefixPattern(prefix: p, lengths: 17...24).bird == "10.2.0.0/16{17,24}")
    }

    /// `bird -p` (parse only) on the fragments of both sides, included from a bird.conf with the
    /// two things docs/routing.md asks of operators. Skipped where BIRD is not installed.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/bird")))
    func birdParsesTheFragments() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iked-bird-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let include = dir.appendingPathComponent("iked.d")
        try FileManager.default.createDirectory(at: include, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for t in try ConfigLoader.parse(Self.aws, file: "x.toml").tunnels {
            try BirdConfig.fragment(tunnel: t.name, try #require(t.bgp)).write(to: include.appendingPathComponent(BirdConfig.fileName(t.name)),
                                                                              atomically: true, encoding: .utf8)
        }
        let conf = dir.appendingPathComponent("bird.conf")
        try """
            router id 192.0.2.1;
            protocol device {}
            protocol kernel {
              ipv4 { export where proto !~ "iked_*_announce"; };
              merge paths on;
            }
            include "\(include.path)/*.conf";

            """.write(to: conf, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/bird")
        p.arguments = ["-p", "-c", conf.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 0, "bird -p: \(text)")
    }
}
