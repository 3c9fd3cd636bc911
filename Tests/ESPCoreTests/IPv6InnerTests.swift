import CryptoOpenSSL
import IKECrypto
import Testing
@testable import ESPCore

/// IPv6 inside the tunnel (issue 6): an IPv6 inner packet is sealed with Next Header 41
/// (RFC 4303 §2.6, tunnel mode), opens back byte for byte, and is held to IPv6 traffic selectors
/// on both sides (RFC 4301 §5), with dual-stack selector lists mixing both families.
@Suite struct IPv6InnerTests {
    let provider = OpenSSLProvider()

    /// fd00:2::10 -> fd00:1::4 (the EC2 side to the VM side), ICMPv6, `length` bytes in all.
    static func ipv6(length: Int, from: [UInt8] = v6(2, 0x10), to: [UInt8] = v6(1, 4), fill: UInt8 = 0xA5) -> [UInt8] {
        var p = [UInt8](repeating: fill, count: length)
        p[0] = 0x60
        p[1] = 0; p[2] = 0; p[3] = 0
        p[4] = UInt8((length - 40) >> 8)
        p[5] = UInt8((length - 40) & 0xFF)
        p[6] = 58   // ICMPv6
        p[7] = 64
        p.replaceSubrange(8..<24, with: from)
        p.replaceSubrange(24..<40, with: to)
        return p
    }

    /// fd00:NET::HOST
    static func v6(_ net: UInt8, _ host: UInt8) -> [UInt8] { [0xFD, 0, 0, net] + [UInt8](repeating: 0, count: 11) + [host] }
    static let fe80: [UInt8] = [0xFE, 0x80] + [UInt8](repeating: 0, count: 13) + [1]
    static let allRouters: [UInt8] = [0xFF, 0x02] + [UInt8](repeating: 0, count: 13) + [2]

    static func range(_ start: [UInt8], _ end: [UInt8]) -> AddressRange { AddressRange(start: start, end: end)! }
    /// fd00:NET::/64
    static func prefix64(_ net: UInt8) -> AddressRange {
        range([0xFD, 0, 0, net] + [UInt8](repeating: 0, count: 12), [0xFD, 0, 0, net, 0, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 8))
    }
    static let local = [range([10, 1, 0, 0], [10, 1, 255, 255]), prefix64(1)]
    static let remote = [range([10, 2, 0, 0], [10, 2, 255, 255]), prefix64(2)]

    func pair(cbc: Bool = false, remote: [AddressRange] = remote, local: [AddressRange] = local) throws -> (ESPOutboundSA, ESPInboundSA, ESPTransform) {
        let r = SeededRandom(seed: 60)
        let enc = r.secretBytes(cbc ? 32 : 36), integ = r.secretBytes(cbc ? 32 : 0)
        func t() throws -> ESPTransform {
            try ESPTransform.make(provider: provider, encryption: cbc ? .aesCBC : .aesGCM16, encryptionKey: enc,
                                  integrity: cbc ? .hmacSHA256_128 : nil, integrityKey: integ)
        }
        return (ESPOutboundSA(spi: 0x6666_0001, transform: try t()),
                ESPInboundSA(spi: 0x6666_0001, transform: try t(), remoteSelectors: remote, localSelectors: local), try t())
    }

    /// Decrypts a sealed AES-CBC packet by hand and returns its trailer's Next Header.
    func nextHeader(ofSealed sealed: [UInt8], transform: ESPTransform) throws -> UInt8 {
        guard case .cbc(let cipher, let integrity) = transform else { throw CryptoError(.unsupported, "CBC only") }
        var body = Array(sealed[(8 + 16)..<(sealed.count - integrity.icvSize)])
        let iv = Array(sealed[8..<24])
        try iv.withUnsafeBytes { iv in try body.withUnsafeMutableBytes { try cipher.decrypt(iv: iv, buffer: $0) } }
        return body[body.count - 1]
    }

    @Test func ipv6InnerIsSealedWithNextHeader41AndIPv4With4() throws {
        let (out, _, transform) = try pair(cbc: true)
        let buffer = PacketBuffer()
        buffer.load(Self.ipv6(length: 120))
        #expect(out.seal(buffer, random: SeededRandom(seed: 61)) == nil)
        #expect(try nextHeader(ofSealed: buffer.array, transform: transform) == 41)
        buffer.load(ESPSealOpenTests.ipv4(length: 120))
        #expect(out.seal(buffer, random: SeededRandom(seed: 62)) == nil)
        #expect(try nextHeader(ofSealed: buffer.array, transform: transform) == 4)
    }

    @Test(arguments: [false, true])
    func ipv6InnerRoundTripsOfManySizes(cbc: Bool) throws {
        let (out, inb, _) = try pair(cbc: cbc)
        let buffer = PacketBuffer()
        for length in [40, 41, 48, 104, 1280, 1400, 9000] {
            let packet = Self.ipv6(length: length, fill: UInt8(length & 0xFF))
            buffer.load(packet)
            #expect(out.seal(buffer, random: SeededRandom(seed: 63)) == nil)
            #expect(inb.open(buffer) == nil, "length \(length)")
            #expect(buffer.array == packet)
        }
        #expect(inb.counters.packets == 7 && inb.counters.drops.isEmpty)
    }

