import Testing
import IKECrypto
@testable import ESPCore

/// The obvious model of RFC 4303 §3.4.3: every number seen, and the right edge T.
/// Rules: 0 never; size 0 accepts the rest; right of T is new; W or more behind T is too old;
/// otherwise new unless seen.
private struct ModelWindow {
    let size: UInt64
    var seen = Set<UInt64>()
    var highest: UInt64 = 0

    init(size: Int) { self.size = UInt64(size) }

    func check(_ s: UInt64) -> ReplayWindow.Verdict {
        if s == 0 { return .tooOld }
        if size == 0 || s > highest { return .accept(sequence: s) }
        if highest - s >= size { return .tooOld }
        return seen.contains(s) ? .duplicate : .accept(sequence: s)
    }

    mutating func mark(_ s: UInt64) {
        seen.insert(s)
        highest = max(highest, s)
    }
}

private func low(_ s: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: s) }

/// Fisher–Yates with the seeded generator.
private func shuffled<T>(_ items: [T], _ rng: SeededRandom) -> [T] {
    var a = items
    for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, rng.next(below: i + 1)) }
    return a
}

private let twoTo32: UInt64 = 1 << 32

@Suite("ReplayWindow: 32-bit sequence numbers (RFC 4303 §3.4.3)")
struct ReplayWindowTests {
    @Test func sizeIsRoundedUpToWholeWords() {
        #expect(ReplayWindow(size: 0, extendedSequenceNumbers: false).size == 0)
        #expect(ReplayWindow(size: 1, extendedSequenceNumbers: false).size == 64)
        #expect(ReplayWindow(size: 32, extendedSequenceNumbers: false).size == 64)
        #expect(ReplayWindow(size: 64, extendedSequenceNumbers: false).size == 64)
        #expect(ReplayWindow(size: 65, extendedSequenceNumbers: false).size == 128)
        #expect(ReplayWindow(size: 2048, extendedSequenceNumbers: true).size == 2048)
        #expect(ReplayWindow(size: ReplayWindow.maximumSize, extendedSequenceNumbers: false).size == 4096)
    }

    @Test func inOrderPacketsAreAcceptedOnce() {
        var w = ReplayWindow(size: 64, extendedSequenceNumbers: false)
        for s in UInt32(1)...5000 {
            #expect(w.check(s) == .accept(sequence: UInt64(s)))
            let marked = w.markSeen(UInt64(s))
            #expect(marked)
            #expect(w.check(s) == .duplicate)
            #expect(w.highest == UInt64(s))
        }
    }

    @Test func zeroIsNeverValid() {
        var w = ReplayWindow(size: 64, extendedSequenceNumbers: false)
        #expect(w.check(0) == .tooOld)
        let marked = w.markSeen(0)
        #expect(!marked)
        w.markSeen(10)
        #expect(w.check(0) == .tooOld)
        #expect(w.highest == 10)
    }

