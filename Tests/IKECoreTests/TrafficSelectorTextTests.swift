import Testing
import IKEWire
@testable import IKECore

/// Test shorthand: a selector from its notation ("10.1.0.0/16[tcp/443]").
func ts(_ text: String) throws -> TrafficSelector { try TrafficSelector(parsing: text) }

/// CIDR and range text <-> selectors: round trips, canonical IPv6 (RFC 5952), typed errors.
struct TrafficSelectorTextTests {
    @Test(arguments: [
        "10.1.0.0/16", "0.0.0.0/0", "10.1.0.5/32", "255.255.255.255/32", "192.168.1.128/25",
        "2001:db8::/32", "::/0", "::1/128", "fe80::/10", "2001:db8:0:1:1:1:1:1/128",
    ])
    func cidrRoundTrips(_ text: String) throws {
        let selector = try TrafficSelector(cidr: text)
        #expect(selector.notation == text)
        #expect(selector.isWellFormed)
        #expect(selector.isAnyProtocolAndPort)
    }

    @Test func cidrBytes() throws {
        let v4 = try TrafficSelector(cidr: "10.1.0.0/16")
        #expect(v4 == .ipv4([10, 1, 0, 0], [10, 1, 255, 255]))
        let all = try TrafficSelector(cidr: "0.0.0.0/0")
        #expect(all == .ipv4([0, 0, 0, 0], [255, 255, 255, 255]))
        let v6 = try TrafficSelector(cidr: "2001:db8::/32")
        #expect(v6.type == .ipv6AddressRange)
        #expect(v6.startAddress == [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 12))
        #expect(v6.endAddress == [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0xff, count: 12))
        let odd = try TrafficSelector(cidr: "10.0.0.0/9")
        #expect(odd.endAddress == [10, 127, 255, 255])
    }

    @Test func singleAddressIsHostPrefix() throws {
        #expect(try TrafficSelector(cidr: "10.1.0.5") == TrafficSelector(cidr: "10.1.0.5/32"))
        #expect(try TrafficSelector(cidr: "10.1.0.5").notation == "10.1.0.5/32")
        #expect(try TrafficSelector(cidr: "2001:db8::1").notation == "2001:db8::1/128")
    }

    /// Decision: host bits below the prefix are accepted and cleared, as strongSwan does.
    @Test func hostBitsAreMasked() throws {
        #expect(try TrafficSelector(cidr: "10.1.2.3/16").notation == "10.1.0.0/16")
        #expect(try TrafficSelector(cidr: "2001:db8::1/32").notation == "2001:db8::/32")
    }

    @Test(arguments: [
        "10.1.0.0/33", "300.1.1.1/8", "abc", "", "/", "10.1.0.0/", "/16", "10.1.0/16", "10.1.0.0.0/8",
        "10.01.0.0/16", "10.1.0.0/-1", "10.1.0.0/+8", "10.1.0.0/016x", " 10.1.0.0/16", "10.1.0.0/16 ",
        "2001:db8::/129", "2001:db8:::/32", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
        "::g", ":1::", "1::2:", "1:2:3:4:5:6:7:8::", "::ffff:1.2.3", "::1.2.3.4:5", "-1.0.0.0",
    ])
    func badInputIsATypedError(_ text: String) {
        #expect(throws: TrafficSelectorParseError.self) { try TrafficSelector(cidr: text) }
    }

    @Test func ipv4FormsEveryDigitCount() {
        #expect(AddressText.format([0, 0, 0, 0]) == "0.0.0.0")
        #expect(AddressText.format([255, 255, 255, 255]) == "255.255.255.255")
        #expect(AddressText.format([10, 100, 9, 1]) == "10.100.9.1")
        #expect(AddressText.format([192, 0, 2, 199]) == "192.0.2.199")
        for b in [0, 7, 9, 10, 42, 99, 100, 101, 200, 255] {
            let text = AddressText.format([UInt8(b), 1, UInt8(b), 2])
            #expect(text == "\(b).1.\(b).2")
            #expect((try? AddressText.parse(Substring(text))) == [UInt8(b), 1, UInt8(b), 2])
        }
    }

