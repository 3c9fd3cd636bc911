import Synchronization

/// A source of random bytes, passed into the pure modules as an argument (DESIGN §1).
///
/// Invariant for conforming production sources: `fill` writes `buffer.count` bytes that are
/// unpredictable to an attacker, or stops the process; it never returns a partial fill.
public protocol RandomSource: Sendable {
    func fill(_ buffer: UnsafeMutableRawBufferPointer)
}

extension RandomSource {
    /// `count` random bytes.
    public func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }

    /// A random 64-bit value.
    public func uint64() -> UInt64 {
        var value: UInt64 = 0
        withUnsafeMutableBytes(of: &value) { fill($0) }
        return value
    }

    /// A uniform value in [0, 1), from the top 53 bits of a random 64-bit value.
    public func unitInterval() -> Double {
        Double(uint64() >> 11) / Double(1 << 53)
    }

    /// `count` random bytes straight into zeroizing storage (private keys, nonces).
    public func secretBytes(_ count: Int) -> SecretBytes {
        SecretBytes(count: count) { fill($0) }
    }
}

/// A deterministic generator for tests and simulations: splitmix64 over an atomic counter.
///
/// NOT cryptographic: its output is predictable from the seed. Invariant: two instances made
/// with the same seed and called in the same order produce the same bytes; concurrent callers
/// each get distinct 8-byte blocks, so a shared instance is safe but its order is then
/// scheduling-dependent.
public final class SeededRandom: RandomSource {
    private static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15
    private let state: Atomic<UInt64>

    public init(seed: UInt64) {
        state = Atomic(seed)
    }

    /// The next splitmix64 output.
    public func next() -> UInt64 {
        let s = state.wrappingAdd(Self.gamma, ordering: .relaxed).newValue
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var offset = 0
        while offset < buffer.count {
            var word = next().littleEndian
            let n = min(8, buffer.count - offset)
            withUnsafeBytes(of: &word) { src in
                for i in 0..<n { buffer[offset + i] = src[i] }
            }
            offset += n
        }
    }

    /// A value in `0..<bound` (slightly biased; fine for tests).
    public func next(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }
}
