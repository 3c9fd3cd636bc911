import Foundation
import LinuxNet
import Testing
@testable import IKEDaemon

/// BirdControl's worker against a fake birdc (a shell script that logs its arguments): the
/// fragments written (mode 644) and removed, stale ones of an earlier run cleaned, other files
/// left alone, one configure per change, failures reported with birdc's output, status queries
/// answered; and Subprocess's exit status, output and deadline.
@Suite struct BirdControlTests {
    final class Scratch {
        let dir: String
        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("iked-birdctl-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: dir) }

        /// A birdc that logs its arguments and answers like BIRD (or fails with `exit`).
        func fakeBirdc(exit code: Int = 0) throws -> String {
            let path = "\(dir)/birdc"
            try """
                #!/bin/sh
                echo "$*" >> \(dir)/calls
                echo "BIRD 2.0.12 ready."
                case "$*" in
                  *configure*) echo "Reading configuration from /etc/bird/bird.conf"; [ \(code) = 0 ] && echo Reconfigured || echo "iked_t.conf:3:1 syntax error" ;;
                  *show*) cat \(dir)/show 2>/dev/null || echo "No protocols match" ;;
                esac
                exit \(code)
                """.write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o755)
            return path
        }

        var calls: [String] { ((try? String(contentsOfFile: "\(dir)/calls", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
    }

    /// Reports until `done` says enough, or 5 s.
    static func collect(_ bird: BirdControl, until done: ([BirdControl.Report]) -> Bool) -> [BirdControl.Report] {
        var all: [BirdControl.Report] = []
        for _ in 0..<500 {
            all += bird.takeReports()
            if done(all) { break }
            usleep(10_000)
        }
        return all
    }

    static func configured(_ r: [BirdControl.Report]) -> [(changed: [String], removed: [String], result: Subprocess.Result?)] {
        r.compactMap { if case .configured(_, let c, let d, let x) = $0 { (c, d, x) } else { nil } }
    }

    @Test func fragmentsComeAndGoWithOneConfigureEach() throws {
        let s = try Scratch()
        let include = "\(s.dir)/iked.d"
        try FileManager.default.createDirectory(atPath: include, withIntermediateDirectories: true)
        try "stale".write(toFile: "\(include)/iked_old.conf", atomically: true, encoding: .utf8)
        try "mine".write(toFile: "\(include)/operator.conf", atomically: true, encoding: .utf8)
        let bird = try BirdControl(directory: include, socket: "/run/test.ctl")
        bird.birdc = try s.fakeBirdc()
        bird.start()
        var reports = Self.collect(bird) { !Self.configured($0).isEmpty }
        #expect(Self.configured(reports).first?.removed == ["iked_old.conf"], "a crashed run's fragment is cleaned at start")
        #expect(FileManager.default.fileExists(atPath: "\(include)/operator.conf"), "other files are not touched")

        bird.install(tunnel: "vpn-1", text: "protocol bgp iked_vpn_1 {}\n")
        reports = Self.collect(bird) { !Self.configured($0).isEmpty }
        let up = try #require(Self.configured(reports).first)
        #expect(up.changed == ["iked_vpn_1.conf"] && up.result?.succeeded == true)
        #expect(try String(contentsOfFile: "\(include)/iked_vpn_1.conf", encoding: .utf8) == "protocol bgp iked_vpn_1 {}\n")
        let mode = try FileManager.default.attributesOfItem(atPath: "\(include)/iked_vpn_1.conf")[.posixPermissions] as? Int
        #expect(mode == 0o644)
        #expect(bird.isInstalled("vpn-1"))

        bird.remove(tunnel: "vpn-1")
        reports = Self.collect(bird) { !Self.configured($0).isEmpty }
        #expect(Self.configured(reports).first?.removed == ["iked_vpn_1.conf"])
        #expect(!FileManager.default.fileExists(atPath: "\(include)/iked_vpn_1.conf"))
        #expect(s.calls == Array(repeating: "-s /run/test.ctl configure", count: 3))
        bird.finish(within: .seconds(2))
    }

    @Test func aFailedConfigureIsReportedWithBirdcsOutputAndRetried() throws {
        let s = try Scratch()
        let bird = try BirdControl(directory: "\(s.dir)/new/iked.d", socket: "/run/test.ctl")
        bird.birdc = try s.fakeBirdc(exit: 1)
        bird.start()
        _ = Self.collect(bird) { !Self.configured($0).isEmpty }
        bird.install(tunnel: "t", text: "x\n")
        let failed = try #require(Self.configured(Self.collect(bird) { !Self.configured($0).isEmpty }).first?.result)
        #expect(!failed.succeeded && failed.status == 1)
        #expect(BirdControl.describe(failed, "birdc configure") == "birdc configure: exit 1: Reading configuration from /etc/bird/bird.conf | iked_t.conf:3:1 syntax error")
        #expect(FileManager.default.fileExists(atPath: "\(s.dir)/new/iked.d/iked_t.conf"), "the directory is created")
        // The next change runs configure again.
        bird.install(tunnel: "u", text: "y\n")
        _ = Self.collect(bird) { !Self.configured($0).isEmpty }
        #expect(s.calls.count == 2)
        bird.finish(within: .seconds(2))
    }

    @Test func statusQueriesAreAnsweredTogether() throws {
        let s = try Scratch()
        try BirdStatusTests.fixture("pattern-established").write(toFile: "\(s.dir)/show", atomically: true, encoding: .utf8)
        let bird = try BirdControl(directory: "\(s.dir)/d", socket: "/run/test.ctl")
        bird.birdc = try s.fakeBirdc()
        bird.start()
        bird.query(token: 1)
        bird.query(token: 2)
        func tokens(_ r: [BirdControl.Report]) -> Set<Int> {
            var out: Set<Int> = []
            for case .status(let t, _, _) in r { out.formUnion(t) }
            return out
        }
        let reports = Self.collect(bird) { tokens($0) == [1, 2] }
        let answers = reports.compactMap { if case .status(_, let p, let e) = $0 { (p, e) } else { nil } }
        #expect(answers.allSatisfy { $0.1 == nil && $0.0["iked_vpn_1"]?.bgpState == "Established" })
        #expect(s.calls.contains("-s /run/test.ctl show protocols all \"iked_*\""))
        bird.finish(within: .seconds(2))
    }

    @Test func subprocessStatusOutputAndDeadline() {
        let r = Subprocess.run(["sh", "-c", "echo out; echo err >&2; exit 3"], timeout: .seconds(5))
        #expect(r.status == 3 && r.output == "out\nerr\n" && !r.timedOut)
        let start = ContinuousClock.now
        let slow = Subprocess.run(["sleep", "10"], timeout: .milliseconds(300))
        #expect(slow.timedOut && slow.status == nil && ContinuousClock.now - start < .seconds(3))
        let missing = Subprocess.run(["/nonexistent/birdc"], timeout: .seconds(1))
        #expect(missing.status != 0 && missing.output.contains("No such file"))
    }
}
