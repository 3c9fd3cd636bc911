import Testing
@testable import ESPCore

/// ICMP "fragmentation needed" (RFC 792, RFC 1191) and ICMPv6 "packet too big" (RFC 4443):
/// the right type, code and MTU, the quote, valid checksums, the chosen source, and no answer
/// where none is allowed.
@Suite struct ICMPTooBigTests {
    static func checksum(_ b: [UInt8]) -> UInt16 { FragmentTests.headerChecksum(b) }

    /// An IPv6 packet 2001:db8:2::10 -> 2001:db8:1::4 of `length` bytes with next header `next`.
    static func ipv6(length: Int, next: UInt8 = 17, firstPayloadByte: UInt8 = 0, source: [UInt8]? = nil) -> [UInt8] {
        var p = [UInt8](repeating: 0xA5, count: length)
        p.replaceSubrange(0..<8, with: [0x60, 0, 0, 0, UInt8((length - 40) >> 8), UInt8((length - 40) & 0xFF), next, 64])
        p.replaceSubrange(8..<24, with: source ?? [0x20, 0x01, 0x0D, 0xB8, 0, 2] + [UInt8](repeating: 0, count: 9) + [0x10])
        p.replaceSubrange(24..<40, with: [0x20, 0x01, 0x0D, 0xB8, 0, 1] + [UInt8](repeating: 0, count: 9) + [0x04])
        if length > 40 { p[40] = firstPayloadByte }
        return p
    }

    func fragNeeded(_ packet: [UInt8], mtu: Int = 1446, source: AddressKey? = nil) throws -> [UInt8] {
        let p = PacketBuffer(), out = PacketBuffer()
        p.load(packet)
        try writeFragmentationNeeded(for: p, nextHopMTU: mtu, source: source, into: out)
        return out.array
    }

    func tooBig(_ packet: [UInt8], mtu: Int = 1426, source: AddressKey? = nil) throws -> [UInt8] {
        let p = PacketBuffer(), out = PacketBuffer()
        p.load(packet)
        try writePacketTooBig(for: p, mtu: mtu, source: source, into: out)
        return out.array
    }

    @Test func fragmentationNeededQuotesTheHeaderAndEightBytes() throws {
        let original = FragmentTests.packet(length: 1500, flags: 0x40)
        let m = try fragNeeded(original, source: AddressKey([192, 0, 2, 2]))
        #expect(m.count == 20 + 8 + 28)
        #expect(m[0] == 0x45 && m[9] == 1 && Int(m[2]) << 8 | Int(m[3]) == m.count)
        #expect(Self.checksum(Array(m[0..<20])) == 0, "IP header checksum")
        #expect(Array(m[12..<16]) == [192, 0, 2, 2], "from the given source")
        #expect(Array(m[16..<20]) == [10, 2, 1, 10], "to the packet's source")
        #expect(m[20] == 3 && m[21] == 4, "destination unreachable, fragmentation needed")
        #expect(Array(m[24..<28]) == [0, 0, 0x05, 0xA6], "next-hop MTU 1446 in the low 16 bits (RFC 1191)")
        #expect(Self.checksum(Array(m[20...])) == 0, "ICMP checksum")
        #expect(Array(m[28...]) == Array(original[0..<28]))
    }

    @Test func theQuoteIncludesIPOptions() throws {
        let original = FragmentTests.packet(length: 1500, options: [0x83, 7, 4, 10, 9, 9, 9, 0], flags: 0x40)
        let m = try fragNeeded(original)
        #expect(m.count == 20 + 8 + 28 + 8)
        #expect(Array(m[28...]) == Array(original[0..<36]))
        #expect(Self.checksum(Array(m[20...])) == 0)
    }

    @Test func withoutASourceOrWithAnIPv6OneTheAnswerComesFromTheDestination() throws {
        let original = FragmentTests.packet(length: 1500, flags: 0x40)
        #expect(Array(try fragNeeded(original)[12..<16]) == [10, 1, 1, 4])
        let v6 = AddressKey([0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 12))
        #expect(Array(try fragNeeded(original, source: v6)[12..<16]) == [10, 1, 1, 4])
    }