    @Test func ipv6Forms() throws {
        #expect(try AddressText.format(AddressText.parse("2001:DB8:0:0:0:0:2:1")) == "2001:db8::2:1")
        #expect(try AddressText.format(AddressText.parse("2001:db8:0:1:0:0:0:1")) == "2001:db8:0:1::1")
        // RFC 5952 §4.2.3: the first of two equally long zero runs is shortened.
        #expect(try AddressText.format(AddressText.parse("2001:0:0:1:0:0:0:1")) == "2001:0:0:1::1")
        #expect(try AddressText.format(AddressText.parse("2001:db8:0:0:1:0:0:1")) == "2001:db8::1:0:0:1")
        // RFC 5952 §4.2.2: a single zero group is not shortened.
        #expect(try AddressText.format(AddressText.parse("2001:db8:0:1:1:1:1:1")) == "2001:db8:0:1:1:1:1:1")
        #expect(try AddressText.parse("::ffff:192.0.2.1") == [UInt8](repeating: 0, count: 10) + [0xff, 0xff, 192, 0, 2, 1])
        #expect(try AddressText.format(AddressText.parse("1::")) == "1::")
        #expect(try AddressText.format(AddressText.parse("::")) == "::")
    }

    @Test func rangesPrintAsRanges() throws {
        let range = TrafficSelector.ipv4([10, 1, 0, 5], [10, 1, 0, 9])
        #expect(range.notation == "10.1.0.5-10.1.0.9")
        #expect(try ts("10.1.0.5-10.1.0.9") == range)
        // A range that happens to be a prefix prints as the prefix.
        #expect(try ts("10.1.0.0-10.1.0.255").notation == "10.1.0.0/24")
        #expect(throws: TrafficSelectorParseError.self) { try ts("10.1.0.9-10.1.0.5") }
        #expect(throws: TrafficSelectorParseError.self) { try ts("10.1.0.9-::1") }
    }

    @Test(arguments: [
        "10.1.0.0/16[tcp/443]", "10.1.0.0/16[tcp]", "10.1.0.0/16[udp/500-4500]", "0.0.0.0/0[any/53]",
        "10.1.0.5-10.1.0.9[icmp/2048]", "2001:db8::/32[ipv6-icmp]", "10.0.0.0/8[99]", "10.0.0.0/8[tcp/opaque]",
    ])
    func protocolAndPortsRoundTrip(_ text: String) throws {
        #expect(try ts(text).notation == text)
    }

    @Test func protocolAndPortValues() throws {
        let https = try ts("10.1.0.0/16[tcp/443]")
        #expect(https == .ipv4([10, 1, 0, 0], [10, 1, 255, 255], ipProtocol: 6, ports: 443...443))
        #expect(try ts("10.1.0.0/16[6/443]") == https)
        #expect(try TrafficSelector(cidr: "10.1.0.0/16", ipProtocol: 6, ports: 443...443) == https)
        let opaque = try ts("10.0.0.0/8[tcp/opaque]")
        #expect(opaque.startPort == 65535 && opaque.endPort == 0)
    }

    @Test(arguments: ["10.0.0.0/8[", "10.0.0.0/8[tcp", "10.0.0.0/8[foo]", "10.0.0.0/8[tcp/70000]",
                      "10.0.0.0/8[tcp/9-8]", "10.0.0.0/8[tcp/]", "10.0.0.0/8[]", "10.0.0.0/8[256]"])
    func badProtocolOrPorts(_ text: String) {
        #expect(throws: TrafficSelectorParseError.self) { try ts(text) }
    }

    @Test func unknownTypeAndListNotation() throws {
        var unknown = TrafficSelector(type: TSType(rawValue: 9), startAddress: [], endAddress: [])
        unknown.opaque = [1, 2, 3]
        #expect(unknown.notation == "TSType(9)")
        #expect(try [ts("10.1.0.0/16"), ts("10.2.0.0/16")].notation == "10.1.0.0/16, 10.2.0.0/16")
    }
}
