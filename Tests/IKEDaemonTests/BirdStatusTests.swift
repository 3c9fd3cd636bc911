import Foundation
import Testing
@testable import IKEDaemon

/// `BirdStatusParser` on real `birdc show protocols all` output (Tests/Fixtures/birdc, captured
/// from BIRD 2.0.12): the session state and the route counts `ikectl status` shows.
@Suite struct BirdStatusTests {
    static func fixture(_ name: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/birdc/\(name).txt")
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test func establishedWithTheAnnounceProtocolBeforeIt() throws {
        let all = BirdStatusParser.parse(try Self.fixture("pattern-established"))
        #expect(Set(all.keys) == ["iked_vpn_1", "iked_vpn_1_announce"])
        let s = try #require(all["iked_vpn_1"])
        #expect(s.proto == "BGP" && s.state == "up" && s.info == "Established")
        #expect(s.bgpState == "Established" && s.lastError == nil)
        #expect(s.imported == 1 && s.exported == 1)
        let a = try #require(all["iked_vpn_1_announce"])
        #expect(a.proto == "Static" && a.bgpState == nil && a.imported == 1 && a.exported == 0)
    }

    @Test func passiveSideEstablished() throws {
        let s = try #require(BirdStatusParser.parse(try Self.fixture("passive-established"))["iked_vpn_1"])
        #expect(s.bgpState == "Established" && s.imported == 1 && s.exported == 1)
    }

    @Test func sessionsThatAreNotUp() throws {
        let stopped = try #require(BirdStatusParser.parse(try Self.fixture("after-peer-stop"))["iked_vpn_1"])
        #expect(stopped.state == "start" && stopped.bgpState == "Active")
        #expect(stopped.lastError == "Received: Administrative shutdown" && stopped.info == "Active        Received: Administrative shutdown")
        #expect(stopped.imported == nil && stopped.exported == nil, "no Routes: line while the channel is down")
        let refused = try #require(BirdStatusParser.parse(try Self.fixture("active-refused"))["iked_vpn_1"])
        #expect(refused.bgpState == "Active" && refused.lastError == "Socket: Connection refused")
        let passive = try #require(BirdStatusParser.parse(try Self.fixture("passive-idle"))["iked_vpn_1"])
        #expect(passive.bgpState == "Passive" && passive.info == "Passive" && passive.lastError == nil)
        let disabled = try #require(BirdStatusParser.parse(try Self.fixture("disabled"))["iked_vpn_1"])
        #expect(disabled.state == "down" && disabled.bgpState == "Down")
    }

    @Test func messagesAndNothing() {
        #expect(BirdStatusParser.parse("BIRD 2.0.12 ready.\nNo protocols match\n").isEmpty)
        #expect(BirdStatusParser.parse("").isEmpty)
        #expect(BirdStatusParser.parse("Unable to connect to server control socket (/run/bird/bird.ctl): No such file or directory\n").isEmpty)
    }

    @Test func routeCountsBeyondBIRDsThirtyTwoBitsAreNotBIRDs() {
        #expect(BirdStatusParser.routeCounts("9223372036854775807 imported, 5 exported") == (nil, 5))
        #expect(BirdStatusParser.routeCounts("4294967295 imported, -1 exported") == (4_294_967_295, nil))
    }

    @Test func routeCountsWithFilteredRoutes() {
        #expect(BirdStatusParser.routeCounts("3 imported, 1 filtered, 2 exported, 3 preferred") == (3, 2))
    }
}
