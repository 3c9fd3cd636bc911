import Foundation
import IKECore
import IKEWire
import Testing
@testable import IKEDaemon

/// `iked --check` against broken configurations (issue 5): each run of the real binary must exit
/// 1 and name the offending key; valid files exit 0.
@Suite struct ConfigCheckTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let iked = repo.appendingPathComponent(".build/debug/iked").path

    /// A minimal valid tunnel; cases replace or append lines.
    static let base = """
        [tunnel.t]
        local_address = "192.0.2.1"
        remote_address = "198.51.100.1"
        psk = "a-shared-secret"
        local_ts = "10.1.0.0/16"
        remote_ts = "10.2.0.0/16"
        """

    /// Writes `toml` (and a psk file with `mode`) into a fresh folder; returns the config path.
    static func write(_ toml: String, pskMode: Int = 0o600) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iked-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let psk = dir.appendingPathComponent("t.psk")
        try Data("file-secret\n".utf8).write(to: psk)
        try FileManager.default.setAttributes([.posixPermissions: pskMode], ofItemAtPath: psk.path)
        let file = dir.appendingPathComponent("iked.toml")
        try Data(toml.utf8).write(to: file)
        // Most configurations here carry an inline psk: 600, as an operator would keep them.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        return file.path
    }

    /// Runs `iked --check --config PATH`: exit status and standard error.
    static func check(_ path: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: iked)
        p.arguments = ["--check", "--config", path]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (p.terminationStatus, o, e)
    }

    static func replacing(_ key: String, with line: String?) -> String {
        var lines = base.split(separator: "\n").map(String.init)
        lines.removeAll { $0.hasPrefix("\(key) ") }
        if let line { lines.append(line) }
        return lines.joined(separator: "\n")
    }

    struct Broken: CustomTestStringConvertible, Sendable {
        var what: String
        var toml: String
        var key: String
        var mentions: String = ""
        var pskMode = 0o600
        var testDescription: String { what }
    }

    static let broken: [Broken] = [
        Broken(what: "bad CIDR", toml: replacing("local_ts", with: "local_ts = \"10.1.0.0/33\""), key: "tunnel.t.local_ts"),
        Broken(what: "bad CIDR in a list", toml: replacing("remote_ts", with: "remote_ts = [\"10.2.0.0/16\", \"10.3.0/16\"]"), key: "tunnel.t.remote_ts[1]"),
        Broken(what: "unknown key", toml: base + "\ndpd_dealy = 10", key: "tunnel.t.dpd_dealy", mentions: "did you mean dpd_delay"),
        Broken(what: "unknown proposal keyword", toml: base + "\nike_proposals = [\"aes256-sha256-modp9999\"]", key: "tunnel.t.ike_proposals", mentions: "modp9999"),
        Broken(what: "PRF in an ESP proposal", toml: base + "\nesp_proposals = \"aes256-prfsha256\"", key: "tunnel.t.esp_proposals"),
        Broken(what: "group-readable psk_file", toml: replacing("psk", with: "psk_file = \"t.psk\""), key: "tunnel.t.psk_file", mentions: "chmod 600", pskMode: 0o640),
        Broken(what: "world-readable psk_file", toml: replacing("psk", with: "psk_file = \"t.psk\""), key: "tunnel.t.psk_file", pskMode: 0o604),
        Broken(what: "missing psk_file", toml: replacing("psk", with: "psk_file = \"nope.psk\""), key: "tunnel.t.psk_file", mentions: "does not exist"),
        Broken(what: "both psk and psk_file", toml: base + "\npsk_file = \"t.psk\"", key: "tunnel.t.psk_file"),
        Broken(what: "no psk at all", toml: replacing("psk", with: nil), key: "tunnel.t.psk", mentions: "required"),
        Broken(what: "ike_lifetime too short", toml: base + "\nike_lifetime = \"10s\"", key: "tunnel.t.ike_lifetime", mentions: "out of range"),
        Broken(what: "child_lifetime not a duration", toml: base + "\nchild_lifetime = \"forever\"", key: "tunnel.t.child_lifetime"),
        Broken(what: "rekey margin over half the child lifetime", toml: base + "\nchild_lifetime = 900\nrekey_margin = 600", key: "tunnel.t.rekey_margin"),
        Broken(what: "margin plus fuzz lets a rekey come right after creation", toml: base + "\nchild_lifetime = \"1h\"\nrekey_margin = \"30m\"", key: "tunnel.t.rekey_margin", mentions: "rekey_fuzz"),
        Broken(what: "dpd_action restart with %any", toml: replacing("remote_address", with: "remote_address = \"%any\"") + "\ndpd_action = \"restart\"", key: "tunnel.t.dpd_action"),
        Broken(what: "close_action restart with %any", toml: replacing("remote_address", with: "remote_address = \"%any\"") + "\nclose_action = \"restart\"", key: "tunnel.t.close_action"),
        Broken(what: "IPv4 local, IPv6 remote", toml: replacing("remote_address", with: "remote_address = \"2001:db8::1\""), key: "tunnel.t.remote_address", mentions: "IPv6"),
        Broken(what: "a route with ports", toml: base + "\nroutes = [\"10.2.0.0/16[tcp/443]\"]", key: "tunnel.t.routes", mentions: "CIDR"),
        Broken(what: "rekey_fuzz over 100 %", toml: base + "\nrekey_fuzz = 150", key: "tunnel.t.rekey_fuzz"),
        Broken(what: "missing remote_address", toml: replacing("remote_address", with: nil), key: "tunnel.t.remote_address", mentions: "%any"),
        Broken(what: "missing local_address", toml: replacing("local_address", with: nil), key: "tunnel.t.local_address"),
        Broken(what: "bad local_address", toml: replacing("local_address", with: "local_address = \"192.0.2.300\""), key: "tunnel.t.local_address"),
        Broken(what: "duplicate interface", toml: base + "\ninterface = \"ike0\"\n[tunnel.u]\nlocal_address = \"192.0.2.1\"\nremote_address = \"203.0.113.9\"\npsk = \"x\"\ninterface = \"ike0\"", key: "tunnel.u.interface", mentions: "tunnel.t"),
        Broken(what: "two tunnels to the same peer", toml: base + "\n[tunnel.u]\nlocal_address = \"192.0.2.1\"\nremote_address = \"198.51.100.1\"\npsk = \"x\"", key: "tunnel.u.remote_address"),
        Broken(what: "dpd_action misspelt", toml: base + "\ndpd_action = \"restrat\"", key: "tunnel.t.dpd_action", mentions: "is not one of clear, restart, none"),
        Broken(what: "dpd_timeout too short", toml: base + "\ndpd_timeout = \"5s\"", key: "tunnel.t.dpd_timeout"),
        Broken(what: "start_action start with %any", toml: replacing("remote_address", with: "remote_address = \"%any\"") + "\nstart_action = \"start\"", key: "tunnel.t.start_action"),
        Broken(what: "replay window too large", toml: base + "\nreplay_window = 5000", key: "tunnel.t.replay_window"),
        Broken(what: "MTU too small", toml: base + "\nmtu = 100", key: "tunnel.t.mtu"),
        Broken(what: "MSS above the MTU", toml: base + "\nmtu = 1400\nmss_clamp = 2000", key: "tunnel.t.mss_clamp"),
        Broken(what: "MSS above a 1500-byte packet's without mtu", toml: base + "\nmss_clamp = 1461", key: "tunnel.t.mss_clamp"),
        Broken(what: "interface name too long", toml: base + "\ninterface = \"a-very-long-interface-name\"", key: "tunnel.t.interface"),
        Broken(what: "default interface name too long", toml: base.replacingOccurrences(of: "[tunnel.t]", with: "[tunnel.a-long-tunnel-name]"), key: "tunnel.a-long-tunnel-name.interface"),
        Broken(what: "inside_address without prefix", toml: base + "\ninside_address = \"169.254.21.2\"", key: "tunnel.t.inside_address"),
        Broken(what: "unknown profile", toml: base + "\nprofile = \"amazon\"", key: "tunnel.t.profile"),
        Broken(what: "odd keyid", toml: base + "\nlocal_id = \"keyid:abc\"", key: "tunnel.t.local_id"),
        Broken(what: "wrong type", toml: base + "\nfragmentation = \"yes\"", key: "tunnel.t.fragmentation", mentions: "true or false"),
        Broken(what: "unknown top-level table", toml: base + "\n[tunnels.x]\na = 1", key: "tunnels", mentions: "did you mean tunnel"),
        Broken(what: "unknown daemon key", toml: "[daemon]\ncontrol_sock = \"/run/x\"\n" + base, key: "daemon.control_sock"),
        Broken(what: "port out of range", toml: "[daemon]\nike_port = 70000\n" + base, key: "daemon.ike_port"),
        Broken(what: "same IKE and NAT-T port", toml: "[daemon]\nike_port = 4500\n" + base, key: "daemon.nat_port"),
        Broken(what: "bad log level", toml: "[daemon]\nlog_level = \"verbose\"\n" + base, key: "daemon.log_level"),
        Broken(what: "unknown offload", toml: "[daemon]\noffloads = [\"batching\", \"tun-ts0\"]\n" + base, key: "daemon.offloads[1]",
               mentions: "did you mean tun-tso"),
        Broken(what: "half-open limit of zero", toml: "[daemon]\nhalf_open_limit = 0\n" + base, key: "daemon.half_open_limit"),
        Broken(what: "per-peer half-open limit above the total", toml: "[daemon]\nhalf_open_limit = 10\nhalf_open_per_peer = 11\ncookie_threshold = 5\n" + base,
               key: "daemon.half_open_per_peer", mentions: "half_open_limit"),
        Broken(what: "TOML syntax error", toml: base + "\nmtu = = 3", key: "iked.toml", mentions: "line"),
    ]

    @Test(arguments: broken)
    func brokenConfigIsRefusedNamingTheKey(_ b: Broken) throws {
        let path = try Self.write(b.toml, pskMode: b.pskMode)
        let result = try Self.check(path)
        #expect(result.status == 1, "exit status for \(b.what): \(result.status)")
        #expect(result.stderr.contains(b.key), "\(b.what): stderr should name \(b.key): \(result.stderr)")
        #expect(b.mentions.isEmpty || result.stderr.contains(b.mentions), "\(b.what): \(result.stderr)")
        #expect(!result.stderr.contains("a-shared-secret") && !result.stderr.contains("file-secret"), "no secret in messages")
    }

    @Test func thereAreAtLeast25BrokenCases() { #expect(Self.broken.count >= 25) }

    @Test func validMinimalConfigPasses() throws {
        let result = try Self.check(try Self.write(Self.base))
        #expect(result.status == 0)
        #expect(result.stdout.contains("is valid (1 tunnel)"))
    }

    @Test func shippedExampleIsValid() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iked-example-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let example = try String(contentsOf: Self.repo.appendingPathComponent("conf/iked.toml"), encoding: .utf8)
        try Data(example.utf8).write(to: dir.appendingPathComponent("iked.toml"))
        let psk = dir.appendingPathComponent("aws-vpc.psk")
        try Data("example\n".utf8).write(to: psk)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: psk.path)
        let result = try Self.check(dir.appendingPathComponent("iked.toml").path)
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func defaultsAndParsedValues() throws {
        let path = try Self.write(Self.replacing("psk", with: "psk_file = \"t.psk\"") + """

            ike_lifetime = "8h"
            child_lifetime = 3600
            rekey_margin = "4m30s"
            rekey_fuzz = "100%"
            local_id = "@azure-gw.example"
            remote_id = "keyid:0a0b"
            dpd_delay = 0
            """)
        let config = try ConfigLoader.load(path: path)
        let t = try #require(config.tunnels.first)
        #expect(t.ike.psk.bytes == Array("file-secret".utf8), "trailing newline trimmed")
        #expect(t.ike.ikeLifetime.time == .seconds(28800))
        #expect(t.ike.childLifetime.margin == .seconds(270) && t.ike.childLifetime.fuzz == 1.0)
        #expect(t.ike.localID == .fqdn("azure-gw.example"))
        #expect(t.ike.remoteID == .keyID([0x0a, 0x0b]))
        #expect(t.ike.dpdDelay == nil)
        #expect(t.interface == "ike-t" && t.startAction == .add)
        #expect(t.mtu == nil && t.mssClamp == .followMTU, "derived from the Child SA unless set")
        #expect(t.routes.map(\.notation) == ["10.2.0.0/16"])
        #expect(t.ike.ikeProposals.count == 2, "default proposals")
    }

    @Test func halfOpenLimitsAreDaemonSettings() throws {
        let defaults = try ConfigLoader.load(path: try Self.write(Self.base)).daemon
        #expect(defaults.halfOpenLimit == 1000 && defaults.halfOpenPerPeer == 20)
        let set = try ConfigLoader.load(path: try Self.write("[daemon]\ncookie_threshold = 5\nhalf_open_limit = 30\nhalf_open_per_peer = 4\n" + Self.base))
        #expect(set.daemon.halfOpenLimit == 30 && set.daemon.halfOpenPerPeer == 4 && set.warnings.isEmpty)
        let noCookies = try ConfigLoader.load(path: try Self.write("[daemon]\ncookie_threshold = 50\nhalf_open_limit = 50\n" + Self.base))
        #expect(noCookies.warnings.contains { $0.contains("daemon.cookie_threshold") && $0.contains("never asked") }, "\(noCookies.warnings)")
    }

    @Test func offloadsAllNoneOrAList() throws {
        func offloads(_ line: String) throws -> DatapathOffloads {
            try ConfigLoader.load(path: try Self.write("[daemon]\n\(line)\n" + Self.base)).daemon.offloads
        }
        #expect(try offloads("") == DatapathOffloads(Set(DatapathOffload.allCases)), "all by default")
        #expect(try offloads("offloads = \"all\"") == DatapathOffloads())
        #expect(try offloads("offloads = \"none\"").enabled.isEmpty)
        let some = try offloads("offloads = [\"batching\", \"tun-gro\"]")
        #expect(some.enabled == [.batching, .tunGRO])
        #expect(some.batching && !some.tunGRO, "merging before the TUN write needs the TUN's offload")
    }

    @Test func symlinkedKeyFileIsJudgedByItsTarget() throws {
        let path = try Self.write(Self.replacing("psk", with: "psk_file = \"link.psk\""))
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.psk", withDestinationPath: dir + "/t.psk")
        #expect(try Self.check(path).status == 0)
    }

    @Test func mtuAndMSSClampSettings() throws {
        func tunnel(_ extra: String) throws -> TunnelSettings {
            try #require(try ConfigLoader.parse(Self.base + extra, file: "x.toml").tunnels.first)
        }
        let fixed = try tunnel("\nmtu = 1500")
        #expect(fixed.mtu == 1500 && fixed.mssClamp == .followMTU && fixed.mssClamp.mss(mtu: 1500) == 1460, "explicit mtu wins")
        #expect(try tunnel("\nmss_clamp = 1350").mssClamp == .fixed(1350))
        #expect(try tunnel("\nmss_clamp = false").mssClamp.mss(mtu: 1446) == nil)
        #expect(try tunnel("").mssClamp.mss(mtu: 1446) == 1406, "follows the derived MTU")
    }

    /// Azure keeps connecting while NotConnected (DPD restart), except on a tunnel that only
    /// answers, where restart is refused and clear is the default.
    @Test func azureReconnectsUnlessItOnlyAnswers() throws {
        func tunnel(_ toml: String) throws -> TunnelSettings {
            try #require(try ConfigLoader.parse(toml + "\nprofile = \"azure\"", file: "x.toml").tunnels.first)
        }
        #expect(try tunnel(Self.base).ike.dpdAction == .restart)
        #expect(try tunnel(Self.base + "\nconnection_mode = \"ResponderOnly\"").ike.dpdAction == .clear)
        #expect(try tunnel(Self.replacing("remote_address", with: "remote_address = \"%any\"")).ike.dpdAction == .clear)
        #expect(try tunnel(Self.base + "\ndpd_action = \"clear\"").ike.dpdAction == .clear, "the file wins")
    }

    @Test func emptyRoutesMeanNone() throws {
        let config = try ConfigLoader.parse(Self.base + "\nroutes = []", file: "x.toml")
        #expect(config.tunnels.first?.routes.isEmpty == true)
    }

    @Test func defaultRouteIsNeverImplicit() throws {
        let config = try ConfigLoader.parse(Self.replacing("remote_ts", with: "remote_ts = \"0.0.0.0/0\""), file: "x.toml")
        #expect(config.tunnels.first?.routes.isEmpty == true)
    }

    @Test(arguments: [("90", 90), ("270s", 270), ("45m", 2700), ("8h", 28800), ("1h30m", 5400), ("2d", 172_800)])
    func durations(_ text: String, _ seconds: Int) { #expect(parseDuration(text) == seconds) }

    @Test(arguments: ["", "h", "8x", "1.5h", "-3s", "s8"])
    func badDurations(_ text: String) { #expect(parseDuration(text) == nil) }
}
