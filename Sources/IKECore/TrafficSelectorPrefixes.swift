import IKEWire

/// A CIDR prefix: a network address and its length in bits.
public struct AddressPrefix: Hashable, Sendable {
    public var address: [UInt8]
    public var length: Int

    public init(address: [UInt8], length: Int) {
        self.address = address
        self.length = length
    }
}

extension TrafficSelector {
    /// The fewest CIDR prefixes that together cover exactly this selector's address range (a
    /// prefix selector gives itself; `10.2.0.5-10.2.0.9` gives 10.2.0.5/32, 10.2.0.6/31,
    /// 10.2.0.8/31): what a route table needs for a selector written as a range. Ports and
    /// protocol are not a routing matter and are ignored. Empty for an inverted range.
    public var coveringPrefixes: [AddressPrefix] {
        let width = startAddress.count * 8
        guard width == 32 || width == 128, endAddress.count == startAddress.count else { return [] }
        var start = Self.integer(startAddress)
        let end = Self.integer(endAddress)
        guard start <= end else { return [] }
        var out: [AddressPrefix] = []
        while true {
            // The largest aligned block starting at `start` that does not pass `end`.
            var bits = start == 0 ? width : min(start.trailingZeroBitCount, width)
            while bits > 0 && (end - start) < Self.blockSpan(bits) { bits -= 1 }
            out.append(AddressPrefix(address: Self.bytes(start, count: startAddress.count), length: width - bits))
            let span = Self.blockSpan(bits)   // block size - 1
            if end - start == span { break }
            start += span + 1
        }
        return out
    }

    /// 2^bits - 1 without overflow for bits up to 128.
    private static func blockSpan(_ bits: Int) -> UInt128 {
        bits >= 128 ? .max : (UInt128(1) << bits) - 1
    }

    private static func integer(_ bytes: [UInt8]) -> UInt128 {
        bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
    }

    private static func bytes(_ value: UInt128, count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * (count - 1 - $0))) }
    }
}
