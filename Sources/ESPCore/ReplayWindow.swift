/// The receiver's anti-replay window of one inbound ESP SA (RFC 4303 §3.4.3, Appendix A).
///
/// Receive order (§3.4.3, DESIGN §3): `check` the number on the wire (no state change), verify the
/// ICV over the number `check` returned, then `markSeen` it. Only `markSeen` changes state.
///
/// Invariants:
/// - `highest` (T in Appendix A) is the highest number marked seen; 0 before the first packet.
/// - `size` (W) is 0 (check disabled) or a multiple of 64 in 64...`maximumSize`.
/// - With `size > 0`, a 64-bit number `s` is new iff `s != 0` and either `s > highest`, or
///   `highest - s < size` and `s` has not been marked seen. With `size == 0`, every `s != 0` is.
/// - The bitmap is allocated once, in `init`; `check` and `markSeen` only index it and never
///   allocate. (It is an array, so copy-on-write: after the value is copied, the first
///   `markSeen` on one of the copies copies the words once. Keep one window per SA, not copies.)
///
/// The bitmap follows RFC 6479: a ring of 64-bit words, a power of two of them, holding at least
/// `size / 64 + 1` words, so that the window's blocks never alias and sliding clears whole words.
public struct ReplayWindow: Sendable {
    /// The largest window `init` accepts (AWS allows 64–2048; strongSwan defaults to 32).
    public static let maximumSize = 4096

    /// The window size W in packets after rounding; 0 when the check is disabled.
    public let size: Int
    /// Whether the SA uses 64-bit extended sequence numbers (RFC 4303 §2.2.1).
    public let extendedSequenceNumbers: Bool
    /// T: the highest sequence number marked seen (0 before the first packet).
    public private(set) var highest: UInt64 = 0

    /// Bit `s & 63` of `words[(s >> 6) & wordMask]` is set iff `s` was marked seen, for every `s`
    /// in the window (RFC 6479 §2).
    private var words: [UInt64]
    private let wordMask: UInt64

    /// The verdict of `check`: accept with the full 64-bit number the ICV is computed over
    /// (the low bits as they are for a 32-bit SA), or a reason to drop.
    public enum Verdict: Equatable, Sendable {
        case accept(sequence: UInt64)
        case tooOld
        case duplicate
    }

    /// `size` in packets: 0 disables the check (RFC 4303 §3.4.3 lets the receiver choose),
    /// otherwise it is rounded up to a multiple of 64. Precondition: `0...maximumSize`; the
    /// configuration is validated before an SA is installed.
    public init(size: Int, extendedSequenceNumbers: Bool) {
        precondition((0...Self.maximumSize).contains(size), "replay window size \(size) outside 0...\(Self.maximumSize)")
        let rounded = (size + 63) / 64 * 64
        var count = rounded == 0 ? 0 : 1
        while rounded > 0 && count < rounded / 64 + 1 { count <<= 1 }
        self.size = rounded
        self.extendedSequenceNumbers = extendedSequenceNumbers
        self.words = [UInt64](repeating: 0, count: count)
        self.wordMask = count == 0 ? 0 : UInt64(count - 1)
    }

    /// Step 1 of RFC 4303 §3.4.3, before the integrity check; changes nothing.
    ///
    /// `lowBits` is the Sequence Number field from the wire. For a 32-bit SA it is the whole
    /// number. With ESN the high 32 bits are inferred (Appendix A2.2) and `.accept` carries the
    /// full 64-bit number the ICV must be computed over. A packet older than the window may then
    /// be taken for one of the next subspace (A2.2); its ICV fails and the caller drops it.
    public func check(_ lowBits: UInt32) -> Verdict {
        if extendedSequenceNumbers {
            guard let sequence = inferSequence(lowBits) else { return .tooOld }
            return classify(sequence)
        }
        return classify(UInt64(lowBits))
    }

