import IKEWire

/// Collects the SKF fragments of one message (RFC 7383 §2.6) after each was opened and verified.
/// Bounded: at most `limits.maxFragments` fragments and `limits.maxBytes` of plaintext per
/// message, so a peer cannot make us hold unbounded memory. Invariant: `parts` only ever holds
/// fragments of one message ID and one Total Fragments value.
public struct FragmentReassembler: Sendable {
    /// Resource limits for one message under reassembly.
    public struct Limits: Sendable {
        /// RFC 7383 §2.5: Total Fragments is 16 bits, but nothing legitimate needs many.
        public static let protocolMaximum = 64
        public var maxFragments: Int
        public var maxBytes: Int
        public init(maxFragments: Int = 32, maxBytes: Int = 65_536) {
            self.maxFragments = min(maxFragments, Self.protocolMaximum)
            self.maxBytes = maxBytes
        }
    }

    /// What adding a fragment did.
    public enum Outcome: Equatable, Sendable {
        /// More fragments are needed.
        case incomplete
        /// All fragments arrived: the decoded inner payloads of the whole message.
        case complete([Payload])
        /// The fragment was dropped (duplicate, stale, inconsistent or over a limit), with why.
        case dropped(String)
    }

    public let limits: Limits
    private var messageID: UInt32?
    private var total = 0
    private var first: PayloadType = .none
    private var parts: [Int: [UInt8]] = [:]
    private var bytes = 0

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// True while fragments of some message are held.
    public var isCollecting: Bool { messageID != nil }

    public mutating func add(messageID id: UInt32, fragment f: EncryptedFragment, plaintext: [UInt8]) -> Outcome {
        let n = Int(f.number), t = Int(f.total)
        guard t <= limits.maxFragments else { return .dropped("\(t) fragments exceed the limit of \(limits.maxFragments)") }
        if messageID != id || t > total {
            // A new message, or a retransmission re-fragmented with a higher total (RFC 7383 §2.6).
            // The caller's message-ID window has already rejected old message IDs.
            reset()
            messageID = id
            total = t
        }
        guard t == total else { return .dropped("Total Fragments \(t) differs from \(total)") }
        guard parts[n] == nil else { return .dropped("duplicate fragment \(n)") }
        guard bytes + plaintext.count <= limits.maxBytes else {
            reset()
            return .dropped("reassembled message exceeds \(limits.maxBytes) bytes")
        }
        parts[n] = plaintext
        bytes += plaintext.count
        if n == 1 { first = f.innerFirst }
        guard parts.count == total else { return .incomplete }
        var whole: [UInt8] = []
        whole.reserveCapacity(bytes)
        for i in 1...total { whole += parts[i] ?? [] }
        let firstType = first
        reset()
        do {
            return .complete(try PayloadChain.decode(first: firstType, whole))
        } catch {
            return .dropped("reassembled message is malformed: \(error)")
        }
    }

    public mutating func reset() {
        messageID = nil
        total = 0
        first = .none
        parts.removeAll()
        bytes = 0
    }
}
