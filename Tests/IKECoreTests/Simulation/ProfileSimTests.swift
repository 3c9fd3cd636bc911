import IKECrypto
import IKEDaemon
import IKEWire
import Testing
@testable import IKECore

/// The cloud profiles on the simulated wire: both sides' `TunnelConfig` come from TOML through
/// `ConfigLoader.parse`, so these runs exercise the real profile defaults (docs/profiles.md,
/// ../shared/reference/clouds.md) and not hand-built copies of them. The simulator has no tick:
/// the clock jumps to the exact instant of the next delivery or timer, so timer checks below are
/// exact to the millisecond; `slack` only absorbs an exchange that had to wait for another one.
@Suite struct ProfileSimTests {
    static let psk = "CorrectHorseBatteryStaple"
    static let slack = Duration.milliseconds(100)

    /// One `[tunnel.t]` at `side`'s address facing the other side, with `lines` added.
    static func tunnel(_ side: SimPair.Side, _ lines: String) throws -> TunnelSettings {
        let (mine, theirs) = side == .a ? ("192.0.2.1", "198.51.100.1") : ("198.51.100.1", "192.0.2.1")
        let text = """
            [tunnel.t]
            local_address = "\(mine)"
            remote_address = "\(theirs)"
            psk = "\(psk)"
            \(lines)
            """
        return try #require(try ConfigLoader.parse(text, file: "\(side).toml").tunnels.first)
    }

    static func pair(_ a: TunnelSettings, _ b: TunnelSettings, seed: UInt64 = 1) throws -> SimPair {
        try SimPair(a: [a.ike], b: [b.ike], seed: seed)
    }

    // MARK: Azure meets AWS

    static let ikeChosen = "AES_CBC_256/AUTH_HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024"

