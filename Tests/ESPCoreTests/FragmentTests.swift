import IKECrypto
import Testing
@testable import ESPCore

/// IPv4 fragmentation before encryption (RFC 791): fragments reassemble to the original, with
/// offsets in 8-byte units, MF on all but the last, valid header checksums, options copied only
/// where the copied flag says, DF honoured, and malformed packets refused with a typed error.
@Suite struct FragmentTests {
    /// An IPv4 packet of `length` bytes, 10.2.1.10 -> 10.1.1.4, UDP, pseudo-random payload, with
    /// `options` (a multiple of 4 bytes) after the fixed header.
    static func packet(length: Int, options: [UInt8] = [], flags: UInt8 = 0, offsetUnits: Int = 0, seed: UInt64 = 1) -> [UInt8] {
        let random = SeededRandom(seed: seed)
        var p = [UInt8](repeating: 0, count: length)
        p.withUnsafeMutableBytes { random.fill($0) }
        let ihl = 20 + options.count
        p.replaceSubrange(0..<20, with: [0x40 | UInt8(ihl / 4), 0, UInt8(length >> 8), UInt8(length & 0xFF), 0x12, 0x34,
                                         flags | UInt8(offsetUnits >> 8), UInt8(offsetUnits & 0xFF), 64, 17, 0, 0,
                                         10, 2, 1, 10, 10, 1, 1, 4])
        p.replaceSubrange(20..<ihl, with: options)
        let c = headerChecksum(Array(p[0..<ihl]))
        p[10] = UInt8(c >> 8)
        p[11] = UInt8(c & 0xFF)
        return p
    }

