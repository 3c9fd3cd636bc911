import Testing
@testable import ESPCore

/// MSS clamping rewrites only SYNs above the limit and keeps the TCP checksum valid.
@Suite struct MSSClampTests {
    /// An IPv4 TCP SYN 10.1.1.4:40000 -> 10.2.1.10:443 with options MSS, NOP, NOP, SACK-permitted.
    static func syn(mss: UInt16, flags: UInt8 = 0x02) -> [UInt8] {
        var p: [UInt8] = [0x45, 0, 0, 48, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 1, 1, 4, 10, 2, 1, 10]
        p += [0x9C, 0x40, 0x01, 0xBB, 0, 0, 0, 1, 0, 0, 0, 0, 0x70, flags, 0xFF, 0xFF, 0, 0, 0, 0]
        p += [2, 4, UInt8(mss >> 8), UInt8(mss & 0xFF), 1, 1, 4, 2]
        let tcpChecksum = checksum(pseudo: Array(p[12..<20]) + [0, 6, 0, UInt8(p.count - 20)], Array(p[20...]))
        p[36] = UInt8(tcpChecksum >> 8)
        p[37] = UInt8(tcpChecksum & 0xFF)
        return p
    }

    /// The Internet checksum over a pseudo-header and the TCP segment.
    static func checksum(pseudo: [UInt8], _ segment: [UInt8]) -> UInt16 {
        var data = pseudo + segment
        if data.count % 2 == 1 { data.append(0) }
        var sum: UInt32 = 0
        for i in stride(from: 0, to: data.count, by: 2) { sum += UInt32(data[i]) << 8 | UInt32(data[i + 1]) }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    static func verifies(_ p: [UInt8]) -> Bool {
        checksum(pseudo: Array(p[12..<20]) + [0, 6, 0, UInt8(p.count - 20)], Array(p[20...])) == 0
    }

    @Test func largeMSSIsClampedAndTheChecksumStaysValid() {
        let buffer = PacketBuffer()
        buffer.load(Self.syn(mss: 1460))
        #expect(Self.verifies(buffer.array))
        #expect(clampMSS(buffer, to: 1360))
        let out = buffer.array
        #expect(UInt16(out[42]) << 8 | UInt16(out[43]) == 1360)
        #expect(Self.verifies(out))
    }

    @Test func smallerMSSAndNonSYNAreLeftAlone() {
        let buffer = PacketBuffer()
        buffer.load(Self.syn(mss: 1200))
        #expect(!clampMSS(buffer, to: 1360))
        #expect(buffer.array == Self.syn(mss: 1200))
        buffer.load(Self.syn(mss: 1460, flags: 0x10))   // ACK only
        #expect(!clampMSS(buffer, to: 1360))
    }

    /// The same SYN over IPv6 (fd00:1::4 -> fd00:2::10, no extension headers).
    static func syn6(mss: UInt16) -> [UInt8] {
        let v4 = syn(mss: mss)
        var tcp = Array(v4[20...])
        tcp[16] = 0
        tcp[17] = 0
        let src: [UInt8] = [0xFD, 0, 0, 1] + [UInt8](repeating: 0, count: 11) + [4]
        let dst: [UInt8] = [0xFD, 0, 0, 2] + [UInt8](repeating: 0, count: 11) + [0x10]
        let pseudo = src + dst + [0, 0, 0, UInt8(tcp.count), 0, 0, 0, 6]
        let c = checksum(pseudo: pseudo, tcp)
        tcp[16] = UInt8(c >> 8)
        tcp[17] = UInt8(c & 0xFF)
        return [0x60, 0, 0, 0, 0, UInt8(tcp.count), 6, 64] + src + dst + tcp
    }

    static func verifies6(_ p: [UInt8]) -> Bool {
        checksum(pseudo: Array(p[8..<40]) + [0, 0, 0, UInt8(p.count - 40), 0, 0, 0, 6], Array(p[40...])) == 0
    }

    @Test func ipv6SegmentsGetTwentyBytesLessForTheLongerHeader() {
        let buffer = PacketBuffer()
        buffer.load(Self.syn6(mss: 1440))
        #expect(Self.verifies6(buffer.array))
        #expect(clampMSS(buffer, to: 1406))
        let out = buffer.array
        #expect(UInt16(out[62]) << 8 | UInt16(out[63]) == 1386)
        #expect(Self.verifies6(out))
        buffer.load(Self.syn6(mss: 1386))
        #expect(!clampMSS(buffer, to: 1406))
    }

    @Test func truncatedPacketsNeverTrap() {
        let full = Self.syn(mss: 1460)
        let buffer = PacketBuffer()
        for cut in 0..<full.count {
            buffer.load(Array(full[..<cut]))
            _ = clampMSS(buffer, to: 1360)
        }
    }
}
