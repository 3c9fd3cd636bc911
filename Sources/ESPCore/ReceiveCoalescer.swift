/// Receive-side TCP coalescing (what Linux GRO and wireguard-go's tcpGRO do) for packets about to
/// be written to a TUN device opened with IFF_VNET_HDR: consecutive in-order segments of one TCP
/// flow become one super-packet with a GSO header, so the kernel takes one write instead of ~45.
/// Invariant: at most one flow is pending, in one buffer allocated at init; the pending packet is
/// always a valid IP packet (lengths and checksums fixed up at flush); `offer` and `flushPending`
/// allocate nothing; the segments the kernel would cut the flushed super-packet into are exactly
/// the packets that were coalesced, headers included (only flows whose headers agree merge).
///
/// Checksums of offered packets are not verified: they come out of ESP, whose ICV authenticated
/// them, and the kernel computes the TCP checksum again for a NEEDS_CSUM super-packet.
public final class TCPCoalescer {
    /// Room for the virtio header and the largest IP packet.
    public static let capacity = VirtioNetHeader.size + 65_535

    let storage: UnsafeMutableRawPointer
    /// The pending packet starts after the virtio header.
    var packet: UnsafeMutableRawPointer { storage + VirtioNetHeader.size }
    /// Bytes of the pending packet; 0 when nothing is pending.
    var length = 0
    /// Packets coalesced into the pending one.
    public private(set) var segments = 0
    var isV6 = false
    var ipHeaderLength = 0
    var tcpHeaderLength = 0
    /// The payload length of the first segment: every later one must be no longer.
    var gsoSize = 0
    /// The sequence number the next segment must carry.
    var nextSeq: UInt32 = 0