    @Test func dualStackSelectorsAdmitBothFamiliesAndNothingOutside() throws {
        let (out, inb, _) = try pair()
        let buffer = PacketBuffer()
        let cases: [([UInt8], ESPDrop?)] = [
            (Self.ipv6(length: 80), nil),                                         // fd00:2::10 -> fd00:1::4
            (ESPSealOpenTests.ipv4(length: 80), nil),                             // 10.2.1.10 -> 10.1.1.4
            (Self.ipv6(length: 80, from: Self.v6(9, 1)), .tsMismatch),            // source outside fd00:2::/64
            (Self.ipv6(length: 80, to: Self.v6(2, 4)), .tsMismatch),              // destination on the wrong side
            (Self.ipv6(length: 80, from: Self.fe80, to: Self.allRouters), .tsMismatch),
        ]
        for (packet, verdict) in cases {
            buffer.load(packet)
            #expect(out.seal(buffer, random: SeededRandom(seed: 64)) == nil)
            #expect(inb.open(buffer) == verdict)
        }
        #expect(inb.counters.drops[.tsMismatch] == 3 && inb.counters.packets == 2)
    }

    @Test func ipv6PacketsAgainstIPv4OnlySelectorsAreRefused() throws {
        let v4 = [Self.range([0, 0, 0, 0], [255, 255, 255, 255])]
        let (out, inb, _) = try pair(remote: v4, local: v4)
        let buffer = PacketBuffer()
        buffer.load(Self.ipv6(length: 64))
        #expect(out.seal(buffer, random: SeededRandom(seed: 65)) == nil)
        #expect(inb.open(buffer) == .tsMismatch, "0.0.0.0/0 does not cover IPv6")
    }

    @Test func outboundSelectionMatchesIPv6Prefixes() {
        let buffer = PacketBuffer()
        buffer.load(Self.ipv6(length: 60, from: Self.v6(1, 4), to: Self.v6(2, 0x10)))
        #expect(packetMatches(buffer, sources: Self.local, destinations: Self.remote))
        #expect(!packetMatches(buffer, sources: Self.remote, destinations: Self.local), "the reverse direction")
        buffer.load(Self.ipv6(length: 60, from: Self.v6(1, 4), to: Self.v6(3, 1)))
        #expect(!packetMatches(buffer, sources: Self.local, destinations: Self.remote))
        buffer.load(Array(Self.ipv6(length: 60)[..<39]))
        #expect(!packetMatches(buffer, sources: Self.local, destinations: Self.remote), "a truncated IPv6 header matches nothing")
    }

    @Test func truncatedOrOverlongIPv6IsMalformed() throws {
        let (out, inb, _) = try pair()
        let buffer = PacketBuffer()
        buffer.load(Array(Self.ipv6(length: 60)[..<32]))   // version 6, shorter than its fixed header
        #expect(out.seal(buffer, random: SeededRandom(seed: 66)) == .malformed)
        var lying = Self.ipv6(length: 60)
        lying[5] = 200                                     // payload length beyond the packet
        buffer.load(lying)
        #expect(out.seal(buffer, random: SeededRandom(seed: 67)) == nil)
        #expect(inb.open(buffer) == .malformed)
    }

    @Test func ipv6TFCPaddingIsCut() throws {
        let (out, inb, _) = try pair()
        let packet = Self.ipv6(length: 72)
        let buffer = PacketBuffer()
        buffer.load(packet + [UInt8](repeating: 0xEE, count: 29))   // RFC 4303 §2.7
        #expect(out.seal(buffer, random: SeededRandom(seed: 68)) == nil)
        #expect(inb.open(buffer) == nil)
        #expect(buffer.array == packet)
    }

    @Test func linkScopedIPv6IsRecognised() {
        let buffer = PacketBuffer()
        let mld: [UInt8] = [0xFF, 0x02] + [UInt8](repeating: 0, count: 13) + [0x16]
        let interfaceLocal: [UInt8] = [0xFF, 0x01] + [UInt8](repeating: 0, count: 13) + [1]
        let siteMulticast: [UInt8] = [0xFF, 0x05] + [UInt8](repeating: 0, count: 13) + [2]
        let febf: [UInt8] = [0xFE, 0xBF] + [UInt8](repeating: 0, count: 14)
        let fec0: [UInt8] = [0xFE, 0xC0] + [UInt8](repeating: 0, count: 14)
        let expectations: [([UInt8], [UInt8], Bool)] = [
            (Self.fe80, Self.allRouters, true), (Self.v6(1, 1), mld, true), (Self.v6(1, 1), interfaceLocal, true),
            (febf, Self.v6(2, 1), true), (Self.v6(1, 1), Self.v6(2, 1), false), (Self.v6(1, 1), siteMulticast, false),
            (fec0, Self.v6(2, 1), false),
        ]
        for (from, to, linkScoped) in expectations {
            buffer.load(Self.ipv6(length: 48, from: from, to: to))
            #expect(isLinkScopedIPv6(buffer) == linkScoped, "\(from) -> \(to)")
        }
        buffer.load(ESPSealOpenTests.ipv4(length: 48, from: [169, 254, 0, 1]))
        #expect(!isLinkScopedIPv6(buffer), "IPv4 link-local is the inside network of AWS tunnels, not chatter")
        buffer.load(Array(Self.ipv6(length: 48, from: Self.fe80)[..<39]))
        #expect(!isLinkScopedIPv6(buffer), "too short to read")
    }
}
