import Foundation
import LinuxNet
#if canImport(Glibc)
import Glibc
#endif

/// Keeps BIRD in step with the tunnels, off the event loop: the loop says which fragments should
/// exist (`install`, `remove`, `removeAll`) and asks for the sessions' state (`query`); one worker
/// thread writes and deletes the files in `bird_config_dir`, runs `birdc -s SOCKET configure`
/// when they changed and `birdc show protocols all "iked_*"` when asked, each bounded by
/// `timeout`, and hands the results back through a pipe the loop watches (`wakeFD`,
/// `takeReports`). IKE and ESP never wait for BIRD.
///
/// Invariant: the desired set, the pending queries and the reports are touched only under
/// `lock`; files and birdc belong to the worker alone. Requests that arrive while birdc runs are
/// merged into the next run (one configure for any number of tunnels coming and going).
final class BirdControl: @unchecked Sendable {
    /// What the worker did, for the loop to log, count and answer with.
    enum Report: Sendable {
        /// A sync of the directory to the desired set of `version`: the files added or changed
        /// and removed, and birdc's run (nil when nothing changed and no earlier configure had
        /// failed).
        case configured(version: Int, changed: [String], removed: [String], result: Subprocess.Result?)
        /// The directory could not be brought in step to `version` (its path and why).
        case fileError(version: Int, String)
        /// `query` tokens answered: the iked protocols by name, or why birdc failed.
        case status(tokens: [Int], protocols: [String: BirdProtocolStatus], error: String?)
    }

    let directory: String
    let socket: String
    /// The birdc to run; looked up in PATH.
    var birdc = "birdc"
    let timeout: Duration
    /// Readable when reports are waiting (the loop registers it).
    let wakeFD: Int32
    private let wakeWrite: Int32

    private let lock = NSCondition()
    private var desired: [String: String] = [:]
    /// Counts changes of `desired`; a report names the one it brought BIRD to.
    private var version = 0
    private var dirty = false
    private var queries: [Int] = []
    private var reports: [Report] = []
    private var busy = false
    private var started = false
    private var stopping = false
    private var exited = false
    /// The last configure failed (or never ran after a change): retried with the next sync.
    private var mustConfigure = false

    init(directory: String, socket: String, timeout: Duration = .seconds(5)) throws {
        self.directory = directory
        self.socket = socket
        self.timeout = timeout
        (wakeFD, wakeWrite) = try Subprocess.pipe(nonBlocking: true)
    }

    deinit {
        close(wakeFD)
        close(wakeWrite)
    }

    // MARK: The loop's side

    /// Starts the worker (once) and brings the directory in step: stale `iked_*.conf` files
    /// of an earlier run go.
    func start() {
        lock.lock()
        defer { lock.unlock() }
        guard !started else { return }
        started = true
        dirty = true
        let thread = Thread { [self] in work() }
        thread.name = "iked-bird"
        thread.start()
    }

    var isStarted: Bool { lock.lock(); defer { lock.unlock() }; return started }

    /// The version of the desired set now (see `Report.configured`).
    var currentVersion: Int { lock.lock(); defer { lock.unlock() }; return version }

    /// The tunnel's fragment should be in BIRD (its first Child SA is installed).
    func install(tunnel: String, text: String) {
        update { $0[BirdConfig.fileName(tunnel)] = text }
    }

    /// The tunnel's fragment should go (its IKE SA is gone, or it was removed by a reload).
    func remove(tunnel: String) {
        update { $0[BirdConfig.fileName(tunnel)] = nil }
    }

    /// Every fragment should go (the daemon stops).
    func removeAll() { update { $0.removeAll() } }

    func isInstalled(_ tunnel: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return desired[BirdConfig.fileName(tunnel)] != nil
    }

    private func update(_ change: (inout [String: String]) -> Void) {
        lock.lock()
        let before = desired
        change(&desired)
        if desired != before {
            version += 1
            if started {
                dirty = true
                lock.signal()
            }
        }
        lock.unlock()
    }

