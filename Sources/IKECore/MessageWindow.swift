/// Retransmission timing (RFC 7296 §2.1, §2.4): attempt n waits `initial × factor^n`; after
/// `retries` retransmissions the next timeout gives up. The default is strongSwan's
/// (4 s × 1.8^n, 5 retransmissions: about 165 s until the peer is declared dead).
public struct RetransmitSchedule: Hashable, Sendable {
    public var initial: Duration
    public var factor: Double
    public var retries: Int

    public init(initial: Duration = .seconds(4), factor: Double = 1.8, retries: Int = 5) {
        self.initial = initial
        self.factor = factor
        self.retries = retries
    }

    /// How long to wait after sending attempt `n` (0 = the first transmission), to the millisecond.
    public func timeout(afterAttempt n: Int) -> Duration {
        var ms = initial.inMilliseconds
        for _ in 0..<max(0, n) { ms *= factor }
        return .milliseconds(Int64(ms.rounded()))
    }
}

/// Why a message was dropped by the window, for counters (issue 10 counts every drop by reason).
public enum WindowDrop: String, Hashable, Sendable, CaseIterable {
    case unexpectedResponse   // a response to no outstanding request, or to another message ID
    case oldRequest           // a request older than the last one answered (RFC 7296 §2.2)
    case futureRequest        // a request beyond the window (we advertise a window of 1)
}

/// Our side of the exchanges we initiate (RFC 7296 §2.1–2.3) with a window of one: one
/// outstanding request, retransmitted unchanged (all its fragments) on timeout. Invariant:
/// `nextMessageID` only moves when the response to the outstanding request arrives.
public struct RequestWindow: Sendable {
    /// What a timeout asks the caller to do.
    public enum TimeoutAction: Equatable, Sendable {
        case none
        case retransmit([[UInt8]])
        /// The peer did not answer any transmission: the IKE SA is dead (RFC 7296 §2.4).
        case giveUp(messageID: UInt32)
    }

    struct Outstanding: Sendable {
        var messageID: UInt32
        var datagrams: [[UInt8]]
        var attempt: Int
        var deadline: Duration
    }

    public let schedule: RetransmitSchedule
    public private(set) var nextMessageID: UInt32
    var outstanding: Outstanding?

    public init(firstMessageID: UInt32 = 0, schedule: RetransmitSchedule = RetransmitSchedule()) {
        self.schedule = schedule
        self.nextMessageID = firstMessageID
    }

    /// True when a new request may be sent (no request is waiting for its response).
    public var isIdle: Bool { outstanding == nil }
    /// The message ID of the request waiting for a response.
    public var outstandingMessageID: UInt32? { outstanding?.messageID }
    /// When `handleTimeout` next has something to do.
    public var nextDeadline: Duration? { outstanding?.deadline }

    /// Records a request just sent (it must carry `nextMessageID`); false if one is outstanding.
    public mutating func sent(_ datagrams: [[UInt8]], now: Duration) -> Bool {
        guard outstanding == nil else { return false }
        outstanding = Outstanding(messageID: nextMessageID, datagrams: datagrams, attempt: 0,
                                  deadline: now + schedule.timeout(afterAttempt: 0))
        return true
    }

    /// Replaces the stored request (e.g. IKE_SA_INIT resent with a COOKIE or another KE group,
    /// RFC 7296 §2.6, §1.2) and restarts its timer; the message ID stays.
    public mutating func replace(_ datagrams: [[UInt8]], now: Duration) {
        guard outstanding != nil else { return }
        outstanding?.datagrams = datagrams
        outstanding?.attempt = 0
        outstanding?.deadline = now + schedule.timeout(afterAttempt: 0)
    }

    /// A response arrived: accepted if it answers the outstanding request.
    public mutating func receivedResponse(messageID: UInt32) -> WindowDrop? {
        guard let o = outstanding, o.messageID == messageID else { return .unexpectedResponse }
        outstanding = nil
        nextMessageID &+= 1
        return nil
    }

    /// With `giveUp` false the request keeps being retransmitted at the schedule's longest
    /// interval (a liveness check bounded by its own timeout instead).
    public mutating func handleTimeout(now: Duration, giveUp: Bool = true) -> TimeoutAction {
        guard var o = outstanding, now >= o.deadline else { return .none }
        guard o.attempt < schedule.retries || !giveUp else {
            outstanding = nil
            return .giveUp(messageID: o.messageID)
        }
        o.attempt = min(o.attempt + 1, schedule.retries)
        o.deadline = now + schedule.timeout(afterAttempt: o.attempt)
        outstanding = o
        return .retransmit(o.datagrams)
    }
}

/// The peer's requests to us (RFC 7296 §2.2): each new request must carry the next message ID;
/// a retransmission of the last one is answered from the cache without processing it again;
/// anything else is dropped. Invariant: `cached` is the response to `expected - 1`.
public struct ResponseWindow: Sendable {
    /// What to do with an incoming request.
    public enum Verdict: Equatable, Sendable {
        /// A new request: process it, then call `responded`.
        case process
        /// A retransmission: send these cached datagrams again.
        case resend([[UInt8]])
        case drop(WindowDrop)
    }

    public private(set) var expected: UInt32
    var cached: (messageID: UInt32, datagrams: [[UInt8]])?

    public init(firstMessageID: UInt32 = 0) { expected = firstMessageID }

    public func classify(messageID: UInt32) -> Verdict {
        if messageID == expected { return .process }
        if let c = cached, c.messageID == messageID { return .resend(c.datagrams) }
        return .drop(messageID < expected ? .oldRequest : .futureRequest)
    }

    /// Records the response sent to the request `messageID` (which `classify` said to process).
    public mutating func responded(messageID: UInt32, datagrams: [[UInt8]]) {
        guard messageID == expected else { return }
        cached = (messageID, datagrams)
        expected &+= 1
    }
}

extension Duration {
    /// The duration in milliseconds, as a Double (for ratios, backoff and random offsets).
    public var inMilliseconds: Double {
        let c = components
        return Double(c.seconds) * 1000 + Double(c.attoseconds) / 1e15
    }
}
