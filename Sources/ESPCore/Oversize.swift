/// An inner packet larger than its SA's path allows (possible when `mtu` is set above the derived
/// value) is fragmented before encryption when IPv4 allows it (RFC 791, what AWS asks: clouds.md
/// MTU/MSS), else answered with an ICMP "too big" written back into the TUN (RFC 1191, RFC 8201).
/// Both are the slow path: they write into a caller's preallocated `PacketBuffer`.

/// What to do with an oversize inner packet.
public enum OversizeAction: Equatable, Sendable {
    /// IPv4 without DF: fragment before encryption, one ESP packet per fragment (RFC 791 §2.3).
    case fragment
    /// IPv4 with DF: ICMP Destination Unreachable, "fragmentation needed" (RFC 1191 §4).
    case fragmentationNeeded
    /// IPv6 (never fragmented on the way): ICMPv6 Packet Too Big (RFC 4443 §3.2, RFC 8201).
    case packetTooBig
}

/// Why an oversize packet was neither fragmented nor answered; the datapath counts it.
public enum OversizeError: Error, Equatable, Sendable {
    /// Shorter than its own headers or than its total length says.
    case truncated
    /// Not IPv4/IPv6, a header length below the minimum, or options that overrun the header.
    case badHeader
    /// DF is set: the packet must not be fragmented (RFC 791 §3.1).
    case dontFragment
    /// The limit cannot hold a header and 8 bytes of data (RFC 791: every link carries 68).
    case limitTooSmall
    /// No ICMP error may answer it: an ICMP error itself, a later fragment, or a source or
    /// destination that is not one unicast host (RFC 1812 §4.3.2.7, RFC 4443 §2.4 e).
    case noErrorAllowed
    /// The output buffer has not enough room.
    case noRoom
}

/// How the oversize path went, counted per datapath and shown by `ikectl status --json` as
/// `esp_oversize` (docs/operations.md).
public enum OversizeCounter: String, Sendable, CaseIterable {
    /// IPv4 packets fragmented before encryption, and the fragments sent for them.
    case fragmented, fragments
    /// ICMP "fragmentation needed" and ICMPv6 "packet too big" written into the TUN.
    case fragmentationNeeded, packetTooBig
    /// Oversize packets dropped without an answer (an `OversizeError`).
    case dropped
}

/// Which answer an oversize packet gets, from its first header bytes; nil for something that is
/// not an IP packet.
public func oversizeAction(_ p: PacketBuffer) -> OversizeAction? {
    let b = p.bytes
    guard b.count >= 20 else { return nil }
    switch b[0] >> 4 {
    case 4: return b[6] & 0x40 != 0 ? .fragmentationNeeded : .fragment
    case 6: return b.count >= 40 ? .packetTooBig : nil
    default: return nil
    }
}

/// The IPv4 header's facts after its bounds are checked: header length and the packet's total
/// length (the TUN read may carry nothing more, but a header may not claim more than was read).
struct IPv4Header {
    let headerLength: Int
    let totalLength: Int

    init(_ b: UnsafeMutableRawBufferPointer) throws(OversizeError) {
        guard b.count >= 20 else { throw .truncated }
        guard b[0] >> 4 == 4, b[0] & 0x0F >= 5 else { throw .badHeader }
        headerLength = Int(b[0] & 0x0F) * 4
        totalLength = Int(b[2]) << 8 | Int(b[3])
        guard totalLength >= headerLength else { throw .badHeader }
        guard b.count >= totalLength else { throw .truncated }
    }

    /// The fragment offset in bytes and the More Fragments flag (RFC 791 §3.1).
    static func fragment(_ b: UnsafeMutableRawBufferPointer) -> (offset: Int, more: Bool) {
        ((Int(b[6] & 0x1F) << 8 | Int(b[7])) * 8, b[6] & 0x20 != 0)
    }
}

/// The Internet checksum (RFC 1071) over `b`, continuing from `sum` (for pseudo-headers).
public func internetChecksum(_ b: UnsafeRawBufferPointer, adding sum: UInt32 = 0) -> UInt16 {
    var s = UInt64(sum)
    var i = 0
    while i + 1 < b.count {
        s += UInt64(b[i]) << 8 | UInt64(b[i + 1])
        i += 2
    }
    if i < b.count { s += UInt64(b[i]) << 8 }
    while s >> 16 != 0 { s = (s & 0xFFFF) + (s >> 16) }
    return ~UInt16(truncatingIfNeeded: s)
}

@inline(__always)
func storeBigEndian16(_ v: Int, _ b: UnsafeMutableRawBufferPointer, at i: Int) {
    b[i] = UInt8(truncatingIfNeeded: v >> 8)
    b[i + 1] = UInt8(truncatingIfNeeded: v)
}
