/// IPv4 fragmentation before encryption (RFC 791 §2.3, §3.2 "An Example Fragmentation
/// Procedure"), one fragment at a time into a caller's buffer, so each can be sealed as its own
/// ESP packet and the next written into the same buffer. Invariant: the fragments carry the
/// packet's data exactly once, in order; every fragment but the last has a multiple of 8 data
/// bytes and MF set; the last keeps the packet's own MF (it may itself be a fragment); the first
/// keeps every option, later ones only those with the copied flag (RFC 791 §3.1, Options).
public struct IPv4Fragmenter {
    /// The packet being fragmented: read, never written, and not to be reused until done.
    let packet: PacketBuffer
    let limit: Int
    let header: IPv4Header
    /// The packet's own fragment offset (bytes) and MF flag: fragments of a fragment.
    let baseOffset: Int
    let baseMore: Bool
    /// Header length of the second and later fragments (copied options only, padded to 4).
    let laterHeaderLength: Int
    /// Data bytes already written into fragments.
    private(set) var offset = 0
    /// The last fragment was written.
    private(set) var done = false

    /// Checks the packet and the limit (largest fragment, header included); DF refuses.
    public init(_ packet: PacketBuffer, limit: Int) throws(OversizeError) {
        let b = packet.bytes
        header = try IPv4Header(b)
        guard b[6] & 0x40 == 0 else { throw .dontFragment }
        (baseOffset, baseMore) = IPv4Header.fragment(b)
        guard baseOffset + header.totalLength - header.headerLength <= 65_535 else { throw .badHeader }
        var copied = 0
        guard Self.walkOptions(b, headerLength: header.headerLength, { _, length in copied += length }) else { throw .badHeader }
        laterHeaderLength = 20 + (copied + 3) / 4 * 4
        guard (limit - max(header.headerLength, laterHeaderLength)) / 8 >= 1 else { throw .limitTooSmall }
        self.packet = packet
        self.limit = limit
    }

    var dataLength: Int { header.totalLength - header.headerLength }

    /// Writes the next fragment into `out` (from its default headroom); false when all were written.
    public mutating func next(into out: PacketBuffer) throws(OversizeError) -> Bool {
        guard !done else { return false }
        let first = offset == 0
        let headerLength = first ? header.headerLength : laterHeaderLength
        let room = (limit - headerLength) / 8 * 8
        let n = min(room, dataLength - offset)
        let last = offset + n == dataLength
        let area = out.receiveArea()
        guard area.count >= headerLength + n else { throw .noRoom }
        let b = packet.bytes
        // Fixed header, then options: all of them in the first fragment, copied ones later.
        area.copyMemory(from: UnsafeRawBufferPointer(rebasing: b[0..<20]))
        if first {
            UnsafeMutableRawBufferPointer(rebasing: area[20..<headerLength])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: b[20..<headerLength]))
        } else {
            var at = 20
            _ = Self.walkOptions(b, headerLength: header.headerLength) { start, length in
                UnsafeMutableRawBufferPointer(rebasing: area[at..<(at + length)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: b[start..<(start + length)]))
                at += length
            }
            for i in at..<headerLength { area[i] = 0 }   // End of Option List padding
        }
        area[0] = 0x40 | UInt8(headerLength / 4)
        storeBigEndian16(headerLength + n, area, at: 2)
        let units = (baseOffset + offset) / 8
        area[6] = UInt8(units >> 8) | (last && !baseMore ? 0 : 0x20)
        area[7] = UInt8(truncatingIfNeeded: units)
        area[10] = 0
        area[11] = 0
        storeBigEndian16(Int(internetChecksum(UnsafeRawBufferPointer(rebasing: area[0..<headerLength]))), area, at: 10)
        let from = header.headerLength + offset
        UnsafeMutableRawBufferPointer(rebasing: area[headerLength..<(headerLength + n)])
            .copyMemory(from: UnsafeRawBufferPointer(rebasing: b[from..<(from + n)]))
        out.setLength(headerLength + n)
        offset += n
        done = last
        return true
    }

    /// Calls `copied(start, length)` for each option with the copied flag (type bit 0x80);
    /// false when an option's length is missing, below 2 or past the header (RFC 791 §3.1).
    static func walkOptions(_ b: UnsafeMutableRawBufferPointer, headerLength: Int, _ copied: (Int, Int) -> Void) -> Bool {
        var i = 20
        while i < headerLength {
            let type = b[i]
            if type == 0 { return true }          // End of Option List
            if type == 1 { i += 1; continue }     // No Operation
            guard i + 1 < headerLength else { return false }
            let length = Int(b[i + 1])
            guard length >= 2, i + length <= headerLength else { return false }
            if type & 0x80 != 0 { copied(i, length) }
            i += length
        }
        return true
    }
}
