import Testing
import IKECrypto
@testable import CryptoOpenSSL

/// The pooled CSPRNG hands out every byte once, across pool refills and for large requests.
@Suite struct PooledRandomTests {
    @Test func smallRequestsNeverRepeatAcrossRefills() {
        let r = PooledOpenSSLRandom()
        // 3 pools' worth of 24-byte draws (odd sizes straddle the refill point).
        var seen = Set<[UInt8]>()
        for _ in 0..<(3 * PooledOpenSSLRandom.size / 24) { #expect(seen.insert(r.bytes(24)).inserted) }
        let sizes = [1, 7, 8, 31, 2048, 2049, 10_000]
        for n in sizes {
            let a = r.bytes(n), b = r.bytes(n)
            #expect(a.count == n && b.count == n)
            if n >= 8 { #expect(a != b, "\(n) bytes twice the same") }
        }
    }

    @Test func outputLooksUniform() {
        // 64 KiB: every byte value appears, none wildly often (a stuck or zeroed pool would fail).
        let data = PooledOpenSSLRandom().bytes(1 << 16)
        var counts = [Int](repeating: 0, count: 256)
        for b in data { counts[Int(b)] += 1 }
        #expect(counts.min()! > 150 && counts.max()! < 370, "expected about 256 each")
    }
}
