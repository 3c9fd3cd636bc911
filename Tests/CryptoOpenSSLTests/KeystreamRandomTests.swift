import Testing
@testable import CryptoOpenSSL

/// The CBC IV source: AES-256-CTR keystream under a key from RAND_bytes.
@Suite struct KeystreamRandomTests {
    @Test func successiveIVsDifferAndTwoSourcesDiffer() {
        let a = KeystreamRandom(), b = KeystreamRandom()
        var seen = Set<[UInt8]>()
        for _ in 0..<10_000 { #expect(seen.insert(a.bytes(16)).inserted) }
        #expect(!seen.contains(b.bytes(16)))
    }

    /// Odd lengths continue the keystream without repeating it: 3 + 13 bytes never equal the
    /// 16 bytes that come next.
    @Test func oddLengthsContinueTheStream() {
        let a = KeystreamRandom()
        let first = a.bytes(3) + a.bytes(13)
        let next = a.bytes(16)
        #expect(first != next)
        #expect(a.bytes(0).isEmpty)
    }

    /// A rough uniformity check over 1 MB: every byte value within 15 % of its expected count
    /// (4096), and about half of the bits set.
    @Test func outputLooksUniform() {
        let data = KeystreamRandom().bytes(1 << 20)
        var counts = [Int](repeating: 0, count: 256)
        var ones = 0
        for b in data { counts[Int(b)] += 1; ones += b.nonzeroBitCount }
        #expect(counts.allSatisfy { abs($0 - 4096) < 615 })
        #expect(abs(Double(ones) / Double(data.count * 8) - 0.5) < 0.001)
    }
}
