/// What the kernel leaves undone in a packet read from a TUN device opened with IFF_VNET_HDR and
/// TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6): the checksum of a CHECKSUM_PARTIAL
/// packet, and the segmentation of a TCP super-packet into MSS-sized segments (what the kernel's
/// tcp_gso_segment would have done). Invariant: the functions read only inside the buffers they
/// are given, write only into the slots and the packet they are given, allocate nothing, and
/// turn anything malformed into `nil`/`false` (a counted drop), never a crash.
public enum SegmentationOffload {
    static let tcpFIN: UInt8 = 0x01
    static let tcpPSH: UInt8 = 0x08
    static let tcpCWR: UInt8 = 0x80

    /// Completes the checksum of a packet whose header has `needsChecksum` and no GSO: the
    /// 16-bit field at `checksumStart + checksumOffset` holds the pseudo-header sum; the sum from
    /// `checksumStart` to the end (that field included) is complemented into the field, as
    /// skb_checksum_help does (a result of 0 is sent as 0xFFFF, which UDP needs and TCP accepts).
    /// False, with the packet untouched, when the offsets point outside the packet.
    public static func completeChecksum(_ packet: UnsafeMutableRawBufferPointer, header: VirtioNetHeader) -> Bool {
        let start = Int(header.checksumStart)
        let field = start + Int(header.checksumOffset)
        guard let base = packet.baseAddress, field + 2 <= packet.count else { return false }
        let sum = InternetChecksum.sum(base + start, count: packet.count - start)
        let checksum = ~sum
        base.setBE16(checksum == 0 ? 0xFFFF : checksum, at: field)
        return true
    }

    /// Turns one TUN read (the bytes after the virtio header) into IP packets, each at the default
    /// headroom of its own slot (`receiveArea` then `setLength`), ready for `ESPOutboundSA.seal`:
    /// - GSO none: the packet is copied into `slots[0]`, its checksum completed if `needsChecksum`.
    /// - GSO TCPv4/TCPv6 (the ECN bit allowed): split into segments of `gsoSize` payload bytes.
    /// Returns the number of slots filled, or nil for a packet to drop: bad IP version or lengths,
    /// offsets out of range, gsoSize 0, an unsupported GSO type (UDP), or more segments than slots.
    /// `packet` is only read. The slots used are `slots[first...]`, so one batch of slots can
    /// collect several reads.
    public static func split(_ packet: UnsafeRawBufferPointer, header: VirtioNetHeader, into slots: [PacketBuffer],
                             from first: Int = 0) -> Int? {
        guard let input = packet.baseAddress, first >= 0, first < slots.count else { return nil }
        switch header.gsoType & ~VirtioNetHeader.gsoECN {
        case VirtioNetHeader.gsoNone:
            let slot = slots[first]
            let area = slot.receiveArea()
            guard packet.count <= area.count else { return nil }
            area.copyMemory(from: packet)
            slot.setLength(packet.count)
            if header.flags & VirtioNetHeader.needsChecksum != 0 {
                guard completeChecksum(slot.bytes, header: header) else {
                    slot.setLength(0)
                    return nil
                }
            }
            return 1
        case VirtioNetHeader.gsoTCPv4, VirtioNetHeader.gsoTCPv6:
            guard let layout = TSOLayout(input, count: packet.count, header: header) else { return nil }
            return segmentTCP(input, count: packet.count, layout: layout, into: slots, from: first)
        default:
            return nil
        }
    }

    /// Where the headers of a TCP super-packet are, computed from the packet itself (the kernel's
    /// `headerLength` is not trusted: on the forward path it can be the whole first packet).
    struct TSOLayout {
        let isV6: Bool
        let transport: Int       // where the TCP header starts (the IP header length)
        let headers: Int         // transport + TCP header length
        let gsoSize: Int

