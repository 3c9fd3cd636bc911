import Testing
@testable import IKECore

/// RFC 7296 §2.1–2.4: one outstanding request, retransmission on strongSwan's schedule, response
/// cache for retransmitted requests, out-of-window messages dropped with a reason.
struct MessageWindowTests {
    @Test func strongSwanScheduleAndGiveUp() {
        let s = RetransmitSchedule()
        #expect(s.timeout(afterAttempt: 0) == .seconds(4))
        #expect(s.timeout(afterAttempt: 1) == .milliseconds(7200))
        var w = RequestWindow()
        let first = w.sent([[1], [2]], now: .zero)
        let second = w.sent([[3]], now: .zero)
        #expect(first && !second)   // one outstanding request at a time
        var now = Duration.zero
        var retransmits = 0
        while true {
            now = w.nextDeadline ?? now
            switch w.handleTimeout(now: now) {
            case .retransmit(let d): #expect(d == [[1], [2]]); retransmits += 1
            case .giveUp(let id): #expect(id == 0); #expect(retransmits == 5)
                // 4 × (1 + 1.8 + … + 1.8^5) ≈ 165 s
                #expect(now > .seconds(164) && now < .seconds(166))
                #expect(w.isIdle && w.nextMessageID == 0)
                return
            case .none: Issue.record("deadline passed without action"); return
            }
        }
    }

    @Test func timeoutBeforeDeadlineDoesNothing() {
        var w = RequestWindow()
        _ = w.sent([[9]], now: .seconds(10))
        let early = w.handleTimeout(now: .seconds(13))
        let due = w.handleTimeout(now: .seconds(14))
        #expect(early == .none && due == .retransmit([[9]]))
        #expect(w.nextDeadline == .seconds(14) + .milliseconds(7200))
    }

    @Test func responseAdvancesOnlyForTheOutstandingID() {
        var w = RequestWindow(firstMessageID: 1)
        let unsolicited = w.receivedResponse(messageID: 1)   // nothing outstanding
        _ = w.sent([[1]], now: .zero)
        let wrongID = w.receivedResponse(messageID: 2)
        let answer = w.receivedResponse(messageID: 1)
        #expect(unsolicited == .unexpectedResponse && wrongID == .unexpectedResponse && answer == nil)
        #expect(w.isIdle && w.nextMessageID == 2)
        let duplicate = w.receivedResponse(messageID: 1)
        #expect(duplicate == .unexpectedResponse)
    }

    @Test func replaceKeepsMessageIDAndRestartsTimer() {
        var w = RequestWindow()
        _ = w.sent([[1]], now: .zero)
        _ = w.handleTimeout(now: .seconds(4))
        w.replace([[2]], now: .seconds(5))
        #expect(w.outstandingMessageID == 0 && w.nextDeadline == .seconds(9))
        let action = w.handleTimeout(now: .seconds(9))
        #expect(action == .retransmit([[2]]))
    }

    @Test func responderCachesAndDrops() {
        var r = ResponseWindow(firstMessageID: 1)
        #expect(r.classify(messageID: 0) == .drop(.oldRequest))
        #expect(r.classify(messageID: 2) == .drop(.futureRequest))
        #expect(r.classify(messageID: 1) == .process)
        r.responded(messageID: 1, datagrams: [[0xaa], [0xbb]])
        #expect(r.classify(messageID: 1) == .resend([[0xaa], [0xbb]]))
        #expect(r.classify(messageID: 2) == .process)
        r.responded(messageID: 2, datagrams: [[0xcc]])
        #expect(r.classify(messageID: 1) == .drop(.oldRequest))   // only the last response is kept
        r.responded(messageID: 7, datagrams: [[0]])                 // ignored: not the expected ID
        #expect(r.expected == 3)
    }
}
