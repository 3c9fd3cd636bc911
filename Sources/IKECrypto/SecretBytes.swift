/// Key material held in memory that this object alone owns and zeroizes when it goes away.
///
/// Invariants: the storage is allocated once at init, is never reallocated, is written only
/// during construction (through `package` API used by the key-derivation code and the crypto
/// provider) and is overwritten with zeros before it is deallocated. `description` and
/// `debugDescription` never reveal the content. `==` runs in time that depends only on the
/// lengths, never on the content.
public final class SecretBytes: @unchecked Sendable {
    private let storage: UnsafeMutableRawBufferPointer

    /// `count` zero bytes.
    public init(count: Int) {
        precondition(count >= 0, "SecretBytes count must not be negative")
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
    }

    /// A copy of `bytes`. The caller still owns (and should drop) the array it passed in.
    public convenience init(_ bytes: [UInt8]) {
        self.init(count: bytes.count)
        bytes.withUnsafeBytes { storage.copyMemory(from: $0) }
    }

    /// A copy of the bytes in `source`.
    public convenience init(copying source: UnsafeRawBufferPointer) {
        self.init(count: source.count)
        storage.copyMemory(from: source)
    }

    /// `count` bytes written by `body`, which sees zero-filled memory. Used by providers to
    /// write a library's output straight into zeroizing storage.
    public convenience init<E: Error>(
        count: Int, initializingWith body: (UnsafeMutableRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        self.init(count: count)
        try body(storage)
    }

    deinit {
        // Zeroize through the pointer before handing the memory back (DESIGN §1).
        zeroize(storage)
        storage.deallocate()
    }

    /// Number of bytes.
    public var count: Int { storage.count }

    /// Read access to the bytes; the pointer must not escape `body`.
    public func withUnsafeBytes<R, E: Error>(
        _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        try body(UnsafeRawBufferPointer(storage))
    }

    /// Write access, for code in this package that fills a freshly made buffer.
    package func withUnsafeMutableBytes<R, E: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        try body(storage)
    }

    /// A COPY of the bytes in an ordinary array, which is not zeroized when dropped.
    /// Use only at boundaries that need `[UInt8]` (tests, wire encoding of public values).
    public var bytes: [UInt8] { [UInt8](UnsafeRawBufferPointer(storage)) }

    /// The first `n` bytes, as a new zeroizing object.
    public func prefix(_ n: Int) -> SecretBytes {
        slice(0..<min(n, count))
    }

    /// Bytes in `range`, as a new zeroizing object. `range` must lie within `0..<count`.
    public func slice(_ range: Range<Int>) -> SecretBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "slice out of range")
        return SecretBytes(copying: UnsafeRawBufferPointer(rebasing: storage[range]))
    }

    /// `self ‖ other` as a new zeroizing object.
    public func appending(_ other: SecretBytes) -> SecretBytes {
        SecretBytes(count: count + other.count) { out in
            out.copyMemory(from: UnsafeRawBufferPointer(storage))
            other.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(rebasing: out[count...]).copyMemory(from: src)
            }
        }
    }
}

extension SecretBytes: Equatable {
    /// Constant time in the content: every byte is visited whatever the first difference.
    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in constantTimeEqual(a, b) } }
    }
}

extension SecretBytes: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { "SecretBytes(\(count) bytes)" }
    public var debugDescription: String { description }
}

/// True when `a` and `b` hold the same bytes; the time taken depends only on the lengths.
public func constantTimeEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<a.count {
        diff |= a[i] ^ b[i]
    }
    return diff == 0
}

/// Overwrites `buffer` with zeros. Kept out of line so the stores are not dropped as dead
/// even when the caller frees the memory right after.
@inline(never)
public func zeroize(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return }
    base.initializeMemory(as: UInt8.self, repeating: 0, count: buffer.count)
    // An opaque read of the memory keeps the optimizer from treating the stores as dead.
    withExtendedLifetime(buffer) {}
}