    /// Step 3 of RFC 4303 §3.4.3, only after the ICV verified: marks `sequence` (a number
    /// `check` accepted) seen and slides the window right when it is beyond `highest`.
    ///
    /// Returns false, changing nothing, if the number is 0, already seen or now left of the
    /// window: a copy that passed `check` before its twin was marked (a batched pipeline).
    /// The caller then drops the packet as a replay, like Linux's recheck after decryption.
    @discardableResult
    public mutating func markSeen(_ sequence: UInt64) -> Bool {
        guard sequence != 0 else { return false }   // §3.3.3: the first packet carries 1
        guard size > 0 else {                        // §3.4.3: check disabled, only track T
            if sequence > highest { highest = sequence }
            return true
        }
        if sequence > highest {
            slide(to: sequence)
        } else if highest - sequence >= UInt64(size) {
            return false                             // §3.4.3: left of the window
        }
        let index = Int(truncatingIfNeeded: (sequence >> 6) & wordMask)
        let bit: UInt64 = 1 << (sequence & 63)
        guard words[index] & bit == 0 else { return false }   // §3.4.3: duplicate
        words[index] |= bit
        return true
    }

    /// The window check on a full 64-bit number (RFC 4303 §3.4.3, Appendix A2.1).
    private func classify(_ sequence: UInt64) -> Verdict {
        // §3.3.3: the sender's counter starts at 0 and the first packet carries 1; 0 never comes.
        guard sequence != 0 else { return .tooOld }
        // §3.4.3: the receiver disabled anti-replay; no further check on the number.
        guard size > 0 else { return .accept(sequence: sequence) }
        // §3.4.3: right of the window: new (the window slides in markSeen, after the ICV).
        if sequence > highest { return .accept(sequence: sequence) }
        // §3.4.3: left of the window, i.e. at least W behind its right edge T.
        if highest - sequence >= UInt64(size) { return .tooOld }
        // Appendix A2.1: inside the window, the bit tells whether it was received and authenticated.
        let word = words[Int(truncatingIfNeeded: (sequence >> 6) & wordMask)]
        return word & (1 << (sequence & 63)) == 0 ? .accept(sequence: sequence) : .duplicate
    }

    /// RFC 4303 Appendix A2.2: the high 32 bits (Seqh) for `seql`, from T and W.
    /// nil when the number would lie before the SA's first packet or past 2^64 − 1.
    private func inferSequence(_ seql: UInt32) -> UInt64? {
        let th = highest >> 32
        let tl = UInt32(truncatingIfNeeded: highest)
        guard size > 0 else { return nearest(seql) }
        let w1 = UInt32(size - 1)
        let bl = tl &- w1                    // Bl = Tl − W + 1, modulo 2^32 in case B
        if tl >= w1 {
            // Case A: Tl ≥ W − 1, the window lies in one subspace. Seql ≥ Bl: in or right of
            // the window, same subspace; Seql < Bl: the next subspace.
            if seql >= bl { return th << 32 | UInt64(seql) }
            guard th < UInt64(UInt32.max) else { return nil }   // §3.3.3: the counter never cycles
            return (th + 1) << 32 | UInt64(seql)
        }
        // Case B: Tl < W − 1, the window spans two subspaces. Seql ≥ Bl: the window's part in
        // the previous subspace; Seql < Bl: the current one.
        if seql < bl { return th << 32 | UInt64(seql) }
        guard th > 0 else { return nil }     // before the SA's first packet
        return (th - 1) << 32 | UInt64(seql)
    }

    /// ESN with the check disabled (size 0): there is no window to infer from, so take the number
    /// nearest T (within 2^31 either way). RFC 4303 advises against negotiating ESN without
    /// anti-replay (§2.2.1 note) because of exactly this.
    private func nearest(_ seql: UInt32) -> UInt64? {
        let delta = Int32(bitPattern: seql &- UInt32(truncatingIfNeeded: highest))
        if delta >= 0 {
            let (sum, overflow) = highest.addingReportingOverflow(UInt64(delta))
            return overflow ? nil : sum
        }
        let back = UInt64(-Int64(delta))
        return back > highest ? nil : highest - back
    }

    /// Appendix A2.1 / RFC 6479: moves T to `sequence` (> T). The words of the blocks between
    /// the old and new right edge are cleared; a jump of a whole ring or more clears them all.
    private mutating func slide(to sequence: UInt64) {
        let oldBlock = highest >> 6, newBlock = sequence >> 6
        let clear = min(newBlock - oldBlock, UInt64(words.count))
        var block = newBlock
        for _ in 0..<clear {
            words[Int(truncatingIfNeeded: block & wordMask)] = 0
            block -= 1
        }
        highest = sequence
    }
}