    @Test func noICMPErrorAboutAnErrorAFragmentOrANonUnicastAddress() throws {
        var icmpError = FragmentTests.packet(length: 1500, flags: 0x40)
        icmpError[9] = 1
        icmpError[20] = 3
        #expect(throws: OversizeError.noErrorAllowed) { try fragNeeded(icmpError) }
        icmpError[20] = 8   // an echo request is answered
        #expect(try fragNeeded(icmpError).count == 56)
        #expect(throws: OversizeError.noErrorAllowed) { try fragNeeded(FragmentTests.packet(length: 1500, flags: 0x40, offsetUnits: 3)) }
        var multicast = FragmentTests.packet(length: 1500, flags: 0x40)
        multicast.replaceSubrange(16..<20, with: [239, 1, 1, 1])
        #expect(throws: OversizeError.noErrorAllowed) { try fragNeeded(multicast) }
        var zeroSource = FragmentTests.packet(length: 1500, flags: 0x40)
        zeroSource.replaceSubrange(12..<16, with: [0, 0, 0, 0])
        #expect(throws: OversizeError.noErrorAllowed) { try fragNeeded(zeroSource) }
        #expect(throws: OversizeError.truncated) { try fragNeeded(Array(FragmentTests.packet(length: 100)[0..<19])) }
        #expect(throws: OversizeError.badHeader) { try fragNeeded(Self.ipv6(length: 100)) }
        var longHeader = FragmentTests.packet(length: 24)
        longHeader[0] = 0x4F
        #expect(throws: OversizeError.truncated) { try fragNeeded(longHeader) }
    }

    @Test func packetTooBigQuotesUpTo1280BytesWithAValidChecksum() throws {
        let original = Self.ipv6(length: 1500)
        let source = AddressKey([0x20, 0x01, 0x0D, 0xB8, 0, 9] + [UInt8](repeating: 0, count: 9) + [1])!
        let m = try tooBig(original, source: source)
        #expect(m.count == 1280, "RFC 4443 §2.4 c: no larger than the minimum MTU")
        #expect(m[0] == 0x60 && m[6] == 58 && Int(m[4]) << 8 | Int(m[5]) == 1240)
        #expect(Array(m[8..<24]) == [0x20, 0x01, 0x0D, 0xB8, 0, 9] + [UInt8](repeating: 0, count: 9) + [1])
        #expect(Array(m[24..<40]) == Array(original[8..<24]), "to the packet's source")
        #expect(m[40] == 2 && m[41] == 0 && Array(m[44..<48]) == [0, 0, 0x05, 0x92], "type 2, MTU 1426")
        #expect(Array(m[48...]) == Array(original[0..<1232]))
        // The checksum over the pseudo-header (RFC 8200 §8.1) and the message.
        let pseudo = Array(m[8..<40]) + [0, 0, UInt8(1240 >> 8), UInt8(1240 & 0xFF), 0, 0, 0, 58]
        #expect(Self.checksum(pseudo + Array(m[40...])) == 0)
    }

    @Test func aSmallPacketIsQuotedWhole() throws {
        let original = Self.ipv6(length: 101, next: 58, firstPayloadByte: 128)
        let m = try tooBig(original)
        #expect(m.count == 48 + 101 && Array(m[48...]) == original)
        #expect(Array(m[8..<24]) == Array(original[24..<40]), "from the packet's destination without a source")
        let pseudo = Array(m[8..<40]) + [0, 0, 0, UInt8(8 + 101), 0, 0, 0, 58]
        #expect(Self.checksum(pseudo + Array(m[40...])) == 0, "odd length padded")
    }

    @Test func noPacketTooBigAboutAnICMPv6ErrorOrFromAnUnspecifiedOrMulticastSource() throws {
        #expect(throws: OversizeError.noErrorAllowed) { try tooBig(Self.ipv6(length: 1500, next: 58, firstPayloadByte: 1)) }
        #expect(throws: OversizeError.noErrorAllowed) { try tooBig(Self.ipv6(length: 1500, source: [UInt8](repeating: 0, count: 16))) }
        #expect(throws: OversizeError.noErrorAllowed) { try tooBig(Self.ipv6(length: 1500, source: [0xFF, 2] + [UInt8](repeating: 0, count: 13) + [1])) }
        #expect(throws: OversizeError.truncated) { try tooBig(Array(Self.ipv6(length: 100)[0..<39])) }
        #expect(throws: OversizeError.badHeader) { try tooBig(FragmentTests.packet(length: 100)) }
        let p = PacketBuffer()
        p.load(Self.ipv6(length: 1500))
        #expect(oversizeAction(p) == .packetTooBig)
        #expect(throws: OversizeError.noRoom) {
            try writePacketTooBig(for: p, mtu: 1426, source: nil, into: PacketBuffer(capacity: PacketBuffer.defaultHeadroom + 200))
        }
    }
}
