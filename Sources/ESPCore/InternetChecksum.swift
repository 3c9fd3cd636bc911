/// The Internet checksum (RFC 1071): the 16-bit one's-complement sum of the data taken as
/// big-endian 16-bit words. Invariant: every function here works on raw pointers only, allocates
/// nothing and returns values in network numeric order (the UInt16 a big-endian load gives).
/// A checksum field is the complement of the folded sum; a packet verifies when the sum over it,
/// checksum field included, folds to 0xFFFF.
public enum InternetChecksum {
    /// The one's-complement sum of the `count` bytes at `p` plus `initial`, folded to 16 bits, not
    /// complemented. An odd last byte counts as the high byte of a word padded with zero (RFC 1071
    /// §4.1). No alignment needed.
    public static func sum(_ p: UnsafeRawPointer, count: Int, initial: UInt16 = 0) -> UInt16 {
        // RFC 1071 §2(B): the sum is byte-order independent, so add host-order words and swap the
        // folded result once. 64-bit loads are split in 32-bit halves so the 64-bit accumulator
        // cannot carry out (2^32 loads would be needed).
        var acc: UInt64 = 0
        var i = 0
        while i + 32 <= count {
            let a = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let b = p.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
            let c = p.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self)
            let d = p.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)
            acc &+= (a & 0xFFFF_FFFF) &+ (a >> 32) &+ (b & 0xFFFF_FFFF) &+ (b >> 32)
            acc &+= (c & 0xFFFF_FFFF) &+ (c >> 32) &+ (d & 0xFFFF_FFFF) &+ (d >> 32)
            i += 32
        }
        while i + 8 <= count {
            let a = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            acc &+= (a & 0xFFFF_FFFF) &+ (a >> 32)
            i += 8
        }
        while i + 2 <= count {
            acc &+= UInt64(p.loadUnaligned(fromByteOffset: i, as: UInt16.self))
            i += 2
        }
        if i < count {
            // The odd byte is the high byte of a big-endian word: [byte, 0] read in host order.
            acc &+= UInt64(UInt16(p.load(fromByteOffset: i, as: UInt8.self)).littleEndian)
        }
        let hostOrder = fold(acc)
        return add(UInt16(bigEndian: hostOrder), initial)
    }

    /// The checksum field value for the data: the complement of `sum`.
    public static func checksum(_ p: UnsafeRawPointer, count: Int, initial: UInt16 = 0) -> UInt16 {
        ~sum(p, count: count, initial: initial)
    }

    /// One's-complement addition of two folded sums.
    @inline(__always)
    public static func add(_ a: UInt16, _ b: UInt16) -> UInt16 {
        let (s, carry) = a.addingReportingOverflow(b)
        return carry ? s &+ 1 : s
    }

    /// Folds a wide one's-complement accumulator to 16 bits.
    @inline(__always)
    static func fold(_ x: UInt64) -> UInt16 {
        var x = x
        x = (x & 0xFFFF_FFFF) &+ (x >> 32)   // < 2^33
        x = (x & 0xFFFF) &+ (x >> 16)        // < 2^18
        x = (x & 0xFFFF) &+ (x >> 16)        // < 2^16 + 4
        x = (x & 0xFFFF) &+ (x >> 16)
        return UInt16(truncatingIfNeeded: x)
    }

    /// The folded sum of the IPv4 pseudo-header (RFC 793 §3.1, RFC 768): source and destination
    /// address from the IPv4 header at `ipHeader` (offsets 12 and 16), zero, `protocol` and the
    /// transport `length`.
    public static func pseudoHeaderSum(ipv4 ipHeader: UnsafeRawPointer, protocol: UInt8, length: Int) -> UInt16 {
        let addresses = sum(ipHeader + 12, count: 8)
        return add(addresses, add(UInt16(`protocol`), UInt16(truncatingIfNeeded: length)))
    }

    /// The folded sum of the IPv6 pseudo-header (RFC 8200 §8.1): source and destination address
    /// from the IPv6 header at `ipHeader` (offsets 8 and 24), the 32-bit upper-layer `length`
    /// and the next header `protocol`.
    public static func pseudoHeaderSum(ipv6 ipHeader: UnsafeRawPointer, protocol: UInt8, length: Int) -> UInt16 {
        let addresses = sum(ipHeader + 8, count: 32)
        let high = UInt16(truncatingIfNeeded: length >> 16)
        let low = UInt16(truncatingIfNeeded: length)
        return add(addresses, add(UInt16(`protocol`), add(high, low)))
    }
}

// Big-endian field access at byte offsets, unaligned (IP and TCP headers are in network order).
extension UnsafeRawPointer {
    @inline(__always)
    func be16(at offset: Int) -> UInt16 { UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
    @inline(__always)
    func be32(at offset: Int) -> UInt32 { UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    @inline(__always)
    func byte(at offset: Int) -> UInt8 { load(fromByteOffset: offset, as: UInt8.self) }
}

extension UnsafeMutableRawPointer {
    @inline(__always)
    func be16(at offset: Int) -> UInt16 { UnsafeRawPointer(self).be16(at: offset) }
    @inline(__always)
    func be32(at offset: Int) -> UInt32 { UnsafeRawPointer(self).be32(at: offset) }
    @inline(__always)
    func byte(at offset: Int) -> UInt8 { load(fromByteOffset: offset, as: UInt8.self) }
    @inline(__always)
    func setBE16(_ value: UInt16, at offset: Int) { storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt16.self) }
    @inline(__always)
    func setBE32(_ value: UInt32, at offset: Int) { storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self) }
    @inline(__always)
    func setByte(_ value: UInt8, at offset: Int) { storeBytes(of: value, toByteOffset: offset, as: UInt8.self) }
}
