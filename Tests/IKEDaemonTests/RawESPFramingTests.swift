import Testing
@testable import LinuxNet

/// Where ESP starts in what a raw protocol-50 socket reads (raw(7), ipv6(7)): after the IPv4
/// header an AF_INET socket includes, at 0 for AF_INET6, which strips the IPv6 header; too
/// short to hold ESP's 8-byte header is nil (the caller counts it as malformed).
@Suite struct RawESPFramingTests {
    func start(_ bytes: [UInt8], ipv6: Bool) -> Int? {
        bytes.withUnsafeBytes { RawESPSocket.espStart($0, ipv6: ipv6) }
    }

    static func ipv4(headerWords: UInt8, payload: Int) -> [UInt8] {
        var p = [UInt8](repeating: 0, count: Int(headerWords) * 4 + payload)
        p[0] = 0x40 | headerWords
        p[9] = 50
        return p
    }

    @Test func ipv4HeaderIsSkippedByItsLength() {
        #expect(start(Self.ipv4(headerWords: 5, payload: 40), ipv6: false) == 20)
        #expect(start(Self.ipv4(headerWords: 6, payload: 40), ipv6: false) == 24, "with IP options")
        #expect(start(Self.ipv4(headerWords: 15, payload: 8), ipv6: false) == 60)
    }

    @Test func ipv6PayloadStartsAtZero() {
        let esp: [UInt8] = [0xC0, 0xFF, 0xEE, 0x01, 0, 0, 0, 1] + [UInt8](repeating: 0x77, count: 32)
        #expect(start(esp, ipv6: true) == 0, "no IPv6 header to skip, even when the SPI's first nibble is 4 or 6")
        #expect(start([0x45] + esp.dropFirst(), ipv6: true) == 0)
    }

    @Test func tooShortIsRefused() {
        #expect(start(Self.ipv4(headerWords: 5, payload: 7), ipv6: false) == nil)
        #expect(start(Array(Self.ipv4(headerWords: 5, payload: 0)[..<19]), ipv6: false) == nil)
        #expect(start(Self.ipv4(headerWords: 4, payload: 40), ipv6: false) == nil, "IHL below 5")
        #expect(start(Self.ipv4(headerWords: 15, payload: 0) + [0, 0], ipv6: false) == nil, "IHL past the data")
        var v6InV4 = Self.ipv4(headerWords: 5, payload: 40)
        v6InV4[0] = 0x65
        #expect(start(v6InV4, ipv6: false) == nil, "not an IPv4 header")
        #expect(start([1, 2, 3, 4, 5, 6, 7], ipv6: true) == nil)
        #expect(start([], ipv6: true) == nil)
    }
}