    /// RFC 1071 written out plainly (not the code under test).
    static func headerChecksum(_ bytes: [UInt8]) -> UInt16 {
        var data = bytes
        if data.count % 2 == 1 { data.append(0) }
        var sum: UInt32 = 0
        for i in stride(from: 0, to: data.count, by: 2) { sum += UInt32(data[i]) << 8 | UInt32(data[i + 1]) }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    static func fragments(of packet: [UInt8], limit: Int) throws -> [[UInt8]] {
        let source = PacketBuffer(), out = PacketBuffer()
        source.load(packet)
        var f = try IPv4Fragmenter(source, limit: limit)
        var all: [[UInt8]] = []
        while try f.next(into: out) { all.append(out.array) }
        #expect(source.array == packet, "the source packet is not modified")
        return all
    }

    /// A receiver's reassembly (RFC 791 §3.2): checks each fragment's header and puts the data
    /// at its offset; the result has the first fragment's header, MF of the last fragment.
    static func reassemble(_ fragments: [[UInt8]]) -> [UInt8]? {
        var data: [Int: [UInt8]] = [:]
        var headers: [Int: [UInt8]] = [:]
        var lastEnd: Int?, lastMore = false
        for f in fragments {
            let ihl = Int(f[0] & 0x0F) * 4
            guard f[0] >> 4 == 4, headerChecksum(Array(f[0..<ihl])) == 0, Int(f[2]) << 8 | Int(f[3]) == f.count else { return nil }
            let offset = (Int(f[6] & 0x1F) << 8 | Int(f[7])) * 8, more = f[6] & 0x20 != 0
            guard f[6] & 0x40 == 0, data[offset] == nil else { return nil }
            data[offset] = Array(f[ihl...])
            if more { guard (f.count - ihl) % 8 == 0 else { return nil } }
            headers[offset] = Array(f[0..<ihl])
            if offset + f.count - ihl >= (lastEnd ?? 0) { lastEnd = offset + f.count - ihl; lastMore = more }
        }
        guard let base = data.keys.min(), var header = headers[base], let end = lastEnd else { return nil }
        var payload: [UInt8] = []
        var at = base
        while at < end {
            guard let piece = data[at] else { return nil }   // a hole or an overlap
            payload += piece
            at += piece.count
        }
        guard at == end else { return nil }
        header[2] = UInt8((header.count + payload.count) >> 8)
        header[3] = UInt8((header.count + payload.count) & 0xFF)
        header[6] = (lastMore ? 0x20 : 0) | UInt8((base / 8) >> 8)
        header[7] = UInt8(base / 8 & 0xFF)
        header[10] = 0
        header[11] = 0
        let c = headerChecksum(header)
        header[10] = UInt8(c >> 8)
        header[11] = UInt8(c & 0xFF)
        return header + payload
    }

    @Test(arguments: [(1500, 1446), (1501, 1446), (3000, 1438), (9000, 1422), (65_535, 1446), (1000, 576), (200, 68), (1447, 1446)])
    func fragmentsReassembleToTheOriginal(_ length: Int, _ limit: Int) throws {
        let original = Self.packet(length: length, seed: UInt64(length))
        let frags = try Self.fragments(of: original, limit: limit)
        #expect(frags.count == (length - 20 + (limit - 20) / 8 * 8 - 1) / ((limit - 20) / 8 * 8))
        for (i, f) in frags.enumerated() {
            #expect(f.count <= limit)
            #expect(f[4] == 0x12 && f[5] == 0x34 && f[9] == 17 && f[8] == 64, "identification, protocol and TTL copied")
            #expect(Array(f[12..<20]) == Array(original[12..<20]))
            #expect((f[6] & 0x20 != 0) == (i < frags.count - 1), "MF on all but the last")
            if i < frags.count - 1 { #expect((f.count - 20) % 8 == 0) }
        }
        #expect(Self.reassemble(frags) == original)
        #expect(Self.reassemble(frags.reversed()) == original, "order does not matter to the receiver")
    }

    @Test func offsetsCountEightByteUnits() throws {
        let frags = try Self.fragments(of: Self.packet(length: 3000), limit: 1446)
        // 1446 − 20 = 1426, rounded down to 1424 = 178 units of 8.
        #expect(frags.map { Int($0[6] & 0x1F) << 8 | Int($0[7]) } == [0, 178, 356])
        #expect(frags.map(\.count) == [1444, 1444, 20 + 2980 - 2 * 1424])
    }

    @Test func aPacketThatFitsIsOneFragmentEqualToItself() throws {
        let p = Self.packet(length: 1000)
        #expect(try Self.fragments(of: p, limit: 1446) == [p])
    }

    @Test func optionsWithTheCopiedFlagAreCopiedTheOthersOnlyInTheFirst() throws {
        // Loose Source Route (0x83, copied, 7 bytes), NOP, Record Route (0x07, not copied, 3
        // bytes), End of Option List: 12 bytes of options, a 32-byte header.
        let options: [UInt8] = [0x83, 7, 4, 10, 9, 9, 9, 1, 0x07, 3, 4, 0]
        let original = Self.packet(length: 2000, options: options)
        let frags = try Self.fragments(of: original, limit: 1000)
        #expect(frags[0][0] == 0x48 && Array(frags[0][20..<32]) == options)
        for f in frags.dropFirst() {
            #expect(f[0] == 0x47, "20 + 7 copied bytes, padded to 28")
            #expect(Array(f[20..<28]) == [0x83, 7, 4, 10, 9, 9, 9, 0])
            #expect(Self.headerChecksum(Array(f[0..<28])) == 0)
        }
        #expect(Self.reassemble(frags) == original)
    }

    @Test func aFragmentIsFragmentedFurtherAndKeepsItsOffsetAndMF() throws {
        // A middle fragment: offset 1000 units (8000 bytes), MF set.
        let original = Self.packet(length: 3020, flags: 0x20, offsetUnits: 1000)   // 3000 data bytes: a multiple of 8
        let frags = try Self.fragments(of: original, limit: 1446)
        #expect(frags.map { Int($0[6] & 0x1F) << 8 | Int($0[7]) } == [1000, 1178, 1356])
        #expect(frags.allSatisfy { $0[6] & 0x20 != 0 }, "the last piece keeps the original's MF")
        #expect(Self.reassemble(frags) == original)
    }

    @Test func dontFragmentIsHonoured() {
        let p = PacketBuffer()
        p.load(Self.packet(length: 3000, flags: 0x40))
        #expect(oversizeAction(p) == .fragmentationNeeded)
        #expect(throws: OversizeError.dontFragment) { _ = try IPv4Fragmenter(p, limit: 1446) }
        p.load(Self.packet(length: 3000))
        #expect(oversizeAction(p) == .fragment)
    }

    @Test func malformedPacketsAreRefusedWithATypedError() {
        let p = PacketBuffer()
        func expectError(_ bytes: [UInt8], _ error: OversizeError, limit: Int = 1446, _ comment: Comment) {
            p.load(bytes)
            #expect(throws: error, comment) { _ = try IPv4Fragmenter(p, limit: limit) }
        }
        let good = Self.packet(length: 3000)
        expectError(Array(good[0..<19]), .truncated, "shorter than a header")
        expectError(Array(good[0..<2999]), .truncated, "shorter than its total length")
        var v6 = good; v6[0] = 0x65
        expectError(v6, .badHeader, "not IPv4")
        var ihl4 = good; ihl4[0] = 0x44
        expectError(ihl4, .badHeader, "header length below 20")
        var shortTotal = good; shortTotal[2] = 0; shortTotal[3] = 16
        expectError(shortTotal, .badHeader, "total length below the header")
        var headerPastEnd = Self.packet(length: 22); headerPastEnd[0] = 0x4F
        expectError(headerPastEnd, .badHeader, "a 60-byte header in 22 bytes")
        expectError(Self.packet(length: 3000, options: [0x83, 0, 1, 1]), .badHeader, "option length 0")
        expectError(Self.packet(length: 3000, options: [1, 1, 0x83, 9]), .badHeader, "option past the header")
        expectError(Self.packet(length: 3000, options: [1, 1, 1, 0x83]), .badHeader, "option without its length byte")
        expectError(Self.packet(length: 3000, flags: 0x1F, offsetUnits: 0xFF), .badHeader, "offset plus data past 65535")
        expectError(good, .limitTooSmall, limit: 27, "no room for 8 data bytes")
        p.load([])
        #expect(oversizeAction(p) == nil)
        p.load([0x70] + [UInt8](repeating: 0, count: 40))
        #expect(oversizeAction(p) == nil)
    }

    @Test func aSmallOutputBufferIsNoRoomNotACrash() throws {
        let source = PacketBuffer(), small = PacketBuffer(capacity: PacketBuffer.defaultHeadroom + 100)
        source.load(Self.packet(length: 3000))
        var f = try IPv4Fragmenter(source, limit: 1446)
        #expect(throws: OversizeError.noRoom) { _ = try f.next(into: small) }
    }
}