    /// `profile = "azure"` (start_action start) against `profile = "aws"` with nothing else set.
    ///
    /// What gets chosen: AWS answers as responder in its own order of preference (CBC before GCM,
    /// SHA1 first), so of Azure's offers it takes the first CBC one, AES256/SHA1 with DH group 2,
    /// and for the Child SA in IKE_AUTH AES256/SHA1 rather than Azure's preferred AES256-GCM.
    /// AWS rekeys the Child SA every 3060–3330 s with PFS; Azure answers from its wider responder
    /// set (AES256/SHA1 with PFS 2 is its first match) and the KE AWS sends (group 2, its first)
    /// is the one Azure picks, so there is no INVALID_KE round. Azure's own Child SA lifetime
    /// (27000 s) never comes due: each AWS rekey starts a fresh one.
    ///
    /// An Azure-initiated Child SA rekey offers no PFS, which AWS never accepts: it is refused
    /// with NO_PROPOSAL_CHOSEN and the existing pair carries on until AWS rekeys it.
    @Test func theTwoCloudsDefaultsMeet() throws {
        let azure = try Self.tunnel(.a, "profile = \"azure\"")
        let aws = try Self.tunnel(.b, "profile = \"aws\"")
        #expect(azure.startAction == .start && aws.startAction == .add, "Azure initiates; AWS waits for it")
        let pair = try Self.pair(azure, aws, seed: 7)
        try pair.a.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(10))
        #expect(pair.expectAgreement() == 1)
        #expect(pair.a.ikeSAs().map(\.proposal) == [Self.ikeChosen] && pair.b.ikeSAs().map(\.proposal) == [Self.ikeChosen])
        #expect(pair.a.snapshot(tunnel: "t").children.map(\.proposal) == ["AES_CBC_256/AUTH_HMAC_SHA1_96/NO_EXT_SEQ"],
                "no PFS in IKE_AUTH; AWS's order picks CBC over Azure's first offer, GCM")

        var gaps = 0
        pair.invariant = { p in if p.matchingPairs() == 0 { gaps += 1 } }
        pair.run(for: .seconds(2 * 86_400))
        #expect(gaps == 0, "a matching Child SA pair at every step")
        #expect(pair.expectAgreement() == 1)
        #expect(pair.a.snapshot(tunnel: "t").children.map(\.proposal) == ["AES_CBC_256/AUTH_HMAC_SHA1_96/MODP_1024/NO_EXT_SEQ"],
                "rekeyed by AWS with PFS group 2, accepted from Azure's responder set")
        #expect(pair.a.ikeSAs().map(\.proposal) == [Self.ikeChosen], "IKE rekeys keep the same suite")

        let rekeysSeenByAzure = pair.events[.a]!.compactMap { if case .childSARekeyed(_, let n) = $0 { n.weInitiated } else { nil } }
        #expect(rekeysSeenByAzure.filter { $0 }.isEmpty, "Azure's 27000 s Child SA lifetime never comes due")
        #expect(rekeysSeenByAzure.filter { !$0 }.count >= 2 * 86_400 / 3330, "AWS rekeys at most every 3330 s: \(rekeysSeenByAzure.count)")
        #expect(pair.events[.b]!.rekeyed == rekeysSeenByAzure.count)
        #expect(pair.events[.a]!.ikeRekeyed >= 2 * 86_400 / 28530 && pair.events[.a]!.ikeRekeyed == pair.events[.b]!.ikeRekeyed)
        for side in [SimPair.Side.a, .b] {
            #expect(pair.events[side]!.childFailures.isEmpty && pair.events[side]!.failures.isEmpty, "\(side)")
        }
        #expect(!pair.log(.b, containing: "peer wants DH group"), "AWS's first group is the one Azure picks")
        #expect(pair.a.ikeSACount == 1 && pair.b.ikeSACount == 1)

        // Azure rekeys the Child SA itself: CREATE_CHILD_SA { N(REKEY_SA), SA (no KE), Ni, TSi, TSr } -->
        let before = try #require(pair.a.childSAs(tunnel: "t").first).id
        pair.a.rekeyChildSAs(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(10))
        //                                       <-- { N(NO_PROPOSAL_CHOSEN) }: AWS always wants PFS.
        #expect(pair.events[.a]!.childFailures.map(\.kind) == [.noProposalChosen])
        #expect(pair.log(.b, containing: "refusing CREATE_CHILD_SA: NO_PROPOSAL_CHOSEN"))
        #expect(pair.a.childSAs(tunnel: "t").map(\.id) == [before], "the old pair is kept")
        #expect(pair.expectAgreement() == 1)
        let awsRekeys = pair.events[.b]!.rekeyed
        pair.run(for: .seconds(3600))
        #expect(pair.events[.b]!.rekeyed == awsRekeys + 1, "AWS's next rekey goes through as before")
        #expect(gaps == 0 && pair.expectAgreement() == 1)
    }

    /// Azure Virtual WAN's Child SA lifetime is AWS's (3600 s), so Azure's rekey often comes
    /// first. It offers no PFS and AWS refuses it; the pair survives because AWS's own rekey,
    /// due at most 3330 s after the same install, replaces it before the 3600 s hard limit.
    @Test func azureVWANRekeysAreRefusedByAWSWithoutLosingThePair() throws {
        let pair = try Self.pair(try Self.tunnel(.a, "profile = \"azure-vwan\""), try Self.tunnel(.b, "profile = \"aws\""), seed: 11)
        try pair.a.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(10))
        var gaps = 0
        pair.invariant = { p in if p.matchingPairs() == 0 { gaps += 1 } }
        pair.run(for: .seconds(86_400))
        #expect(gaps == 0)
        #expect(pair.expectAgreement() == 1)
        let refused = pair.events[.a]!.childFailures
        #expect(!refused.isEmpty && refused.allSatisfy { $0.kind == .noProposalChosen }, "\(refused)")
        #expect(pair.events[.b]!.childFailures.isEmpty)
        let rekeys = pair.events[.b]!.compactMap { if case .childSARekeyed(_, let n) = $0 { n.weInitiated } else { nil } }
        #expect(rekeys.allSatisfy { $0 } && rekeys.count >= 86_400 / 3330, "every rekey that succeeded was AWS's: \(rekeys.count)")
        let deletions = pair.events[.a]!.compactMap { e -> FailureReason.Kind? in
            if case .childSADeleted(_, let r) = e { r?.kind } else { nil }
        }
        #expect(!deletions.contains(.expired), "no Child SA reached its hard lifetime: \(deletions)")
        print("azure-vwan vs aws, one day: \(refused.count) Azure rekeys refused, \(rekeys.count) AWS rekeys")
    }

    // MARK: Rekey timing

    /// AWS's rekey times on the wire: a Child SA is rekeyed between 3600 − 540 and 3600 − 270 s
    /// after it was installed (margin 270 s, fuzz 100 %), the IKE SA between 28800 − 540 and
    /// 28800 − 270 s after it was established. The peer's lifetimes are longer, so AWS always
    /// rekeys first; the peer initiates, as a customer gateway must under start_action add.
    @Test func awsRekeysWithinItsMarginAndFuzz() throws {
        let aws = try Self.tunnel(.a, "profile = \"aws\"")
        let peer = try Self.tunnel(.b, """
            ike_proposals = "aes256-sha256-modp2048"
            esp_proposals = "aes256gcm16-modp2048"
            ike_lifetime = "5d"
            child_lifetime = "10h"
            dpd_delay = 0
            """)
        let pair = try Self.pair(aws, peer, seed: 3)
        try pair.b.initiate(tunnel: "t", now: pair.now)
        // Three days: ~80 Child SA and ~9 IKE SA rekeys (no per-step invariant here, to stay
        // fast with a DPD probe every 10 s; theTwoCloudsDefaultsMeet checks for gaps).
        pair.run(for: .seconds(3 * 86_400))
        #expect(pair.expectAgreement() == 1)
        #expect(pair.requests(.b, .createChildSA).isEmpty, "the peer never rekeys first")

        // AWS's first PFS group is 2, which the peer does not take: only the first Child SA rekey
        // (of the IKE_AUTH Child SA, which has no group) is answered INVALID_KE_PAYLOAD(MODP_2048);
        // later rekeys offer the group in use. IKE rekeys offer the IKE SA's group.
        let retries = pair.logs[.a]!.filter { $0.message.contains("peer wants DH group") }.count
        #expect(retries == 1, "INVALID_KE rounds: \(retries)")
        // Each completed rekey began with AWS's first CREATE_CHILD_SA request after the previous
        // completion (a second one follows that INVALID_KE).
        let starts = pair.requests(.a, .createChildSA).map(\.at)
        var childAges: [Duration] = [], ikeAges: [Duration] = []
        var childInstalled: Duration?, ikeEstablished: Duration?, lastDone = Duration.zero
        for (at, event) in pair.timedEvents(.a) {
            func startedAt() -> Duration? { starts.first { $0 > lastDone && $0 <= at } }
            switch event {
            case .ikeSAEstablished: ikeEstablished = at; lastDone = at
            case .childSAInstalled: childInstalled = at
            case .childSARekeyed(_, let new):
                #expect(new.weInitiated)
                if let s = startedAt(), let i = childInstalled { childAges.append(s - i) } else { Issue.record("child rekey at \(at) without a start") }
                childInstalled = at
                lastDone = at
            case .ikeSARekeyed:
                if let s = startedAt(), let e = ikeEstablished { ikeAges.append(s - e) } else { Issue.record("IKE rekey at \(at) without a start") }
                ikeEstablished = at
                lastDone = at
            default: break
            }
        }
        #expect(childAges.count >= 3 * 86_400 / 3330, "\(childAges.count) Child SA rekeys")
        #expect(ikeAges.count >= 3 * 86_400 / 28530, "\(ikeAges.count) IKE SA rekeys")
        for age in childAges {
            #expect(age > .seconds(3600 - 540) && age <= .seconds(3600 - 270) + Self.slack, "Child SA rekeyed at age \(age)")
        }
        for age in ikeAges {
            #expect(age > .seconds(28800 - 540) && age <= .seconds(28800 - 270) + Self.slack, "IKE SA rekeyed at age \(age)")
        }
        let spread = childAges.max()! - childAges.min()!
        #expect(spread > .seconds(100), "the fuzz spreads the Child SA rekeys: \(spread)")
        #expect(ikeAges.max()! - ikeAges.min()! > .seconds(50), "and the IKE SA rekeys: \(ikeAges)")
        for side in [SimPair.Side.a, .b] {
            #expect(pair.events[side]!.childFailures.isEmpty && pair.events[side]!.failures.isEmpty, "\(side)")
        }
        print("aws rekey ages: child \(childAges.min()!)…\(childAges.max()!) over \(childAges.count), IKE \(ikeAges)")
    }

    // MARK: DPD timing

    /// An idle tunnel: the profile's side sends an empty INFORMATIONAL `delay` after the last
    /// message it received, again and again; when everything is dropped it declares the peer
    /// dead exactly `timeout` after the first unanswered probe, and clears the SAs; AWS stays
    /// down (`clear`), Azure's Default mode initiates again (`restart`).
    @Test(arguments: [("aws", 10, 40, DPDAction.clear), ("azure", 30, 45, DPDAction.restart)])
    func dpdProbesAndGivesUpOnTime(_ profile: String, _ delay: Int, _ timeout: Int, _ action: DPDAction) throws {
        let side = try Self.tunnel(.a, "profile = \"\(profile)\"")
        #expect(side.ike.dpdDelay == .seconds(delay) && side.ike.dpdTimeout == .seconds(timeout) && side.ike.dpdAction == action)
        // A plain peer that never probes, with proposals both clouds accept.
        let peer = try Self.tunnel(.b, """
            ike_proposals = "aes256-sha1-modp1024"
            esp_proposals = ["aes256-sha1", "aes256-sha1-modp1024"]
            dpd_delay = 0
            """)
        let pair = try Self.pair(side, peer)
        try pair.b.initiate(tunnel: "t", now: pair.now)
        pair.run(for: .seconds(Int64(delay * 12)))
        #expect(pair.expectAgreement() == 1)

        // INFORMATIONAL { } --> every `delay` s of silence from the peer.
        let probes = pair.requests(.a, .informational).map(\.at)
        #expect(probes.count >= 10, "\(probes.count) probes in \(delay * 12) s")
        #expect(probes.count == pair.logs[.a]!.filter { $0.message.hasPrefix("liveness check") }.count, "every INFORMATIONAL is a liveness check")
        #expect(pair.requests(.b, .informational).isEmpty)
        for p in probes {
            let heard = try #require(pair.receivedAt[.a]!.last { $0 < p })
            #expect(p - heard == .seconds(delay), "probe at \(p), \(p - heard) after the last message received")
        }

        // Now nothing gets through in either direction.
        let cut = pair.now
        pair.filter = { _, _ in true }
        pair.run(for: .seconds(Int64(delay + timeout + 30)))
        let first = try #require(pair.requests(.a, .informational).map(\.at).first { $0 >= cut })
        let heard = try #require(pair.receivedAt[.a]!.last)
        #expect(first - heard == .seconds(delay), "the unanswered probe also goes out after \(delay) s")
        let died = pair.timedEvents(.a).compactMap { at, e -> Duration? in
            if case .ikeSADeleted(_, let r) = e, r?.kind == .deadPeer { at } else { nil }
        }
        #expect(died.count == 1)
        if let d = died.first {
            #expect(d - first >= .seconds(timeout) && d - first <= .seconds(timeout) + Self.slack,
                    "declared dead \(d - first) after the first unanswered probe")
        }
        let retransmits = pair.requests(.a, .informational).filter { $0.at > first }.count
        #expect(retransmits >= 3, "the probe was retransmitted while waiting (\(retransmits))")
        #expect(pair.a.childSAs().isEmpty, "the dead peer's SAs are gone")
        let reinitiated = pair.requests(.a, .ikeSAInit).map(\.at)
        if action == .clear {
            #expect(pair.a.ikeSACount == 0, "dpd_action clear removes the SAs")
            #expect(reinitiated.isEmpty, "and does not initiate again")
        } else {
            #expect(reinitiated.first.map { d in died.first.map { $0 <= d } ?? false } == true,
                    "dpd_action restart initiates again once the peer is dead: \(reinitiated)")
        }
    }
}
