import IKECrypto

/// Reading the inner IP packet of a tunnel-mode SA: its version, length and addresses. Every
/// function checks lengths first and works on the buffer in place.

/// IP version 4 → Next Header 4, version 6 → 41 (RFC 4303 §2.6 tunnel mode); nil otherwise.
func innerNextHeader(_ p: PacketBuffer) -> UInt8? {
    guard p.count >= 20 else { return nil }
    switch p.bytes[0] >> 4 {
    case 4: return 4
    case 6: return p.count >= 40 ? 41 : nil
    default: return nil
    }
}

/// Cuts TFC padding after the IP packet (RFC 4303 §2.7): the IP header's length is the truth.
/// False when the header claims more bytes than there are.
func trimTFCPadding(_ p: PacketBuffer) -> Bool {
    let b = p.bytes
    guard b.count >= 20 else { return false }
    let total: Int
    switch b[0] >> 4 {
    case 4: total = Int(b[2]) << 8 | Int(b[3])
    case 6:
        guard b.count >= 40 else { return false }
        total = 40 + (Int(b[4]) << 8 | Int(b[5]))
    default: return false
    }
    guard total <= b.count, total >= 20 else { return false }
    p.dropBack(b.count - total)
    return true
}

/// Source and destination of the inner packet as 128-bit keys (IPv4 mapped into the low bits
/// with a version tag), so address ranges compare without allocating.
func innerAddresses(_ p: PacketBuffer) -> (AddressKey, AddressKey)? {
    let b = p.bytes
    switch b.first.map({ $0 >> 4 }) {
    case 4?:
        guard b.count >= 20 else { return nil }
        return (AddressKey(v4: b, at: 12), AddressKey(v4: b, at: 16))
    case 6?:
        guard b.count >= 40 else { return nil }
        return (AddressKey(v6: b, at: 8), AddressKey(v6: b, at: 24))
    default:
        return nil
    }
}

/// True when the packet's source lies in `sources` and its destination in `destinations`
/// (an empty list admits anything): the traffic-selector check of RFC 4301 §5 on either side.
public func packetMatches(_ p: PacketBuffer, sources: [AddressRange], destinations: [AddressRange]) -> Bool {
    guard !sources.isEmpty || !destinations.isEmpty else { return true }
    guard let (source, destination) = innerAddresses(p) else { return false }
    return (sources.isEmpty || sources.contains { $0.contains(source) })
        && (destinations.isEmpty || destinations.contains { $0.contains(destination) })
}

/// True for an IPv6 packet whose source or destination is link-scoped: link-local unicast
/// (fe80::/10, RFC 4291 §2.5.6) or multicast of interface- or link-local scope (ff01::/16,
/// ff02::/16, RFC 4291 §2.7). The kernel sends such packets on any IPv6 interface, the TUN
/// included; they are tunnelled only when a selector covers them (e.g. OSPFv3 over ::/0).
public func isLinkScopedIPv6(_ p: PacketBuffer) -> Bool {
    let b = p.bytes
    guard b.count >= 40, b[0] >> 4 == 6 else { return false }
    func linkScoped(_ i: Int) -> Bool {
        (b[i] == 0xFE && b[i + 1] & 0xC0 == 0x80) || (b[i] == 0xFF && (b[i + 1] & 0x0F == 1 || b[i + 1] & 0x0F == 2))
    }
    return linkScoped(8) || linkScoped(24)
}

/// An IP address as a fixed-size comparable value: family, then 128 bits.
public struct AddressKey: Hashable, Comparable, Sendable {
    var family: UInt8
    var high: UInt64
    var low: UInt64

    init(v4 b: UnsafeMutableRawBufferPointer, at i: Int) {
        family = 4
        high = 0
        low = UInt64(loadBigEndian32(b, at: i))
    }

    init(v6 b: UnsafeMutableRawBufferPointer, at i: Int) {
        family = 6
        high = loadBigEndianUInt64(UnsafeRawBufferPointer(rebasing: b[i..<(i + 8)]))
        low = loadBigEndianUInt64(UnsafeRawBufferPointer(rebasing: b[(i + 8)..<(i + 16)]))
    }

    /// From 4 or 16 network-order bytes.
    public init?(_ bytes: [UInt8]) {
        var copy = bytes
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        let key = copy.withUnsafeMutableBytes { b in bytes.count == 4 ? AddressKey(v4: b, at: 0) : AddressKey(v6: b, at: 0) }
        self = key
    }

    public static func < (a: AddressKey, b: AddressKey) -> Bool {
        (a.family, a.high, a.low) < (b.family, b.high, b.low)
    }
}

/// An inclusive address range of one family (a traffic selector's addresses).
public struct AddressRange: Hashable, Sendable {
    public var first: AddressKey
    public var last: AddressKey

    public init?(start: [UInt8], end: [UInt8]) {
        guard let a = AddressKey(start), let b = AddressKey(end), a.family == b.family, a <= b else { return nil }
        first = a
        last = b
    }

    public func contains(_ k: AddressKey) -> Bool { k.family == first.family && first <= k && k <= last }
}

// MARK: Byte helpers (bounds are the caller's invariant)

@inline(__always)
func loadBigEndian32(_ b: UnsafeMutableRawBufferPointer, at i: Int) -> UInt32 {
    UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
}

@inline(__always)
func storeBigEndian32(_ v: UInt32, _ b: UnsafeMutableRawBufferPointer, at i: Int) {
    b[i] = UInt8(truncatingIfNeeded: v >> 24)
    b[i + 1] = UInt8(truncatingIfNeeded: v >> 16)
    b[i + 2] = UInt8(truncatingIfNeeded: v >> 8)
    b[i + 3] = UInt8(truncatingIfNeeded: v)
}

/// The 12-byte ESN AAD (SPI ‖ seq high ‖ seq low) on the stack.
func esnAAD<R>(spi: UInt32, sequence: UInt64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    withUnsafeTemporaryAllocation(byteCount: 12, alignment: 8) { t in
        storeBigEndian32(spi, t, at: 0)
        storeBigEndian32(UInt32(truncatingIfNeeded: sequence >> 32), t, at: 4)
        storeBigEndian32(UInt32(truncatingIfNeeded: sequence), t, at: 8)
        return body(UnsafeRawBufferPointer(t))
    }
}

/// The ICV input with ESN: the packet, then the high 32 bits (RFC 4303 §2.2.1), in a stack copy.
func withICVInput<R>(packet: UnsafeRawBufferPointer, high: UInt32, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    withUnsafeTemporaryAllocation(byteCount: packet.count + 4, alignment: 16) { t in
        UnsafeMutableRawBufferPointer(rebasing: t[..<packet.count]).copyMemory(from: packet)
        storeBigEndian32(high, t, at: packet.count)
        return body(UnsafeRawBufferPointer(t))
    }
}
