import IKECrypto
import Testing
@testable import ESPCore

/// The TUN offload functions against packets built here with a plain reference checksum: the
/// virtio header layout, the fast checksum, CHECKSUM_PARTIAL completion, TSO splitting (every
/// field of every segment, malformed input refused) and TCP coalescing (split then coalesce gives
/// the super-packet back; flows that must not merge do not).
@Suite struct OffloadTests {
    // MARK: - Reference packets

    /// One TCP flow's header fields; IPv4 10.1.1.4 -> 10.2.1.10 or IPv6 fd00:1::4 -> fd00:2::10.
    struct Flow {
        var v6 = false
        var sourcePort: UInt16 = 40_000
        var destinationPort: UInt16 = 443
        var ttl: UInt8 = 64
        var tos: UInt8 = 0
        var id: UInt16 = 0x1234
        var ack: UInt32 = 0xA0B0_C0D0
        var window: UInt16 = 501
        /// NOP, NOP, timestamps.
        var options: [UInt8] = [1, 1, 8, 10, 0, 0, 0x10, 1, 0, 0, 0x20, 2]
        var ipOptions: [UInt8] = []
        var protocolNumber: UInt8 = 6

        var ipHeaderLength: Int { v6 ? 40 : 20 + ipOptions.count }
        var headerLength: Int { ipHeaderLength + 20 + options.count }
    }

    enum ChecksumField { case full, partial, garbage }

    static let flagFIN: UInt8 = 0x01, flagSYN: UInt8 = 0x02, flagPSH: UInt8 = 0x08, flagACK: UInt8 = 0x10
    static let flagCWR: UInt8 = 0x80