    /// Asks for the sessions' state; answered by a `.status` report carrying `token`.
    func query(token: Int) {
        lock.lock()
        queries.append(token)
        lock.signal()
        lock.unlock()
    }

    /// The worker's results since the last call (the loop calls it when `wakeFD` is readable).
    func takeReports() -> [Report] {
        var sink = [UInt8](repeating: 0, count: 64)
        while read(wakeFD, &sink, sink.count) > 0 {}
        lock.lock()
        defer { lock.unlock() }
        let out = reports
        reports.removeAll()
        return out
    }

    /// Lets the worker finish what is asked (the last sync after `removeAll`), waiting at most
    /// `limit`; the daemon calls it as it exits.
    func finish(within limit: Duration) {
        lock.lock()
        defer { lock.unlock() }
        guard started else { return }
        stopping = true
        lock.signal()
        let deadline = Date().addingTimeInterval(Double(limit.components.seconds))
        while !exited, lock.wait(until: deadline) {}
    }

    // MARK: The worker

    private func work() {
        while true {
            lock.lock()
            while !dirty && queries.isEmpty && !stopping { lock.wait() }
            if dirty {
                dirty = false
                let snapshot = desired
                let configure = mustConfigure
                let v = version
                lock.unlock()
                let report = sync(snapshot, version: v, forceConfigure: configure)
                post(report)
                continue
            }
            if !queries.isEmpty {
                let tokens = queries
                queries.removeAll()
                lock.unlock()
                post(status(tokens))
                continue
            }
            // Stopping, and nothing left to do.
            exited = true
            lock.broadcast()
            lock.unlock()
            return
        }
    }

    private func post(_ report: Report) {
        lock.lock()
        reports.append(report)
        if case .configured(_, _, _, let result?) = report { mustConfigure = !result.succeeded }
        lock.unlock()
        var one: UInt8 = 1
        _ = write(wakeWrite, &one, 1)
    }

    /// Writes the fragments that differ, deletes the `iked_*.conf` files not wanted, and runs
    /// `birdc configure` if anything changed (or the last configure failed).
    private func sync(_ wanted: [String: String], version: Int, forceConfigure: Bool) -> Report {
        let files = BirdFiles(directory: directory)
        var changed: [String] = [], removed: [String] = []
        do {
            try files.ensureDirectory()
            for name in try files.list() where wanted[name] == nil {
                try files.remove(name)
                removed.append(name)
            }
            for (name, text) in wanted.sorted(by: { $0.key < $1.key }) where files.read(name) != text {
                try files.write(name, text)
                changed.append(name)
            }
        } catch {
            lock.lock()
            mustConfigure = true
            lock.unlock()
            return .fileError(version: version, "\(error)")
        }
        guard !changed.isEmpty || !removed.isEmpty || forceConfigure else {
            return .configured(version: version, changed: [], removed: [], result: nil)
        }
        return .configured(version: version, changed: changed, removed: removed,
                           result: Subprocess.run([birdc, "-s", socket, "configure"], timeout: timeout))
    }

    private func status(_ tokens: [Int]) -> Report {
        let r = Subprocess.run([birdc, "-s", socket, "show", "protocols", "all", "\"iked_*\""], timeout: timeout)
        let protocols = BirdStatusParser.parse(r.output)
        // "No protocols match" is an answer (exit status 1), not a failure.
        if r.succeeded || r.output.contains("No protocols match") {
            return .status(tokens: tokens, protocols: protocols, error: nil)
        }
        return .status(tokens: tokens, protocols: [:], error: BirdControl.describe(r, "birdc show protocols"))
    }

    /// "birdc configure: exit 1: <output>", one line.
    static func describe(_ r: Subprocess.Result, _ what: String) -> String {
        let output = r.output.split(separator: "\n").filter { !$0.hasPrefix("BIRD ") }.joined(separator: " | ")
        let how = r.timedOut ? "timed out" : r.status.map { "exit \($0)" } ?? "killed"
        return "\(what): \(how)\(output.isEmpty ? "" : ": \(output)")"
    }
}
