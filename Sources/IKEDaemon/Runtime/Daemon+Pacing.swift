import IKECore

/// Bring-up pacing: tunnels the daemon starts itself (start_action start, reload, close_action
/// restart) initiate at most `initiationWindow` at a time; the next starts when one is
/// established or fails, or after `initiationPatience`. A thousand IKE_SA_INITs at once would
/// overflow the sockets' receive buffers and the peers' half-open limits, and the retransmits
/// (4 s later) would cost more than waiting. `ikectl up` is not paced: it asked for now.
extension Daemon {
    /// Below a responding iked's half-open limit per peer address (`EngineSettings`, 20), so
    /// even when every tunnel goes to one peer daemon none is dropped; 16 handshakes in flight
    /// already keep both cores busy (a handshake costs a few ms of CPU, its round trips less).
    static let initiationWindow = 16
    static let initiationPatience: Duration = .seconds(10)

    /// Queues tunnels to initiate, each once.
    func queueInitiations(_ names: [String]) {
        for name in names where initiating[name] == nil && !initiationQueue.contains(name) {
            initiationQueue.append(name)
        }
    }

    /// Starts queued initiations while the window has room.
    func pumpInitiations(now: Duration) {
        guard stopDeadline == nil else {
            initiationQueue.removeAll()
            return
        }
        guard !initiationQueue.isEmpty else { return }
        for (name, started) in initiating where now >= started + Self.initiationPatience { initiating[name] = nil }
        var taken = 0
        while initiating.count < Self.initiationWindow, taken < initiationQueue.count {
            let name = initiationQueue[taken]
            taken += 1
            do {
                try engine.initiate(tunnel: name, now: now)
                metrics.initiating(name, now: now)
                initiating[name] = now
            } catch {
                logger.error("[\(name)] \(error)")
            }
        }
        initiationQueue.removeFirst(taken)
    }

    /// A tunnel's initiation ended (established or failed): its slot is free.
    func initiationEnded(_ tunnel: String) {
        initiating[tunnel] = nil
    }

    /// When a waiting initiation must start even if no slot frees (nil: none waits).
    var pacingDeadline: Duration? {
        guard !initiationQueue.isEmpty, let first = initiating.values.min() else { return nil }
        return first + Self.initiationPatience
    }

    /// True when queued initiations can start now.
    var canInitiateMore: Bool { !initiationQueue.isEmpty && initiating.count < Self.initiationWindow && stopDeadline == nil }
}
