/// Arithmetic on addresses held as network-order (big-endian) byte arrays of equal length:
/// ordering, prefix masks, and recognising a range that is exactly one CIDR prefix.
/// Callers check that lengths match before comparing; nothing here traps on a mismatch.
enum AddressBytes {
    /// Lexicographic order, which for big-endian bytes of equal length is numeric order.
    /// A shorter array orders first (only reachable with malformed selectors).
    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        guard a.count == b.count else { return a.count < b.count ? -1 : 1 }
        for i in 0..<a.count where a[i] != b[i] {
            return a[i] < b[i] ? -1 : 1
        }
        return 0
    }

    static func max(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] { compare(a, b) >= 0 ? a : b }
    static func min(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] { compare(a, b) <= 0 ? a : b }

    /// The first and last address of `address`/`prefix`: host bits cleared and set.
    static func prefixRange(_ address: [UInt8], prefix: Int) -> (start: [UInt8], end: [UInt8]) {
        var start = address
        var end = address
        for i in 0..<address.count {
            let bitsHere = Swift.max(0, Swift.min(8, prefix - 8 * i))
            let hostMask: UInt8 = bitsHere == 8 ? 0 : 0xff >> UInt8(bitsHere)
            start[i] &= ~hostMask
            end[i] |= hostMask
        }
        return (start, end)
    }

    /// The prefix length when `start...end` is exactly one CIDR block, else nil.
    static func prefixLength(start: [UInt8], end: [UInt8]) -> Int? {
        guard start.count == end.count else { return nil }
        var prefix = 0
        while prefix < 8 * start.count, bit(start, prefix) == bit(end, prefix) { prefix += 1 }
        for n in prefix..<(8 * start.count) where bit(start, n) || !bit(end, n) { return nil }
        return prefix
    }

    private static func bit(_ bytes: [UInt8], _ n: Int) -> Bool {
        bytes[n / 8] & (0x80 >> UInt8(n % 8)) != 0
    }
}