    public init() {
        storage = UnsafeMutableRawPointer.allocate(byteCount: TCPCoalescer.capacity, alignment: 64)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: TCPCoalescer.capacity)
    }

    deinit { storage.deallocate() }

    /// Whether a packet is waiting for `flushPending`.
    public var hasPending: Bool { length > 0 }

    /// Offers the next packet bound for the TUN device. True: it was taken (copied; the caller's
    /// buffer is free again). False: it cannot be coalesced and the caller writes it itself, after
    /// a zero virtio header. Either way `flush` may first be called with an earlier pending
    /// super-packet (virtio header + packet), so the order of packets is kept.
    public func offer(_ packet: UnsafeRawBufferPointer, flush: (UnsafeRawBufferPointer) -> Void) -> Bool {
        guard let p = packet.baseAddress, let segment = TCPSegment(p, count: packet.count) else {
            flushPending(flush)
            return false
        }
        if length > 0, continues(p, segment) {
            append(p, segment)
            // Nothing may follow a PSH or a short segment (the kernel cuts gsoSize-long pieces).
            if segment.psh || segment.payload < gsoSize { flushPending(flush) }
            return true
        }
        flushPending(flush)
        guard !segment.psh else { return false }       // alone: no reason to hold it
        start(p, count: packet.count, segment)
        return true
    }

    /// Writes out the pending packet, if any: one segment as it came with a zero header; two or
    /// more as a GSO super-packet with a NEEDS_CSUM header (the checksum field holding the
    /// pseudo-header sum, as the kernel expects for CHECKSUM_PARTIAL).
    public func flushPending(_ flush: (UnsafeRawBufferPointer) -> Void) {
        guard length > 0 else { return }
        var header = VirtioNetHeader()
        if segments > 1 {
            let t = ipHeaderLength
            if isV6 {
                packet.setBE16(UInt16(length - 40), at: 4)
            } else {
                packet.setBE16(UInt16(length), at: 2)
                packet.setBE16(0, at: 10)
                packet.setBE16(InternetChecksum.checksum(packet, count: t), at: 10)
            }
            let pseudo = isV6
                ? InternetChecksum.pseudoHeaderSum(ipv6: packet, protocol: 6, length: length - t)
                : InternetChecksum.pseudoHeaderSum(ipv4: packet, protocol: 6, length: length - t)
            packet.setBE16(pseudo, at: t + 16)
            header = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum,
                                     gsoType: isV6 ? VirtioNetHeader.gsoTCPv6 : VirtioNetHeader.gsoTCPv4,
                                     headerLength: UInt16(t + tcpHeaderLength), gsoSize: UInt16(gsoSize),
                                     checksumStart: UInt16(t), checksumOffset: 16)
        }
        header.write(to: storage)
        let total = VirtioNetHeader.size + length
        length = 0
        segments = 0
        flush(UnsafeRawBufferPointer(start: storage, count: total))
    }

    /// An offered packet that could take part in coalescing: TCP over IPv4 without options and not
    /// a fragment, or over IPv6 without extension headers; lengths consistent; flags ACK or
    /// ACK|PSH only (SYN, FIN, RST, URG, ECE, CWR end coalescing, as in Linux's tcp_gro_receive);
    /// some payload.
    struct TCPSegment {
        let isV6: Bool
        let tcpHeaderLength: Int
        let payload: Int
        let seq: UInt32
        let psh: Bool

        init?(_ p: UnsafeRawPointer, count: Int) {
            guard count >= 40 else { return nil }
            let ip: Int
            switch p.byte(at: 0) {
            case 0x45:
                guard Int(p.be16(at: 2)) == count, p.byte(at: 9) == 6,
                      p.byte(at: 6) & 0x3F == 0, p.byte(at: 7) == 0 else { return nil }
                ip = 20
                isV6 = false
            case 0x60...0x6F:
                guard count >= 60, Int(p.be16(at: 4)) == count - 40, p.byte(at: 6) == 6 else { return nil }
                ip = 40
                isV6 = true
            default:
                return nil
            }
            tcpHeaderLength = Int(p.byte(at: ip + 12) >> 4) * 4
            guard tcpHeaderLength >= 20, count > ip + tcpHeaderLength else { return nil }
            let flags = p.byte(at: ip + 13)
            guard flags == 0x10 || flags == 0x18 else { return nil }
            psh = flags == 0x18
            payload = count - ip - tcpHeaderLength
            seq = p.be32(at: ip + 4)
        }

        var ipHeaderLength: Int { isV6 ? 40 : 20 }
    }

    /// Whether `s` is the next segment of the pending flow, and its headers say what the pending
    /// one's say, so that resegmenting the result gives the same packets back.
    func continues(_ p: UnsafeRawPointer, _ s: TCPSegment) -> Bool {
        guard s.isV6 == isV6, s.tcpHeaderLength == tcpHeaderLength, s.seq == nextSeq,
              s.payload <= gsoSize, length + s.payload <= 65_535 else { return false }
        let q = UnsafeRawPointer(packet)
        if isV6 {
            // Version, traffic class and flow label (bytes 0-3), next header and hop limit (6-7),
            // addresses (8-39).
            guard p.loadUnaligned(as: UInt32.self) == q.loadUnaligned(as: UInt32.self),
                  p.be16(at: 6) == q.be16(at: 6), equal(p + 8, q + 8, 32) else { return false }
        } else {
            // TOS (1); DF and the reserved bit (6) — MF and offset are zero; TTL and protocol
            // (8-9); addresses (12-19). The ID may differ.
            guard p.byte(at: 1) == q.byte(at: 1), p.byte(at: 6) == q.byte(at: 6),
                  p.be16(at: 8) == q.be16(at: 8), equal(p + 12, q + 12, 8) else { return false }
        }
        let t = ipHeaderLength
        // Ports (0-3), acknowledgment number (8-11), data offset and reserved bits (12), window
        // (14-15) and the options: Linux GRO flushes when any of these differ.
        return p.loadUnaligned(fromByteOffset: t, as: UInt32.self) == q.loadUnaligned(fromByteOffset: t, as: UInt32.self)
            && p.loadUnaligned(fromByteOffset: t + 8, as: UInt32.self) == q.loadUnaligned(fromByteOffset: t + 8, as: UInt32.self)
            && p.byte(at: t + 12) == q.byte(at: t + 12)
            && p.be16(at: t + 14) == q.be16(at: t + 14)
            && equal(p + t + 20, q + t + 20, tcpHeaderLength - 20)
    }

    func append(_ p: UnsafeRawPointer, _ s: TCPSegment) {
        (packet + length).copyMemory(from: p + ipHeaderLength + tcpHeaderLength, byteCount: s.payload)
        length += s.payload
        segments += 1
        nextSeq = nextSeq &+ UInt32(s.payload)
        if s.psh {
            let t = ipHeaderLength
            packet.setByte(packet.byte(at: t + 13) | SegmentationOffload.tcpPSH, at: t + 13)
        }
    }

    func start(_ p: UnsafeRawPointer, count: Int, _ s: TCPSegment) {
        packet.copyMemory(from: p, byteCount: count)
        length = count
        segments = 1
        isV6 = s.isV6
        ipHeaderLength = s.ipHeaderLength
        tcpHeaderLength = s.tcpHeaderLength
        gsoSize = s.payload
        nextSeq = s.seq &+ UInt32(s.payload)
    }

    /// Byte-wise equality of `n` bytes (options and addresses: short).
    func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
        var i = 0
        while i < n {
            guard a.byte(at: i) == b.byte(at: i) else { return false }
            i += 1
        }
        return true
    }
}