        init?(_ p: UnsafeRawPointer, count: Int, header: VirtioNetHeader) {
            guard count >= 20, header.gsoSize > 0, count <= 65_535 + 40 else { return nil }
            let version = p.byte(at: 0) >> 4
            let wantTCPv4 = header.gsoType & ~VirtioNetHeader.gsoECN == VirtioNetHeader.gsoTCPv4
            let partial = header.flags & VirtioNetHeader.needsChecksum != 0
            switch version {
            case 4:
                let ihl = Int(p.byte(at: 0) & 0x0F) * 4
                // RFC 791: total length covers the whole datagram; TSO never sends fragments.
                guard wantTCPv4, ihl >= 20, count >= ihl, Int(p.be16(at: 2)) == count,
                      p.byte(at: 9) == 6, p.byte(at: 6) & 0x3F == 0, p.byte(at: 7) == 0 else { return nil }
                guard !partial || Int(header.checksumStart) == ihl else { return nil }
                isV6 = false
                transport = ihl
            case 6:
                // RFC 8200 §3: payload length covers everything after the 40-byte fixed header,
                // extension headers included; with NEEDS_CSUM the TCP header is at checksumStart.
                // The pseudo-header takes the fixed header's destination: right for hop-by-hop and
                // destination options, not for a routing header (the local stack sends none).
                guard !wantTCPv4, count >= 40, Int(p.be16(at: 4)) == count - 40 else { return nil }
                if partial {
                    guard header.checksumStart >= 40 else { return nil }
                    transport = Int(header.checksumStart)
                } else {
                    guard p.byte(at: 6) == 6 else { return nil }
                    transport = 40
                }
                isV6 = true
            default:
                return nil
            }
            // The TCP checksum is at offset 16 (RFC 793 §3.1); a NEEDS_CSUM header must agree.
            guard !partial || header.checksumOffset == 16, count >= transport + 20 else { return nil }
            let tcpLength = Int(p.byte(at: transport + 12) >> 4) * 4
            guard tcpLength >= 20, count > transport + tcpLength else { return nil }
            headers = transport + tcpLength
            gsoSize = Int(header.gsoSize)
        }
    }

    /// Writes segment i = 0, 1, ... of the super-packet into slots[first + i] (tcp_gso_segment's rules).
    static func segmentTCP(_ input: UnsafeRawPointer, count: Int, layout: TSOLayout, into slots: [PacketBuffer], from first: Int) -> Int? {
        let payload = count - layout.headers
        let segments = (payload + layout.gsoSize - 1) / layout.gsoSize
        guard segments <= slots.count - first else { return nil }
        for i in first..<(first + segments) {
            guard slots[i].capacity - PacketBuffer.defaultHeadroom >= layout.headers + min(payload, layout.gsoSize) else { return nil }
        }
        let firstSeq = input.be32(at: layout.transport + 4)
        let firstID = input.be16(at: 4)
        let t = layout.transport
        for i in 0..<segments {
            let offset = layout.headers + i * layout.gsoSize
            let chunk = min(layout.gsoSize, count - offset)
            let length = layout.headers + chunk
            let slot = slots[first + i]
            let out = slot.receiveArea().baseAddress!
            out.copyMemory(from: input, byteCount: layout.headers)
            (out + layout.headers).copyMemory(from: input + offset, byteCount: chunk)
            slot.setLength(length)
            if layout.isV6 {
                out.setBE16(UInt16(length - 40), at: 4)
            } else {
                // RFC 791: each segment is its own datagram: its length, the next ID, a new checksum.
                out.setBE16(UInt16(length), at: 2)
                out.setBE16(firstID &+ UInt16(truncatingIfNeeded: i), at: 4)
                out.setBE16(0, at: 10)
                out.setBE16(InternetChecksum.checksum(out, count: t), at: 10)
            }
            out.setBE32(firstSeq &+ UInt32(truncatingIfNeeded: i * layout.gsoSize), at: t + 4)
            var flags = out.byte(at: t + 13)
            if i != segments - 1 { flags &= ~(tcpFIN | tcpPSH) }   // FIN and PSH end the stream of data
            if i != 0 { flags &= ~tcpCWR }                         // RFC 3168 §6.1.2: CWR once
            out.setByte(flags, at: t + 13)
            out.setBE16(0, at: t + 16)
            let pseudo = layout.isV6
                ? InternetChecksum.pseudoHeaderSum(ipv6: out, protocol: 6, length: length - t)
                : InternetChecksum.pseudoHeaderSum(ipv4: out, protocol: 6, length: length - t)
            out.setBE16(InternetChecksum.checksum(out + t, count: length - t, initial: pseudo), at: t + 16)
        }
        return segments
    }
}