    @Test func duplicatesAreRejectedAndMarkSeenRefusesThem() {
        var w = ReplayWindow(size: 128, extendedSequenceNumbers: false)
        for s in [UInt64(5), 3, 9, 4, 100] {
            let marked = w.markSeen(s)
            #expect(marked)
        }
        for s in [UInt32(5), 3, 9, 4, 100] { #expect(w.check(s) == .duplicate) }
        for s in [UInt32(1), 2, 6, 99] { #expect(w.check(s) == .accept(sequence: UInt64(s))) }
        // Two copies both passed check before either was marked (a batch): the second is refused.
        let second9 = w.markSeen(9), second100 = w.markSeen(100)
        #expect(!second9 && !second100)
        #expect(w.highest == 100)
    }

    /// RFC 4303 §3.4.3: the window holds T−W+1 ... T. W−1 behind is inside; W and W+1 are not.
    @Test(arguments: [32, 64, 1024, 2048, 4096])
    func windowEdge(size: Int) {
        let t: UInt64 = 10_000
        var w = ReplayWindow(size: size, extendedSequenceNumbers: false)
        let width = UInt64(w.size)
        w.markSeen(t)
        #expect(w.check(low(t - (width - 1))) == .accept(sequence: t - (width - 1)))
        #expect(w.check(low(t - width)) == .tooOld)
        #expect(w.check(low(t - width - 1)) == .tooOld)
        let outside = w.markSeen(t - width), leftmost = w.markSeen(t - (width - 1))
        #expect(!outside && leftmost)
        #expect(w.check(low(t - (width - 1))) == .duplicate)
        // One more to the right pushes that leftmost number out.
        w.markSeen(t + 1)
        #expect(w.check(low(t - (width - 1))) == .tooOld)
        #expect(w.check(low(t - (width - 2))) == .accept(sequence: t - (width - 2)))
    }

    @Test func bigJumpsClearTheSkippedBits() {
        var w = ReplayWindow(size: 64, extendedSequenceNumbers: false)
        for s in UInt64(1)...64 { w.markSeen(s) }
        // Jump by W−1: 64 stays inside and stays seen; 65...126 were never seen.
        w.markSeen(127)
        #expect(w.check(64) == .duplicate)
        #expect(w.check(63) == .tooOld)
        for s in UInt32(65)...126 { #expect(w.check(s) == .accept(sequence: UInt64(s))) }
        // Jump by exactly the ring (two words here): numbers that alias old bits read as new.
        for s in UInt64(100)...127 where s != 127 { w.markSeen(s) }
        w.markSeen(127 + 128)
        for s in UInt32(127 + 128 - 63)...(127 + 127) { #expect(w.check(s) == .accept(sequence: UInt64(s))) }
        // A jump far larger than the window.
        w.markSeen(1_000_000)
        #expect(w.check(1_000_000) == .duplicate)
        #expect(w.check(1_000_000 - 64) == .tooOld)
        for s in UInt32(1_000_000 - 63)..<1_000_000 { #expect(w.check(s) == .accept(sequence: UInt64(s))) }
        w.markSeen(UInt64(UInt32.max))
        #expect(w.check(UInt32.max) == .duplicate)
        #expect(w.check(UInt32.max - 1) == .accept(sequence: UInt64(UInt32.max - 1)))
    }

    @Test func checkNeverChangesState() {
        var w = ReplayWindow(size: 64, extendedSequenceNumbers: false)
        for s in UInt64(1)...40 where s % 3 != 0 { w.markSeen(s) }
        let before = w.highest
        for s in UInt32(0)...200 {
            let first = w.check(s)
            #expect(w.check(s) == first)
        }
        #expect(w.highest == before)
        #expect(w.check(3) == .accept(sequence: 3))
        #expect(w.check(4) == .duplicate)
        #expect(w.check(41) == .accept(sequence: 41))
    }

    @Test func sizeZeroAcceptsEverythingButZero() {
        var w = ReplayWindow(size: 0, extendedSequenceNumbers: false)
        #expect(w.check(0) == .tooOld)
        for s in [UInt32(7), 7, 1, UInt32.max, 1, 7] {
            #expect(w.check(s) == .accept(sequence: UInt64(s)))
            let marked = w.markSeen(UInt64(s))
            #expect(marked)
        }
        #expect(w.highest == UInt64(UInt32.max))
        #expect(w.check(0) == .tooOld)
    }

    /// Window-sized batches delivered in random order with each packet twice: each number is
    /// accepted exactly once.
    @Test(arguments: [32, 64, 1024, 4096])
    func shuffledBatchesAreAcceptedExactlyOnce(size: Int) {
        let rng = SeededRandom(seed: 0x5EED_0000 + UInt64(size))
        var w = ReplayWindow(size: size, extendedSequenceNumbers: false)
        let width = UInt64(w.size)
        var base: UInt64 = 0
        for _ in 0..<8 {
            let batch = Array((base + 1)...(base + width))
            var accepted = Set<UInt64>()
            for s in shuffled(batch + batch, rng) {
                if case .accept(let seq) = w.check(low(s)) {
                    #expect(seq == s)
                    let marked = w.markSeen(seq)
                    #expect(marked)
                    #expect(accepted.insert(seq).inserted)
                }
            }
            #expect(accepted.count == batch.count)
            base += width
        }
    }

    /// 100k random operations per size and seed against the model: in-order, reordered inside
    /// the window, at its edge, replays of recent packets, jumps small and large, zero; 5% of accepted packets fail
    /// their ICV and are not marked; some refused numbers are passed to markSeen anyway.
    @Test(arguments: [32, 64, 1024, 2048, 4096], [UInt64(1), 2, 3])
    func matchesTheModel(size: Int, seed: UInt64) {
        let rng = SeededRandom(seed: seed &* 0x9E37_79B9 &+ UInt64(size))
        var w = ReplayWindow(size: size, extendedSequenceNumbers: false)
        var model = ModelWindow(size: w.size)
        var mismatches = 0, accepts = 0, duplicates = 0, tooOld = 0
        var recent = [UInt64](repeating: 0, count: 64)   // recently marked numbers, to replay
        for step in 0..<100_000 {
            let s = rng.next(below: 100) < 10
                ? recent[rng.next(below: recent.count)]
                : candidate(highest: model.highest, width: UInt64(w.size), rng)
            let verdict = w.check(low(s))
            let expected = model.check(s)
            if verdict != expected || w.check(low(s)) != verdict {
                mismatches += 1
                if mismatches <= 3 { Issue.record("step \(step): \(s) gave \(verdict), model \(expected), T=\(model.highest)") }
                continue
            }
            switch verdict {
            case .accept(let seq):
                accepts += 1
                if rng.next(below: 100) < 95 {
                    if !w.markSeen(seq) { mismatches += 1 }
                    model.mark(seq)
                    recent[step % recent.count] = seq
                }
            case .duplicate, .tooOld:
                if verdict == .duplicate { duplicates += 1 } else { tooOld += 1 }
                if rng.next(below: 100) < 5 {
                    let t = w.highest
                    if w.markSeen(s) || w.highest != t { mismatches += 1 }
                }
            }
            if w.highest != model.highest { mismatches += 1 }
        }
        #expect(mismatches == 0)
        // Every path was exercised.
        #expect(accepts > 10_000)
        #expect(duplicates > 1_000)
        #expect(tooOld > 1_000)
    }

    /// A sequence number to offer next, mostly near the right edge T, never above 2^32 − 1.
    private func candidate(highest t: UInt64, width: UInt64, _ rng: SeededRandom) -> UInt64 {
        func r(_ n: UInt64) -> UInt64 { rng.next() % n }
        let s: UInt64
        switch rng.next(below: 100) {
        case 0..<30: s = t + 1 + r(4)                                // in order, small gaps
        case 30..<70: s = t - min(t, r(width))                       // inside the window
        case 70..<80: s = t - min(t, width - 2 + r(4))               // around the left edge
        case 80..<90: s = t - min(t, r(2 * width + 64))              // inside and left of it
        case 90..<97: s = t + r(2 * width)                           // jumps within the ring
        case 97..<99: s = t + width * (1 + r(8)) + r(width)          // jumps past the window
        default: s = 0
        }
        return min(s, UInt64(UInt32.max))
    }
}

@Suite("ReplayWindow: extended sequence numbers (RFC 4303 Appendix A2.2)")
struct ReplayWindowESNTests {
    @Test func crossingTwoTo32InOrder() {
        var w = ReplayWindow(size: 64, extendedSequenceNumbers: true)
        w.markSeen(twoTo32 - 10)   // a window that has been running for a while
        for s in (twoTo32 - 9)...(twoTo32 + 100) {
            #expect(w.check(low(s)) == .accept(sequence: s))
            let marked = w.markSeen(s)
            #expect(marked)
            #expect(w.check(low(s)) == .duplicate)
        }
        #expect(w.highest == twoTo32 + 100)
    }

    /// Case A (Tl ≥ W − 1) with Seql < Bl: the next subspace.
    @Test func caseAWrapsAheadIntoTheNextSubspace() {
        var w = ReplayWindow(size: 64, extendedSequenceNumbers: true)
        w.markSeen(twoTo32 - 1)
        #expect(w.check(0) == .accept(sequence: twoTo32))          // low bits 0 are valid here
        #expect(w.check(3) == .accept(sequence: twoTo32 + 3))
        #expect(w.check(low(twoTo32 - 5)) == .accept(sequence: twoTo32 - 5))
        #expect(w.check(low(twoTo32 - 1)) == .duplicate)
    }

    /// Case B (Tl < W − 1) with Seql ≥ Bl: a late packet from the previous subspace.
    @Test func latePacketFromThePreviousEpoch() {
        var w = ReplayWindow(size: 64, extendedSequenceNumbers: true)
        w.markSeen(twoTo32 - 20)
        w.markSeen(twoTo32 + 5)
        #expect(w.check(0xFFFF_FFF0) == .accept(sequence: twoTo32 - 16))
        #expect(w.check(low(twoTo32 - 20)) == .duplicate)
        let marked = w.markSeen(twoTo32 - 16)
        #expect(marked)
        #expect(w.check(0xFFFF_FFF0) == .duplicate)
        // The leftmost number of the window, W − 1 behind T, is still the previous subspace.
        #expect(w.check(low(twoTo32 + 5 - 63)) == .accept(sequence: twoTo32 + 5 - 63))
        // W behind: per A2.2 it is taken for the next subspace; its ICV then fails.
        #expect(w.check(low(twoTo32 + 5 - 64)) == .accept(sequence: 2 * twoTo32 + 5 - 64))
        // Ahead in the current subspace.
        #expect(w.check(6) == .accept(sequence: twoTo32 + 6))
    }

    @Test func numbersBeforeTheFirstPacketAreRejected() {
        let w = ReplayWindow(size: 1024, extendedSequenceNumbers: true)
        #expect(w.check(0) == .tooOld)                   // 64-bit 0: never sent
        #expect(w.check(UInt32.max) == .tooOld)          // case B, Seqh would be −1
        #expect(w.check(UInt32.max - 1022) == .tooOld)   // Bl exactly
        #expect(w.check(UInt32.max - 1023) == .accept(sequence: UInt64(UInt32.max - 1023)))
        #expect(w.check(1) == .accept(sequence: 1))
    }

    @Test(arguments: [64, 1024])
    func reorderedAroundTheBoundary(size: Int) {
        let rng = SeededRandom(seed: 42 + UInt64(size))
        var w = ReplayWindow(size: size, extendedSequenceNumbers: true)
        w.markSeen(twoTo32 - 30)
        let around = Array((twoTo32 - 29)...(twoTo32 + 30))
        var accepted = Set<UInt64>()
        for s in shuffled(around + around, rng) {
            switch w.check(low(s)) {
            case .accept(let seq):
                #expect(seq == s)
                let marked = w.markSeen(seq)
                #expect(marked)
                accepted.insert(seq)
            case .duplicate: #expect(accepted.contains(s))
            case .tooOld: Issue.record("\(s) too old")
            }
        }
        #expect(accepted.count == around.count)
        #expect(w.highest == twoTo32 + 30)
    }

    @Test func checkNeverChangesState() {
        var w = ReplayWindow(size: 64, extendedSequenceNumbers: true)
        w.markSeen(twoTo32 + 3)
        for s in [UInt32(0), 1, 3, 4, 0xFFFF_FFF0, 0x8000_0000, UInt32.max] {
            let first = w.check(s)
            #expect(w.check(s) == first)
        }
        #expect(w.highest == twoTo32 + 3)
    }

    @Test func sizeZeroTakesTheNearestNumber() {
        var w = ReplayWindow(size: 0, extendedSequenceNumbers: true)
        #expect(w.check(0) == .tooOld)
        #expect(w.check(UInt32.max) == .tooOld)           // would be before the first packet
        w.markSeen(twoTo32 - 10)
        #expect(w.check(5) == .accept(sequence: twoTo32 + 5))
        #expect(w.check(0xFFFF_FF00) == .accept(sequence: twoTo32 - 256))
        #expect(w.check(low(twoTo32 - 10)) == .accept(sequence: twoTo32 - 10))   // no replay check
        w.markSeen(twoTo32 + 5)
        #expect(w.highest == twoTo32 + 5)
    }

    /// A sender with a 64-bit counter across 2^32 (and 2·2^32) over a channel that reorders, loses,
    /// duplicates and sometimes holds a packet far longer than the window. The ICV check is
    /// simulated: it passes iff the inferred number is the one the sender used. Against the model
    /// over the true numbers: model-new packets are accepted with the sender's number, duplicates
    /// are duplicates, and too-old packets are refused or fail their ICV.
    @Test(arguments: [64, 1024, 4096], [twoTo32, 2 * twoTo32])
    func senderSimulationAcrossTheWrap(size: Int, boundary: UInt64) {
        let rng = SeededRandom(seed: boundary ^ UInt64(size))
        var w = ReplayWindow(size: size, extendedSequenceNumbers: true)
        var model = ModelWindow(size: w.size)
        let start = boundary - 3 * UInt64(w.size) - 500
        w.markSeen(start)
        model.mark(start)
        var counter = start
        var inFlight: [UInt64] = [], stragglers: [(due: Int, seq: UInt64)] = []
        var mismatches = 0, delivered = Set<UInt64>(), icvFailures = 0
        for step in 0..<(6 * w.size + 2_000) {
            for _ in 0..<(1 + rng.next(below: 2)) {
                counter += 1
                switch rng.next(below: 100) {
                case 0..<5: break                                           // lost
                case 5..<8: inFlight += [counter, counter]                  // duplicated
                case 8..<10: stragglers.append((step + rng.next(below: 2 * w.size), counter))
                default: inFlight.append(counter)
                }
            }
            var arriving: [UInt64] = []
            while inFlight.count > 24 { arriving.append(inFlight.remove(at: rng.next(below: inFlight.count))) }
            while let i = stragglers.firstIndex(where: { $0.due <= step }) { arriving.append(stragglers.remove(at: i).seq) }
            for actual in arriving {
                let verdict = w.check(low(actual)), expected = model.check(actual)
                switch (verdict, expected) {
                case (.accept(let seq), .accept):
                    if seq != actual || !w.markSeen(seq) { mismatches += 1 }
                    model.mark(actual)
                    if !delivered.insert(actual).inserted { mismatches += 1 }
                case (.accept(let seq), .tooOld) where seq != actual: icvFailures += 1   // ICV fails: dropped
                case (.tooOld, .tooOld), (.duplicate, .duplicate): break
                default:
                    mismatches += 1
                    if mismatches <= 3 { Issue.record("\(actual): \(verdict), model \(expected), T=\(model.highest)") }
                }
            }
        }
        #expect(mismatches == 0)
        #expect(w.highest > boundary + UInt64(w.size))   // the run really crossed the boundary
        #expect(icvFailures > 0)                          // stragglers older than the window came
        let width = UInt64(w.size)   // packets on both sides of the boundary were delivered
        #expect(delivered.contains { $0 < boundary && $0 + width > boundary })
        #expect(delivered.contains { $0 >= boundary && $0 < boundary + width })
    }
}
