/// TCP MSS clamping (what AWS and Azure ask of a tunnel endpoint: clouds.md, MTU/MSS): a SYN
/// whose MSS option exceeds the limit is rewritten in place, with the TCP checksum updated
/// incrementally (RFC 1624, eqn. 3). Works on IPv4 and on IPv6 without extension headers;
/// anything it does not understand is left untouched. `ipv4Limit` is the MSS for IPv4 (the
/// interface MTU − 40); IPv6 segments get 20 bytes less, for the longer IPv6 header, so both fit
/// the same MTU.
@discardableResult
public func clampMSS(_ p: PacketBuffer, to ipv4Limit: UInt16) -> Bool {
    let b = p.bytes
    guard b.count >= 20 else { return false }
    let tcp: Int
    let limit: UInt16
    switch b[0] >> 4 {
    case 4:
        let ihl = Int(b[0] & 0x0F) * 4
        // Protocol TCP, not a later fragment (offset 0).
        guard b[9] == 6, ihl >= 20, b[6] & 0x1F == 0, b[7] == 0 else { return false }
        tcp = ihl
        limit = ipv4Limit
    case 6:
        guard b.count >= 40, b[6] == 6, ipv4Limit > 20 else { return false }
        tcp = 40
        limit = ipv4Limit - 20
    default:
        return false
    }
    guard b.count >= tcp + 20, b[tcp + 13] & 0x02 != 0 else { return false }   // SYN
    let dataOffset = Int(b[tcp + 12] >> 4) * 4
    guard dataOffset >= 20, b.count >= tcp + dataOffset else { return false }
    var i = tcp + 20
    while i < tcp + dataOffset {
        let kind = b[i]
        if kind == 0 { return false }            // end of options
        if kind == 1 { i += 1; continue }        // no-op
        guard i + 1 < tcp + dataOffset else { return false }
        let length = Int(b[i + 1])
        guard length >= 2, i + length <= tcp + dataOffset else { return false }
        if kind == 2, length == 4 {
            let old = UInt16(b[i + 2]) << 8 | UInt16(b[i + 3])
            guard old > limit else { return false }
            b[i + 2] = UInt8(limit >> 8)
            b[i + 3] = UInt8(limit & 0xFF)
            // RFC 1624: HC' = ~(~HC + ~m + m'), in ones' complement.
            let checksum = UInt16(b[tcp + 16]) << 8 | UInt16(b[tcp + 17])
            var sum = UInt32(~checksum) + UInt32(~old) + UInt32(limit)
            sum = (sum & 0xFFFF) + (sum >> 16)
            sum = (sum & 0xFFFF) + (sum >> 16)
            let updated = ~UInt16(sum)
            b[tcp + 16] = UInt8(updated >> 8)
            b[tcp + 17] = UInt8(updated & 0xFF)
            return true
        }
        i += length
    }
    return false
}
