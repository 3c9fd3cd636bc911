import Testing
@testable import IKECore

/// The engine's timer slack (`EngineSettings.timerSlack`; the daemon uses 1 s): idle timers
/// (DPD, NAT keepalives) may be served up to the slack late, so that one wake-up serves the
/// timers of many tunnels; retransmits, rekeys and lifetimes are never late.
@Suite struct TimerSlackSimTests {
    static func slack(_ s: Duration) -> EngineSettings {
        var e = EngineSettings()
        e.timerSlack = s
        return e
    }

    static func pair(slack: Duration) throws -> SimPair {
        var a = try SimConfig.tunnel(.a)
        a.dpdDelay = .seconds(10)
        var b = try SimConfig.tunnel(.b)
        b.dpdDelay = nil
        return try SimPair(a: [a], b: [b], settingsA: Self.slack(slack))
    }

    @Test func liveness_checks_come_within_the_slack_after_the_dpd_delay() throws {
        let pair = try Self.pair(slack: .seconds(1))
        try pair.a.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(120))
        #expect(pair.expectAgreement() == 1)
        // INFORMATIONAL { } --> 10 to 11 s after the last message A heard.
        let probes = pair.requests(.a, .informational).map(\.at)
        #expect(probes.count >= 9, "\(probes.count) probes in 120 s")
        for p in probes {
            let heard = try #require(pair.receivedAt[.a]!.last { $0 < p })
            #expect(p - heard >= .seconds(10) && p - heard <= .seconds(11), "probe \(p - heard) after the last message")
        }
    }

    @Test func the_engine_asks_to_wake_at_the_idle_deadline_plus_the_slack() throws {
        let pair = try Self.pair(slack: .seconds(1))
        try pair.a.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(2))
        let heard = try #require(pair.receivedAt[.a]!.last)
        #expect(pair.a.nextTimeout == heard + .seconds(11))
        let exact = try Self.pair(slack: .zero)
        try exact.a.initiate(tunnel: "t", now: exact.now)
        exact.run(for: .seconds(2))
        #expect(exact.a.nextTimeout == exact.receivedAt[.a]!.last! + .seconds(10))
    }

    @Test func rekeys_are_not_delayed_by_the_slack() throws {
        // A profile's rekey window is a promise (AWS: 780–840 s after IKE_AUTH); 1 s of slack
        // once put the Child SA rekey at 840.9 s. With no fuzz, the rekey is at one instant.
        func childRekeys(slack: Duration) throws -> [Duration] {
            var a = try SimConfig.tunnel(.a)
            a.dpdDelay = .seconds(10)
            a.childLifetime = Lifetime(time: .seconds(60), margin: .seconds(10), fuzz: 0)
            let pair = try SimPair(a: [a], b: [SimConfig.tunnel(.b)], settingsA: Self.slack(slack))
            try pair.a.initiate(tunnel: "t", now: pair.now)
            pair.run(for: .seconds(55))
            return pair.requests(.a, .createChildSA).map(\.at)
        }
        let exact = try childRekeys(slack: .zero)
        #expect(exact.count == 1)
        #expect(try childRekeys(slack: .seconds(1)) == exact)
    }

    @Test func retransmits_are_not_delayed_by_the_slack() throws {
        let pair = try Self.pair(slack: .seconds(1))
        pair.silent = [.b]
        try pair.a.initiate(tunnel: "t", now: pair.now)
        // IKE_SA_INIT --> (lost), again after 4 s, then 7.2 s later (RetransmitSchedule).
        #expect(pair.a.nextTimeout == .seconds(4))
        pair.run(for: .seconds(20))
        let sends = pair.requests(.a, .ikeSAInit).map(\.at)
        #expect(Array(sends.prefix(3)) == [.zero, .seconds(4), .seconds(4) + .milliseconds(7200)])
    }
}
