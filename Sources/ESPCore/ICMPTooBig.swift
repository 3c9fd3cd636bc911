/// The "too big" answers to an oversize packet that may not be fragmented, written into a
/// caller's buffer for the TUN: the sending host learns the path MTU (RFC 1191, RFC 8201).

/// The IPv4 ICMP Destination Unreachable, code 4 "fragmentation needed and DF set" (RFC 792;
/// RFC 1191 §4 puts the next-hop MTU in the low 16 bits of the unused field), quoting the
/// packet's IP header with its options and the first 8 data bytes (RFC 792). The answer goes
/// to the packet's source, from `source`, or from the packet's destination when `source` is nil
/// or not IPv4.
public func writeFragmentationNeeded(for p: PacketBuffer, nextHopMTU: Int, source: AddressKey?,
                                     into out: PacketBuffer) throws(OversizeError) {
    let b = p.bytes
    guard b.count >= 20, b[0] >> 4 == 4 else { throw b.count < 20 ? .truncated : .badHeader }
    let headerLength = Int(b[0] & 0x0F) * 4
    guard headerLength >= 20 else { throw .badHeader }
    guard b.count >= headerLength else { throw .truncated }
    // RFC 1812 §4.3.2.7: no ICMP error about a later fragment or an ICMP error, nor to or from
    // anything but one unicast host.
    guard IPv4Header.fragment(b).offset == 0 else { throw .noErrorAllowed }
    if b[9] == 1 {
        guard b.count > headerLength else { throw .truncated }
        guard ![3, 4, 5, 11, 12].contains(b[headerLength]) else { throw .noErrorAllowed }
    }
    let from = AddressKey(v4: b, at: 12), to = AddressKey(v4: b, at: 16)
    guard isUnicast4(from), to.low >> 28 != 14, to.low != 0xFFFF_FFFF else { throw .noErrorAllowed }

    let total = Int(b[2]) << 8 | Int(b[3])
    let quote = min(headerLength + 8, b.count, max(total, headerLength))
    let length = 20 + 8 + quote
    let o = out.receiveArea()
    guard o.count >= length, nextHopMTU >= 0, nextHopMTU <= 0xFFFF else { throw .noRoom }
    for i in 0..<28 { o[i] = 0 }
    o[0] = 0x45
    o[1] = 0xC0                                 // precedence "internetwork control" (RFC 1812 §4.3.2.5)
    storeBigEndian16(length, o, at: 2)
    o[8] = 64                                   // TTL
    o[9] = 1                                    // ICMP
    let origin = source.flatMap { $0.family == 4 ? $0 : nil } ?? to
    storeBigEndian32(UInt32(truncatingIfNeeded: origin.low), o, at: 12)
    UnsafeMutableRawBufferPointer(rebasing: o[16..<20]).copyMemory(from: UnsafeRawBufferPointer(rebasing: b[12..<16]))
    storeBigEndian16(Int(internetChecksum(UnsafeRawBufferPointer(rebasing: o[0..<20]))), o, at: 10)
    o[20] = 3                                   // Destination Unreachable
    o[21] = 4                                   // fragmentation needed and DF set
    storeBigEndian16(nextHopMTU, o, at: 26)
    UnsafeMutableRawBufferPointer(rebasing: o[28..<length]).copyMemory(from: UnsafeRawBufferPointer(rebasing: b[0..<quote]))
    storeBigEndian16(Int(internetChecksum(UnsafeRawBufferPointer(rebasing: o[20..<length]))), o, at: 22)
    out.setLength(length)
}

/// The ICMPv6 Packet Too Big (RFC 4443 §3.2): the MTU, then as much of the packet as fits in
/// the minimum IPv6 MTU of 1280 bytes; checksum over the pseudo-header (RFC 8200 §8.1). Sent
/// even for a multicast destination (RFC 4443 §2.4 e.2), never about an ICMPv6 error.
public func writePacketTooBig(for p: PacketBuffer, mtu: Int, source: AddressKey?, into out: PacketBuffer) throws(OversizeError) {
    let b = p.bytes
    guard b.count >= 40 else { throw .truncated }
    guard b[0] >> 4 == 6 else { throw .badHeader }
    if b[6] == 58 {
        guard b.count > 40 else { throw .truncated }
        guard b[40] >= 128 else { throw .noErrorAllowed }   // RFC 4443 §2.4 e.1: types 0–127 are errors
    }
    let from = AddressKey(v6: b, at: 8)
    // Unspecified (::) or multicast (ff00::/8) sources cannot be answered (RFC 4443 §2.4 e.3, e.5).
    guard !(from.high == 0 && from.low == 0), from.high >> 56 != 0xFF else { throw .noErrorAllowed }

    let quote = min(b.count, 1280 - 40 - 8)
    let length = 40 + 8 + quote
    let o = out.receiveArea()
    guard o.count >= length, mtu >= 0, mtu <= Int(UInt32.max) else { throw .noRoom }
    for i in 0..<48 { o[i] = 0 }
    o[0] = 0x60
    storeBigEndian16(8 + quote, o, at: 4)
    o[6] = 58                                   // ICMPv6
    o[7] = 64                                   // hop limit
    let origin = source.flatMap { $0.family == 6 ? $0 : nil } ?? AddressKey(v6: b, at: 24)
    origin.store(o, at: 8)
    UnsafeMutableRawBufferPointer(rebasing: o[24..<40]).copyMemory(from: UnsafeRawBufferPointer(rebasing: b[8..<24]))
    o[40] = 2                                   // Packet Too Big
    storeBigEndian32(UInt32(mtu), o, at: 44)
    UnsafeMutableRawBufferPointer(rebasing: o[48..<length]).copyMemory(from: UnsafeRawBufferPointer(rebasing: b[0..<quote]))
    // Pseudo-header: source, destination, upper-layer length, next header 58.
    var sum = UInt32(8 + quote) + 58
    for i in stride(from: 8, to: 40, by: 2) { sum += UInt32(o[i]) << 8 | UInt32(o[i + 1]) }
    storeBigEndian16(Int(internetChecksum(UnsafeRawBufferPointer(rebasing: o[40..<length]), adding: sum)), o, at: 42)
    out.setLength(length)
}

/// One unicast host: not 0.0.0.0/8, not multicast or reserved (224.0.0.0/3), not 255.255.255.255.
func isUnicast4(_ a: AddressKey) -> Bool {
    let first = a.low >> 24
    return first != 0 && first < 224
}

extension AddressKey {
    /// Writes the address in network order (4 or 16 bytes) at `i`.
    func store(_ b: UnsafeMutableRawBufferPointer, at i: Int) {
        if family == 4 {
            storeBigEndian32(UInt32(truncatingIfNeeded: low), b, at: i)
        } else {
            storeBigEndian32(UInt32(truncatingIfNeeded: high >> 32), b, at: i)
            storeBigEndian32(UInt32(truncatingIfNeeded: high), b, at: i + 4)
            storeBigEndian32(UInt32(truncatingIfNeeded: low >> 32), b, at: i + 8)
            storeBigEndian32(UInt32(truncatingIfNeeded: low), b, at: i + 12)
        }
    }
}
