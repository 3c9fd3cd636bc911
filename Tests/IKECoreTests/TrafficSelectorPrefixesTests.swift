import IKEWire
import Testing
@testable import IKECore

/// A selector written as a range becomes the CIDR prefixes a route table needs.
@Suite struct TrafficSelectorPrefixesTests {
    func prefixes(_ text: String) throws -> [String] {
        try TrafficSelector(parsing: text).coveringPrefixes.map { p in
            (try? TrafficSelector(cidr: Endpoint.text(p.address) + "/\(p.length)"))?.notation ?? "?"
        }
    }

    @Test func aPrefixIsItself() throws {
        #expect(try prefixes("10.2.0.0/16") == ["10.2.0.0/16"])
        #expect(try prefixes("10.2.1.10") == ["10.2.1.10/32"])
        #expect(try prefixes("0.0.0.0/0") == ["0.0.0.0/0"])
        #expect(try prefixes("fd00:2::/64") == ["fd00:2::/64"])
        #expect(try prefixes("::/0") == ["::/0"])
    }

    @Test func aRangeBecomesTheFewestPrefixes() throws {
        #expect(try prefixes("10.2.0.5-10.2.0.9") == ["10.2.0.5/32", "10.2.0.6/31", "10.2.0.8/31"])
        #expect(try prefixes("10.0.0.0-10.1.255.255") == ["10.0.0.0/15"])
        #expect(try prefixes("10.0.0.1-10.0.0.254").count == 14)
        #expect(try prefixes("0.0.0.1-255.255.255.255").count == 32)
        #expect(try prefixes("fd00::1-fd00::2") == ["fd00::1/128", "fd00::2/128"])
    }

    /// Many IPv4 ranges: the prefixes are aligned, in order, adjacent, and span exactly the range.
    @Test func manyRangesAreCoveredExactly() throws {
        for i in UInt32(0)..<500 {
            // Spread over the address space (Knuth's multiplicative hash), lengths up to 100,000.
            let a = i &* 2_654_435_761
            let b = a &+ (i &* 7_919) % 100_001
            let (lo, hi) = (min(a, b), max(a, b))
            func bytes(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }
            let ts = TrafficSelector.ipv4(bytes(lo), bytes(hi))
            var next = UInt64(lo)
            for p in ts.coveringPrefixes {
                let start = p.address.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let size = UInt64(1) << (32 - p.length)
                #expect(start == next)
                #expect(start % size == 0)
                next = start + size
            }
            #expect(next == UInt64(hi) + 1)
        }
    }
}
