/// A bounds-checked cursor over a datagram. Every read checks the remaining length first
/// (DESIGN.md §2: validate, then decode), so malformed input becomes a `WireError`, never a trap.
public struct ByteReader: Sendable {
    public let bytes: ArraySlice<UInt8>
    public private(set) var offset: Int

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.offset = bytes.startIndex
    }

    public init(_ bytes: [UInt8]) { self.init(bytes[...]) }

    /// Bytes not yet consumed.
    public var remaining: Int { bytes.endIndex - offset }
    public var isAtEnd: Bool { offset >= bytes.endIndex }

    mutating func require(_ count: Int, _ what: StaticString) throws(WireError) {
        guard count >= 0, remaining >= count else {
            throw WireError(.truncated, "\(what): need \(count) bytes, \(remaining) left")
        }
    }

    public mutating func readU8(_ what: StaticString = "u8") throws(WireError) -> UInt8 {
        try require(1, what)
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readU16(_ what: StaticString = "u16") throws(WireError) -> UInt16 {
        try require(2, what)
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    public mutating func readU32(_ what: StaticString = "u32") throws(WireError) -> UInt32 {
        try require(4, what)
        var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(bytes[offset + i]) }
        offset += 4
        return v
    }

    public mutating func readU64(_ what: StaticString = "u64") throws(WireError) -> UInt64 {
        try require(8, what)
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(bytes[offset + i]) }
        offset += 8
        return v
    }

    public mutating func readBytes(_ count: Int, _ what: StaticString = "bytes") throws(WireError) -> [UInt8] {
        try require(count, what)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Splits off the next `count` bytes as a reader of their own.
    public mutating func sub(_ count: Int, _ what: StaticString) throws(WireError) -> ByteReader {
        try require(count, what)
        defer { offset += count }
        return ByteReader(bytes[offset..<offset + count])
    }

    public mutating func readRest() -> [UInt8] {
        defer { offset = bytes.endIndex }
        return Array(bytes[offset...])
    }
}

/// Appends big-endian fields to a growing buffer.
public struct ByteWriter: Sendable {
    public var bytes: [UInt8]
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }
    public var count: Int { bytes.count }
    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(truncatingIfNeeded: v)) }
    public mutating func u32(_ v: UInt32) { for s in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(s))) } }
    public mutating func u64(_ v: UInt64) { for s in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) } }
    public mutating func append<C: Collection>(_ c: C) where C.Element == UInt8 { bytes.append(contentsOf: c) }
    /// Overwrites a big-endian u16 at `at` (used to patch lengths after the body is written).
    public mutating func patchU16(at: Int, _ v: UInt16) { bytes[at] = UInt8(v >> 8); bytes[at + 1] = UInt8(truncatingIfNeeded: v) }
    public mutating func patchU32(at: Int, _ v: UInt32) {
        for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: v >> UInt32(24 - 8 * i)) }
    }
}
