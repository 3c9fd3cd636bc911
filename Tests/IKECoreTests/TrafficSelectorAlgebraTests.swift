import Testing
import IKEWire
@testable import IKECore

/// Intersection and subset on selectors: address ranges, protocols (0 = any), ports with the
/// ANY and OPAQUE values of RFC 7296 §3.13.1, and families.
struct TrafficSelectorAlgebraTests {
    /// (a, b, a ∩ b or nil), written in notation.
    static let table: [(String, String, String?)] = [
        ("0.0.0.0/0", "10.1.0.0/16", "10.1.0.0/16"),
        ("10.1.0.0/16", "10.1.2.0/24", "10.1.2.0/24"),
        ("10.1.0.0/16", "10.1.0.0/16", "10.1.0.0/16"),
        ("10.1.0.0/16", "10.2.0.0/16", nil),
        ("10.1.0.0-10.1.0.9", "10.1.0.5-10.1.0.20", "10.1.0.5-10.1.0.9"),
        ("10.1.0.0-10.1.0.5", "10.1.0.5-10.1.0.20", "10.1.0.5/32"),
        ("10.1.0.0-10.1.0.4", "10.1.0.5-10.1.0.20", nil),
        ("::/0", "2001:db8::/32", "2001:db8::/32"),
        ("0.0.0.0/0", "::/0", nil),
        ("10.0.0.0/8[tcp/443]", "10.1.0.0/16", "10.1.0.0/16[tcp/443]"),
        ("10.0.0.0/8", "10.1.0.0/16[udp]", "10.1.0.0/16[udp]"),
        ("10.0.0.0/8[tcp]", "10.1.0.0/16[udp]", nil),
        ("10.0.0.0/8[tcp/1000-2000]", "10.0.0.0/8[tcp/1500-3000]", "10.0.0.0/8[tcp/1500-2000]"),
        ("10.0.0.0/8[tcp/1000-2000]", "10.0.0.0/8[tcp/3000-4000]", nil),
        ("10.0.0.0/8[any/53]", "10.0.0.0/8[udp]", "10.0.0.0/8[udp/53]"),
        ("10.0.0.0/8[tcp/opaque]", "10.0.0.0/8", "10.0.0.0/8[tcp/opaque]"),
        ("10.0.0.0/8[tcp/opaque]", "10.0.0.0/8[tcp/opaque]", "10.0.0.0/8[tcp/opaque]"),
        ("10.0.0.0/8[tcp/opaque]", "10.0.0.0/8[tcp/80]", nil),
    ]

    @Test func intersectionTable() throws {
        for (a, b, expected) in Self.table {
            let x = try ts(a), y = try ts(b)
            #expect(x.intersection(y)?.notation == expected, "\(a) ∩ \(b)")
            #expect(y.intersection(x)?.notation == expected, "\(b) ∩ \(a) (commutes)")
            if let expected {
                let both = try ts(expected)
                #expect(x.contains(both) && y.contains(both), "\(expected) within both")
                #expect(x.overlaps(y))
            } else {
                #expect(!x.overlaps(y))
            }
        }
    }

    @Test func containment() throws {
        #expect(try ts("10.0.0.0/8").contains(ts("10.1.0.0/16")))
        #expect(try ts("10.1.0.0/16").contains(ts("10.1.0.0/16")))
        #expect(try !ts("10.1.0.0/16").contains(ts("10.0.0.0/8")))
        #expect(try !ts("10.1.0.0/16").contains(ts("10.2.0.0/16")))
        #expect(try ts("10.0.0.0/8").contains(ts("10.1.0.0/16[tcp/443]")))
        #expect(try !ts("10.0.0.0/8[tcp/443]").contains(ts("10.1.0.0/16")))
        #expect(try !ts("10.0.0.0/8[tcp]").contains(ts("10.1.0.0/16[udp]")))
        #expect(try ts("10.0.0.0/8[tcp/1-1000]").contains(ts("10.0.0.0/8[tcp/80-443]")))
        #expect(try ts("10.0.0.0/8").contains(ts("10.0.0.0/8[tcp/opaque]")))
        #expect(try !ts("10.0.0.0/8[tcp/1-1000]").contains(ts("10.0.0.0/8[tcp/opaque]")))
        #expect(try !ts("0.0.0.0/0").contains(ts("::/0")))
    }

    @Test func malformedSelectorsTakeNoPart() throws {
        let all = try ts("0.0.0.0/0")
        let backwards = TrafficSelector.ipv4([10, 0, 0, 9], [10, 0, 0, 1])
        let shortAddress = TrafficSelector.ipv4([10, 0, 0], [10, 0, 0])
        let mislabelled = TrafficSelector(type: .ipv6AddressRange, startAddress: [0, 0, 0, 0],
                                          endAddress: [255, 255, 255, 255])
        let badPorts = TrafficSelector.ipv4([10, 0, 0, 0], [10, 0, 0, 1], ipProtocol: 6, ports: 0...0)
        var reversedPorts = badPorts
        reversedPorts.startPort = 9
        reversedPorts.endPort = 8
        var unknown = TrafficSelector(type: TSType(rawValue: 9), startAddress: [], endAddress: [])
        unknown.opaque = [1]
        for bad in [backwards, shortAddress, mislabelled, reversedPorts, unknown] {
            #expect(!bad.isWellFormed)
            #expect(all.intersection(bad) == nil)
            #expect(bad.intersection(all) == nil)
            #expect(!all.contains(bad))
            #expect(!bad.contains(bad))
        }
        #expect(badPorts.isWellFormed)
    }

    @Test func addressOrderIsBigEndian() {
        #expect(AddressBytes.compare([10, 0, 0, 255], [10, 0, 1, 0]) < 0)
        #expect(AddressBytes.compare([10, 0, 1, 0], [10, 0, 0, 255]) > 0)
        #expect(AddressBytes.compare([1, 2], [1, 2]) == 0)
        #expect(AddressBytes.prefixLength(start: [10, 0, 0, 0], end: [10, 0, 0, 0]) == 32)
        #expect(AddressBytes.prefixLength(start: [0, 0, 0, 0], end: [255, 255, 255, 255]) == 0)
        #expect(AddressBytes.prefixLength(start: [10, 0, 0, 1], end: [10, 0, 0, 2]) == nil)
        #expect(AddressBytes.prefixLength(start: [10, 0, 0, 0], end: [10, 0, 0, 2]) == nil)
    }
}