    /// RFC 1071 written out plainly (not the code under test): the folded, uncomplemented sum.
    static func referenceSum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt64 = 0
        var i = 0
        while i < bytes.count {
            let low: UInt64 = i + 1 < bytes.count ? UInt64(bytes[i + 1]) : 0
            sum += UInt64(bytes[i]) << 8 | low
            i += 2
        }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return UInt16(sum)
    }

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func read16(_ p: [UInt8], _ at: Int) -> UInt16 { UInt16(p[at]) << 8 | UInt16(p[at + 1]) }
    static func read32(_ p: [UInt8], _ at: Int) -> UInt32 { UInt32(read16(p, at)) << 16 | UInt32(read16(p, at + 2)) }

    /// The pseudo-header of the transport part of `p` (RFC 793, RFC 8200 §8.1).
    static func pseudoHeader(_ p: [UInt8], v6: Bool, transport: Int) -> [UInt8] {
        let length = p.count - transport
        if v6 { return Array(p[8..<40]) + be32(UInt32(length)) + [0, 0, 0, p[6]] }
        return Array(p[12..<20]) + [0, p[9]] + be16(UInt16(length))
    }

    /// A TCP packet of `flow` with the given sequence number, flags and payload.
    static func packet(_ flow: Flow, seq: UInt32, flags: UInt8, payload: [UInt8], checksum: ChecksumField = .full) -> [UInt8] {
        let tcp = be16(flow.sourcePort) + be16(flow.destinationPort) + be32(seq) + be32(flow.ack)
            + [UInt8((20 + flow.options.count) / 4) << 4, flags] + be16(flow.window) + [0, 0, 0, 0] + flow.options + payload
        var p: [UInt8]
        if flow.v6 {
            let source: [UInt8] = [0xFD, 0, 0, 1] + [UInt8](repeating: 0, count: 11) + [4]
            let destination: [UInt8] = [0xFD, 0, 0, 2] + [UInt8](repeating: 0, count: 11) + [0x10]
            p = [0x60 | flow.tos >> 4, flow.tos << 4 | 0x0A, 0xBC, 0xDE] + be16(UInt16(tcp.count))
                + [flow.protocolNumber, flow.ttl] + source + destination + tcp
        } else {
            let ihl = 20 + flow.ipOptions.count
            p = [0x40 | UInt8(ihl / 4), flow.tos] + be16(UInt16(ihl + tcp.count)) + be16(flow.id) + [0x40, 0]
                + [flow.ttl, flow.protocolNumber, 0, 0, 10, 1, 1, 4, 10, 2, 1, 10] + flow.ipOptions + tcp
            let c = ~referenceSum(Array(p[0..<ihl]))
            p[10] = UInt8(c >> 8)
            p[11] = UInt8(c & 0xFF)
        }
        let t = flow.ipHeaderLength
        let value: UInt16
        switch checksum {
        case .full: value = ~referenceSum(pseudoHeader(p, v6: flow.v6, transport: t) + Array(p[t...]))
        case .partial: value = referenceSum(pseudoHeader(p, v6: flow.v6, transport: t))
        case .garbage: value = 0xBEEF
        }
        p[t + 16] = UInt8(value >> 8)
        p[t + 17] = UInt8(value & 0xFF)
        return p
    }

    static func payload(_ count: Int, seed: UInt64 = 7) -> [UInt8] { SeededRandom(seed: seed).bytes(count) }

    /// The virtio header the kernel puts in front of a TSO super-packet of `flow`.
    static func tsoHeader(_ flow: Flow, mss: Int) -> VirtioNetHeader {
        VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, gsoType: flow.v6 ? VirtioNetHeader.gsoTCPv6 : VirtioNetHeader.gsoTCPv4,
                        headerLength: UInt16(flow.headerLength), gsoSize: UInt16(mss),
                        checksumStart: UInt16(flow.ipHeaderLength), checksumOffset: 16)
    }

    static func ipv4HeaderVerifies(_ p: [UInt8]) -> Bool { referenceSum(Array(p[0..<(Int(p[0] & 0x0F) * 4)])) == 0xFFFF }

    static func tcpVerifies(_ p: [UInt8], v6: Bool, transport: Int) -> Bool {
        referenceSum(pseudoHeader(p, v6: v6, transport: transport) + Array(p[transport...])) == 0xFFFF
    }

    static func slots(_ n: Int) -> [PacketBuffer] { (0..<n).map { _ in PacketBuffer() } }

    /// The split's segments as arrays, or nil.
    static func split(_ p: [UInt8], _ header: VirtioNetHeader, _ slots: [PacketBuffer]) -> [[UInt8]]? {
        guard let n = p.withUnsafeBytes({ SegmentationOffload.split($0, header: header, into: slots) }) else { return nil }
        for i in 0..<n { #expect(slots[i].start == PacketBuffer.defaultHeadroom) }
        return (0..<n).map { slots[$0].array }
    }

    // MARK: - Virtio header and checksum

    @Test func virtioHeaderLayoutIsTenLittleEndianBytes() {
        let h = VirtioNetHeader(flags: 1, gsoType: 0x84, headerLength: 0x0102, gsoSize: 0x0304, checksumStart: 0x0506, checksumOffset: 0x0708)
        var bytes = [UInt8](repeating: 0xEE, count: 12)
        bytes.withUnsafeMutableBytes { h.write(to: $0.baseAddress! + 1) }
        #expect(bytes == [0xEE, 1, 0x84, 2, 1, 4, 3, 6, 5, 8, 7, 0xEE])
        let back = bytes.withUnsafeBytes { VirtioNetHeader(reading: $0.baseAddress! + 1) }
        #expect(back == h)
        #expect(VirtioNetHeader.size == 10)
        // Read inside the closure: the pointer must not outlive the array (ASan found it did).
        let zeros = [UInt8](repeating: 0, count: 10)
        #expect(VirtioNetHeader() == zeros.withUnsafeBytes { VirtioNetHeader(reading: $0.baseAddress!) })
    }

    @Test func checksumMatchesTheReferenceForEveryLengthAndAlignment() {
        let random = SeededRandom(seed: 11)
        for length in 0..<300 {
            let data = random.bytes(length + 8)
            for shift in [0, 1, 3, 7] {
                let slice = Array(data[shift..<(shift + length)])
                let fast = data.withUnsafeBytes { InternetChecksum.sum($0.baseAddress! + shift, count: length) }
                #expect(fast == Self.referenceSum(slice), "length \(length) shift \(shift)")
            }
        }
        let big = random.bytes(65_535)
        #expect(big.withUnsafeBytes { InternetChecksum.sum($0.baseAddress!, count: $0.count) } == Self.referenceSum(big))
        let allFF = [UInt8](repeating: 0xFF, count: 64)
        #expect(allFF.withUnsafeBytes { InternetChecksum.sum($0.baseAddress!, count: 64) } == 0xFFFF)
        // `initial` adds in one's complement: sum(a ++ b) == add(sum(a), sum(b)) for even |a|.
        let a = random.bytes(100), b = random.bytes(37)
        let sumB = b.withUnsafeBytes { InternetChecksum.sum($0.baseAddress!, count: 37) }
        #expect(a.withUnsafeBytes { InternetChecksum.sum($0.baseAddress!, count: 100, initial: sumB) } == Self.referenceSum(a + b))
        #expect(InternetChecksum.add(0xFFFF, 1) == 1)
        #expect(InternetChecksum.add(0x8000, 0x8000) == 1)
    }

    @Test func pseudoHeaderSumsMatchTheReference() {
        for v6 in [false, true] {
            let flow = Flow(v6: v6)
            let p = Self.packet(flow, seq: 1, flags: Self.flagACK, payload: Self.payload(999))
            let t = flow.ipHeaderLength
            let fast = p.withUnsafeBytes {
                v6 ? InternetChecksum.pseudoHeaderSum(ipv6: $0.baseAddress!, protocol: 6, length: p.count - t)
                   : InternetChecksum.pseudoHeaderSum(ipv4: $0.baseAddress!, protocol: 6, length: p.count - t)
            }
            #expect(fast == Self.referenceSum(Self.pseudoHeader(p, v6: v6, transport: t)))
        }
        let v6 = Self.packet(Flow(v6: true), seq: 1, flags: Self.flagACK, payload: [])
        let long = v6.withUnsafeBytes { InternetChecksum.pseudoHeaderSum(ipv6: $0.baseAddress!, protocol: 6, length: 0x1_0203) }
        #expect(long == Self.referenceSum(Array(v6[8..<40]) + [0, 1, 2, 3, 0, 0, 0, 6]))
    }

    // MARK: - completeChecksum

    @Test func completeChecksumFillsInAPartialTCPChecksum() {
        for v6 in [false, true] {
            let flow = Flow(v6: v6)
            let full = Self.packet(flow, seq: 99, flags: Self.flagACK | Self.flagPSH, payload: Self.payload(1001))
            var partial = Self.packet(flow, seq: 99, flags: Self.flagACK | Self.flagPSH, payload: Self.payload(1001), checksum: .partial)
            let header = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, checksumStart: UInt16(flow.ipHeaderLength), checksumOffset: 16)
            #expect(partial.withUnsafeMutableBytes { SegmentationOffload.completeChecksum($0, header: header) })
            #expect(partial == full)
            #expect(Self.tcpVerifies(partial, v6: v6, transport: flow.ipHeaderLength))
        }
    }

    @Test func completeChecksumWritesAZeroResultAsAllOnes() {
        // A UDP datagram whose checksum comes out 0: two payload bytes chosen to make the sum 0xFFFF.
        var p: [UInt8] = [0x45, 0, 0, 32, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 1, 1, 4, 10, 2, 1, 10]
        p += [0x13, 0x88, 0x13, 0x89, 0, 12, 0, 0, 0xAB, 0xCD, 0, 0]
        let pseudo = Self.referenceSum(Array(p[12..<20]) + [0, 17, 0, 12])
        let rest = Self.referenceSum(Array(p[20...]))
        let x = 0xFFFF - InternetChecksum.add(pseudo, rest)
        p[30] = UInt8(x >> 8)
        p[31] = UInt8(x & 0xFF)
        p[26] = UInt8(pseudo >> 8)
        p[27] = UInt8(pseudo & 0xFF)
        let header = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, checksumStart: 20, checksumOffset: 6)
        #expect(p.withUnsafeMutableBytes { SegmentationOffload.completeChecksum($0, header: header) })
        #expect(p[26] == 0xFF && p[27] == 0xFF)
    }

    @Test func completeChecksumRefusesOffsetsOutsideThePacket() {
        let original = Self.packet(Flow(), seq: 1, flags: Self.flagACK, payload: Self.payload(10), checksum: .partial)
        var p = original
        for (start, offset) in [(p.count, 0), (p.count - 1, 0), (20, UInt16(p.count - 21)), (60_000, 16), (65_535, 65_535)] {
            let header = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, checksumStart: UInt16(start), checksumOffset: offset)
            #expect(!p.withUnsafeMutableBytes { SegmentationOffload.completeChecksum($0, header: header) })
            #expect(p == original)
        }
        let lastField = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, checksumStart: 20, checksumOffset: UInt16(p.count - 22))
        #expect(p.withUnsafeMutableBytes { SegmentationOffload.completeChecksum($0, header: lastField) })
    }

    // MARK: - split

    /// The segments the kernel's tcp_gso_segment would make of `flow`'s super-packet, built here
    /// field by field with full checksums.
    static func expectedSegments(_ flow: Flow, seq: UInt32, flags: UInt8, payload: [UInt8], mss: Int) -> [[UInt8]] {
        let count = (payload.count + mss - 1) / mss
        return (0..<count).map { i in
            var f = flow
            f.id = flow.id &+ UInt16(truncatingIfNeeded: i)
            var segmentFlags = flags
            if i != count - 1 { segmentFlags &= ~(flagFIN | flagPSH) }
            if i != 0 { segmentFlags &= ~flagCWR }
            let chunk = Array(payload[(i * mss)..<min(payload.count, (i + 1) * mss)])
            return packet(f, seq: seq &+ UInt32(i * mss), flags: segmentFlags, payload: chunk)
        }
    }

    @Test(arguments: [false, true])
    func splitGivesMSSSizedSegmentsWithEveryFieldRight(v6: Bool) throws {
        let flow = Flow(v6: v6)
        let mss = 1448, data = Self.payload(10_000)
        let flags = Self.flagACK | Self.flagPSH | Self.flagFIN | Self.flagCWR
        let superPacket = Self.packet(flow, seq: 0x1000_0000, flags: flags, payload: data, checksum: .partial)
        let slots = Self.slots(8)
        let segments = try #require(Self.split(superPacket, Self.tsoHeader(flow, mss: mss), slots))
        #expect(segments.count == 7)
        let t = flow.ipHeaderLength
        var reassembled: [UInt8] = []
        for (i, s) in segments.enumerated() {
            let last = i == segments.count - 1
            #expect(s.count == flow.headerLength + (last ? 10_000 - 6 * mss : mss))
            if v6 {
                #expect(Int(Self.read16(s, 4)) == s.count - 40)
                #expect(s[0..<4] == superPacket[0..<4] && s[6..<40] == superPacket[6..<40])
            } else {
                #expect(Int(Self.read16(s, 2)) == s.count)
                #expect(Self.read16(s, 4) == 0x1234 + UInt16(i))
                #expect(Self.ipv4HeaderVerifies(s))
                #expect(s[6..<10] == superPacket[6..<10] && s[12..<20] == superPacket[12..<20])
            }
            #expect(s[t..<(t + 4)] == superPacket[t..<(t + 4)])                      // ports
            #expect(Self.read32(s, t + 4) == 0x1000_0000 + UInt32(i * mss))           // seq
            #expect(s[(t + 8)..<(t + 13)] == superPacket[(t + 8)..<(t + 13)])         // ack, offset
            #expect(s[t + 13] & Self.flagACK != 0)
            #expect((s[t + 13] & (Self.flagFIN | Self.flagPSH) != 0) == last)
            #expect((s[t + 13] & Self.flagCWR != 0) == (i == 0))
            #expect(s[(t + 14)..<(t + 16)] == superPacket[(t + 14)..<(t + 16)])       // window
            #expect(s[(t + 18)..<flow.headerLength] == superPacket[(t + 18)..<flow.headerLength])
            #expect(Self.tcpVerifies(s, v6: v6, transport: t))
            reassembled += s[flow.headerLength...]
        }
        #expect(reassembled == data)
        #expect(segments == Self.expectedSegments(flow, seq: 0x1000_0000, flags: flags, payload: data, mss: mss))
    }

    @Test func splitWrapsIDAndSequenceNumberAndAcceptsTheECNBit() throws {
        var flow = Flow()
        flow.id = 0xFFFE
        let data = Self.payload(4000)
        let superPacket = Self.packet(flow, seq: 0xFFFF_F000, flags: Self.flagACK, payload: data, checksum: .garbage)
        var header = Self.tsoHeader(flow, mss: 1000)
        header.gsoType |= VirtioNetHeader.gsoECN
        let segments = try #require(Self.split(superPacket, header, Self.slots(4)))
        #expect(segments.map { Self.read16($0, 4) } == [0xFFFE, 0xFFFF, 0, 1])
        #expect(segments.map { Self.read32($0, 24) } == [0xFFFF_F000, 0xFFFF_F3E8, 0xFFFF_F7D0, 0xFFFF_FBB8])
        #expect(segments == Self.expectedSegments(flow, seq: 0xFFFF_F000, flags: Self.flagACK, payload: data, mss: 1000))
    }

    @Test func splitIgnoresTheKernelsHeaderLength() throws {
        let flow = Flow()
        let data = Self.payload(3000)
        let superPacket = Self.packet(flow, seq: 5, flags: Self.flagACK, payload: data, checksum: .partial)
        var header = Self.tsoHeader(flow, mss: 1400)
        header.headerLength = UInt16(flow.headerLength + 1400)   // the whole first packet (forward path)
        let segments = try #require(Self.split(superPacket, header, Self.slots(3)))
        #expect(segments == Self.expectedSegments(flow, seq: 5, flags: Self.flagACK, payload: data, mss: 1400))
        header.headerLength = 0
        #expect(Self.split(superPacket, header, Self.slots(3)) == segments)
    }

    @Test func splitWithoutGSOCopiesAndCompletesTheChecksum() throws {
        for v6 in [false, true] {
            let flow = Flow(v6: v6)
            let full = Self.packet(flow, seq: 1, flags: Self.flagACK, payload: Self.payload(777))
            let partial = Self.packet(flow, seq: 1, flags: Self.flagACK, payload: Self.payload(777), checksum: .partial)
            let slots = Self.slots(1)
            #expect(Self.split(full, VirtioNetHeader(), slots) == [full])
            let header = VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, checksumStart: UInt16(flow.ipHeaderLength), checksumOffset: 16)
            #expect(Self.split(partial, header, slots) == [full])
            #expect(partial != full)   // the input is only read
            var bad = header
            bad.checksumStart = UInt16(partial.count)
            #expect(Self.split(partial, bad, slots) == nil)
        }
        let small = PacketBuffer(capacity: 200)
        #expect(Self.split(Self.payload(100), VirtioNetHeader(), [small]) == nil)
        #expect(Self.split(Self.payload(72), VirtioNetHeader(), [small])?.count == 1)
        #expect(Self.split(Self.payload(72), VirtioNetHeader(), []) == nil)
    }

    @Test func splitRefusesMalformedSuperPackets() {
        let flow = Flow()
        let superPacket = Self.packet(flow, seq: 5, flags: Self.flagACK, payload: Self.payload(3000), checksum: .partial)
        let header = Self.tsoHeader(flow, mss: 1000)
        let slots = Self.slots(4)
        #expect(Self.split(superPacket, header, slots)?.count == 3)
        // Every truncation: the IPv4 total length no longer matches.
        for n in 0..<superPacket.count {
            #expect(Self.split(Array(superPacket[0..<n]), header, slots) == nil, "truncated to \(n)")
        }
        var h = header
        h.gsoSize = 0
        #expect(Self.split(superPacket, h, slots) == nil)
        #expect(Self.split(superPacket, header, Self.slots(2)) == nil)              // 3 segments, 2 slots
        #expect(Self.split(superPacket, header, [PacketBuffer(capacity: 1000)]) == nil)
        h = header
        h.checksumStart = UInt16(superPacket.count + 10)
        #expect(Self.split(superPacket, h, slots) == nil)
        h.checksumStart = 24                                                        // not the IHL
        #expect(Self.split(superPacket, h, slots) == nil)
        h = header
        h.checksumOffset = 6
        #expect(Self.split(superPacket, h, slots) == nil)
        for type in [VirtioNetHeader.gsoTCPv6, VirtioNetHeader.gsoUDP, VirtioNetHeader.gsoUDPL4, 2, 0x7F] {
            h = header
            h.gsoType = type
            #expect(Self.split(superPacket, h, slots) == nil, "gso type \(type)")
        }
        var mutated = superPacket
        mutated[9] = 17                                                             // UDP in a TCP super-packet
        #expect(Self.split(mutated, header, slots) == nil)
        mutated = superPacket
        mutated[6] = 0x20                                                           // a fragment
        #expect(Self.split(mutated, header, slots) == nil)
        mutated = superPacket
        mutated[32] = 0x40                                                          // TCP data offset 16
        #expect(Self.split(mutated, header, slots) == nil)
        mutated = superPacket
        mutated[32] = 0xF0                                                          // TCP header past the end
        #expect(Self.split(Array(mutated[0..<70]).withLength(), header, slots) == nil)
        // IPv6: wrong length, a header-only packet, checksumStart inside the fixed header.
        let v6 = Flow(v6: true)
        let v6Packet = Self.packet(v6, seq: 5, flags: Self.flagACK, payload: Self.payload(3000), checksum: .partial)
        let v6Header = Self.tsoHeader(v6, mss: 1000)
        #expect(Self.split(v6Packet, v6Header, slots)?.count == 3)
        #expect(Self.split(Array(v6Packet.dropLast()), v6Header, slots) == nil)
        #expect(Self.split(Self.packet(v6, seq: 5, flags: Self.flagACK, payload: []), v6Header, slots) == nil)
        h = v6Header
        h.checksumStart = 20
        #expect(Self.split(v6Packet, h, slots) == nil)
        h.gsoType = VirtioNetHeader.gsoTCPv4
        h.checksumStart = 40
        #expect(Self.split(v6Packet, h, slots) == nil)
        #expect(Self.split([0x45], header, slots) == nil)
        #expect(Self.split([], header, slots) == nil)
    }

    /// Random payload sizes and MSS values, IPv4 and IPv6, against the reference segmentation;
    /// then the segments coalesced back.
    @Test func splitMatchesTheReferenceForRandomSizes() throws {
        let random = SeededRandom(seed: 2024)
        let slots = Self.slots(64)
        let coalescer = TCPCoalescer()
        for round in 0..<200 {
            var flow = Flow(v6: random.next(below: 2) == 1)
            flow.options = Array([1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8].prefix(4 * random.next(below: 4)))
            flow.id = UInt16(truncatingIfNeeded: random.next())
            let mss = 1 + random.next(below: 9000)
            let maxPayload = min(65_535 - flow.headerLength, 64 * mss)
            let length = 1 + random.next(below: maxPayload)
            let data = Self.payload(length, seed: UInt64(round))
            let seq = UInt32(truncatingIfNeeded: random.next())
            let flags = [Self.flagACK, Self.flagACK | Self.flagPSH, Self.flagACK | Self.flagFIN | Self.flagPSH, Self.flagACK | Self.flagCWR][random.next(below: 4)]
            let superPacket = Self.packet(flow, seq: seq, flags: flags, payload: data, checksum: .partial)
            let segments = try #require(Self.split(superPacket, Self.tsoHeader(flow, mss: mss), slots), "round \(round)")
            #expect(segments == Self.expectedSegments(flow, seq: seq, flags: flags, payload: data, mss: mss), "round \(round)")
            // Without FIN or CWR every segment coalesces, and the super-packet comes back; a lone
            // PSH segment is handed back to be written as it is.
            guard flags & (Self.flagFIN | Self.flagCWR) == 0, superPacket.count <= 65_535 else { continue }
            let flushed = Flushed()
            let taken = segments.map { Self.offer(coalescer, $0, flushed) }
            coalescer.flushPending(flushed.callAsFunction)
            let flushedHeaders = flushed.items.map(\.header)
            if segments.count == 1 && flags & Self.flagPSH != 0 {
                #expect(taken == [false] && flushed.items.isEmpty, "round \(round)")
            } else if segments.count == 1 {
                #expect(taken == [true] && flushedHeaders == [VirtioNetHeader()], "round \(round)")
                #expect(flushed.items.map(\.packet) == segments, "round \(round)")
            } else {
                #expect(taken.allSatisfy { $0 } && flushedHeaders == [Self.tsoHeader(flow, mss: mss)], "round \(round)")
                #expect(flushed.items.map(\.packet) == [superPacket],
                        "round \(round)")
            }
        }
    }

    // MARK: - TCPCoalescer

    /// What the coalescer handed to `flush`, header and packet apart.
    final class Flushed {
        var items: [(header: VirtioNetHeader, packet: [UInt8])] = []
        func callAsFunction(_ b: UnsafeRawBufferPointer) {
            items.append((VirtioNetHeader(reading: b.baseAddress!), Array(b[VirtioNetHeader.size...])))
        }
    }

    static func offer(_ c: TCPCoalescer, _ p: [UInt8], _ flushed: Flushed) -> Bool {
        p.withUnsafeBytes { c.offer($0, flush: flushed.callAsFunction) }
    }

    @Test(arguments: [false, true])
    func splitThenCoalesceGivesTheSuperPacketBack(v6: Bool) throws {
        let flow = Flow(v6: v6)
        let data = Self.payload(20_000)
        let flags = Self.flagACK | Self.flagPSH
        let superPacket = Self.packet(flow, seq: 0xFFFF_0000, flags: flags, payload: data, checksum: .partial)
        let segments = try #require(Self.split(superPacket, Self.tsoHeader(flow, mss: 1448), Self.slots(14)))
        #expect(segments.count == 14)
        let coalescer = TCPCoalescer()
        let flushed = Flushed()
        for (i, s) in segments.enumerated() {
            #expect(Self.offer(coalescer, s, flushed))
            #expect(flushed.items.count == (i == segments.count - 1 ? 1 : 0))   // flushed at the PSH
        }
        #expect(!coalescer.hasPending)
        let (header, packet) = try #require(flushed.items.first)
        #expect(header == Self.tsoHeader(flow, mss: 1448))
        #expect(packet == superPacket)
        // What the kernel then does with NEEDS_CSUM: the completed packet verifies.
        var completed = packet
        #expect(completed.withUnsafeMutableBytes { SegmentationOffload.completeChecksum($0, header: header) })
        #expect(Self.tcpVerifies(completed, v6: v6, transport: flow.ipHeaderLength))
        if !v6 { #expect(Self.ipv4HeaderVerifies(packet)) }
        // And splitting it again gives the same segments.
        #expect(Self.split(packet, header, Self.slots(14)) == segments)
    }

    @Test func aShortSegmentEndsTheSuperPacketAndFullOnesWaitForFlushPending() throws {
        let flow = Flow()
        let coalescer = TCPCoalescer()
        let flushed = Flushed()
        let equal = Self.packet(flow, seq: 0, flags: Self.flagACK, payload: Self.payload(3000), checksum: .partial)
        let segments = try #require(Self.split(equal, Self.tsoHeader(flow, mss: 1000), Self.slots(3)))
        for s in segments { #expect(Self.offer(coalescer, s, flushed)) }
        #expect(flushed.items.isEmpty && coalescer.hasPending && coalescer.segments == 3)
        coalescer.flushPending(flushed.callAsFunction)
        #expect(flushed.items.count == 1 && flushed.items[0].packet == equal && !coalescer.hasPending)
        coalescer.flushPending(flushed.callAsFunction)
        #expect(flushed.items.count == 1)
        // 1000, 1000, 500: flushed at the 500; a following 1000 starts anew.
        let short = Self.packet(flow, seq: 3000, flags: Self.flagACK, payload: Self.payload(2500), checksum: .partial)
        let more = try #require(Self.split(short, Self.tsoHeader(flow, mss: 1000), Self.slots(3)))
        for s in more { #expect(Self.offer(coalescer, s, flushed)) }
        #expect(flushed.items.count == 2 && flushed.items[1].packet == short && !coalescer.hasPending)
        // A longer segment after a shorter first one does not join.
        let small = Self.packet(flow, seq: 0, flags: Self.flagACK, payload: Self.payload(500))
        let large = Self.packet(flow, seq: 500, flags: Self.flagACK, payload: Self.payload(600))
        #expect(Self.offer(coalescer, small, flushed) && Self.offer(coalescer, large, flushed))
        #expect(flushed.items.count == 3 && flushed.items[2].header == VirtioNetHeader() && flushed.items[2].packet == small)
    }

    @Test func aSinglePacketIsFlushedUntouchedWithAZeroHeader() {
        for v6 in [false, true] {
            let p = Self.packet(Flow(v6: v6), seq: 77, flags: Self.flagACK, payload: Self.payload(1200))
            let coalescer = TCPCoalescer()
            let flushed = Flushed()
            #expect(Self.offer(coalescer, p, flushed))
            coalescer.flushPending(flushed.callAsFunction)
            #expect(flushed.items.count == 1)
            #expect(flushed.items[0].header == VirtioNetHeader())
            #expect(flushed.items[0].packet == p)
        }
    }

    @Test func theSuperPacketStopsAt65535Bytes() {
        let flow = Flow()
        let coalescer = TCPCoalescer()
        let flushed = Flushed()
        let perSegment = (65_535 - flow.headerLength) / 1448   // 45
        for i in 0...perSegment {
            let p = Self.packet(flow, seq: UInt32(i * 1448), flags: Self.flagACK, payload: Self.payload(1448, seed: UInt64(i)))
            #expect(Self.offer(coalescer, p, flushed))
        }
        #expect(flushed.items.count == 1 && coalescer.segments == 1)
        #expect(flushed.items[0].packet.count == flow.headerLength + perSegment * 1448)
        #expect(flushed.items[0].header.gsoType == VirtioNetHeader.gsoTCPv4)
    }

    /// A pending flow of two segments, then `next`: `next` must not join it.
    static func expectSeparate(_ next: [UInt8], taken: Bool, flow: Flow = Flow(), comment: Comment) {
        let coalescer = TCPCoalescer()
        let flushed = Flushed()
        let first = packet(flow, seq: 1000, flags: flagACK, payload: payload(1000, seed: 1))
        let second = packet(flow, seq: 2000, flags: flagACK, payload: payload(1000, seed: 2))
        #expect(offer(coalescer, first, flushed) && offer(coalescer, second, flushed), comment)
        #expect(offer(coalescer, next, flushed) == taken, comment)
        // The pending pair was flushed before `next` was taken or handed back.
        #expect(flushed.items.count == 1 && flushed.items[0].header.gsoSize == 1000, comment)
        #expect(coalescer.hasPending == taken, comment)
    }

    @Test func flowsThatMustNotMergeDoNot() {
        let flow = Flow()
        let data = Self.payload(1000, seed: 3)
        func next(_ change: (inout Flow) -> Void, seq: UInt32 = 3000, flags: UInt8 = Self.flagACK) -> [UInt8] {
            var f = flow
            change(&f)
            return Self.packet(f, seq: seq, flags: flags, payload: data)
        }
        Self.expectSeparate(next { $0.destinationPort = 444 }, taken: true, comment: "port")
        Self.expectSeparate(next { $0.sourcePort = 40_001 }, taken: true, comment: "source port")
        Self.expectSeparate(next({ _ in }, seq: 3001), taken: true, comment: "gap in seq")
        Self.expectSeparate(next({ _ in }, seq: 2000), taken: true, comment: "retransmission")
        Self.expectSeparate(next { $0.options[7] ^= 1 }, taken: true, comment: "options")
        Self.expectSeparate(next { $0.options = [] }, taken: true, comment: "option length")
        Self.expectSeparate(next { $0.ttl = 63 }, taken: true, comment: "TTL")
        Self.expectSeparate(next { $0.tos = 3 }, taken: true, comment: "ECN CE")
        Self.expectSeparate(next { $0.ack += 1 }, taken: true, comment: "ack")
        Self.expectSeparate(next { $0.window += 1 }, taken: true, comment: "window")
        Self.expectSeparate(next({ _ in }, flags: Self.flagACK | Self.flagSYN), taken: false, comment: "SYN")
        Self.expectSeparate(next({ _ in }, flags: Self.flagACK | Self.flagFIN), taken: false, comment: "FIN")
        Self.expectSeparate(next({ _ in }, flags: Self.flagACK | Self.flagCWR), taken: false, comment: "CWR")
        Self.expectSeparate(next({ _ in }, flags: Self.flagACK | 0x20), taken: false, comment: "URG")
        Self.expectSeparate(next({ _ in }, flags: 0x18 & ~Self.flagACK), taken: false, comment: "PSH without ACK")
        Self.expectSeparate(next { $0.protocolNumber = 17 }, taken: false, comment: "not TCP")
        Self.expectSeparate(next { $0.ipOptions = [1, 1, 1, 0] }, taken: false, comment: "IPv4 options")
        Self.expectSeparate(Self.packet(flow, seq: 3000, flags: Self.flagACK, payload: []), taken: false, comment: "pure ACK")
        Self.expectSeparate(Self.packet(Flow(v6: true), seq: 3000, flags: Self.flagACK, payload: data), taken: true, comment: "IPv6")
        Self.expectSeparate([0x45, 0, 0], taken: false, comment: "runt")
        var v6 = Flow(v6: true)
        v6.protocolNumber = 0   // a hop-by-hop header in front
        Self.expectSeparate(Self.packet(v6, seq: 3000, flags: Self.flagACK, payload: data), taken: false, comment: "IPv6 extension header")
        var fragment = next { _ in }
        fragment[6] = 0x20
        Self.expectSeparate(fragment, taken: false, comment: "fragment")
        let wrongLength = next { _ in } + [0]
        Self.expectSeparate(wrongLength, taken: false, comment: "trailing byte")
        // The control: the same packet with nothing changed joins.
        let coalescer = TCPCoalescer()
        let flushed = Flushed()
        for seq in [1000, 2000, 3000] as [UInt32] {
            #expect(Self.offer(coalescer, Self.packet(flow, seq: seq, flags: Self.flagACK, payload: data), flushed))
        }
        #expect(flushed.items.isEmpty && coalescer.segments == 3)
    }

    @Test func aPSHPacketAloneIsHandedBack() {
        let coalescer = TCPCoalescer()
        let flushed = Flushed()
        let psh = Self.packet(Flow(), seq: 1, flags: Self.flagACK | Self.flagPSH, payload: Self.payload(100))
        #expect(!Self.offer(coalescer, psh, flushed))
        #expect(flushed.items.isEmpty && !coalescer.hasPending)
    }
}

extension Array where Element == UInt8 {
    /// The IPv4 packet with its total length set to its size (for truncation tests).
    func withLength() -> [UInt8] {
        var p = self
        p[2] = UInt8(count >> 8)
        p[3] = UInt8(count & 0xFF)
        return p
    }
}
