// iked-bench: the ESP datapath micro-benchmark of issue 6 (and the one issue 9's bench.sh runs).
//
// For each suite and packet size it times ESPOutboundSA.seal and ESPInboundSA.open in place on
// one PacketBuffer, and the same cipher through raw library calls (RawCiphers.swift) on the same
// buffer at the same addresses, in the same run, interleaved round by round; it prints the
// throughputs, their ratio and the heap allocations per packet counted by CAllocCounter.
//
// Not a test: it asserts correctness (every seal and open must succeed, the raw reference must
// open what iked sealed) but never a time.

import CAllocCounter
import CryptoOpenSSL
import ESPCore
import Glibc
import IKECrypto

if options.handshakes {
    // Its own defaults: 12 pairs of 0.25 s slices per group (about 15 s in all); the datapath's
    // 0.06 s per cell is too short for a rate of thousands per second.
    let quick = options.seconds < 0.01
    runHandshakeBench(slice: quick ? 0.1 : options.secondsGiven ? options.seconds : 0.25,
                      pairs: quick ? 2 : options.roundsGiven ? options.rounds : 12)
}

// MARK: Suites

struct Suite {
    let name: String
    let encryption: EncryptionAlgorithm
    let keyMaterial: Int           // encryption KEYMAT bytes (with the 4-byte salt for AEADs)
    let integrity: IntegrityAlgorithm?
    /// The raw reference for the same keys.
    let raw: (_ key: [UInt8], _ integrityKey: [UInt8]) -> any RawESP
}

let suites: [Suite] = [
    Suite(name: "AES-256-GCM-16", encryption: .aesGCM16, keyMaterial: 36, integrity: nil) { k, _ in
        RawEVPAEAD(cipher: .aes256GCM, keyMaterial: k) },
    Suite(name: "AES-128-GCM-16", encryption: .aesGCM16, keyMaterial: 20, integrity: nil) { k, _ in
        RawEVPAEAD(cipher: .aes128GCM, keyMaterial: k) },
    Suite(name: "ChaCha20-Poly1305", encryption: .chacha20Poly1305, keyMaterial: 36, integrity: nil) { k, _ in
        RawSodiumChaCha(keyMaterial: k) },
    Suite(name: "AES-256-CBC/SHA256-128", encryption: .aesCBC, keyMaterial: 32, integrity: .hmacSHA256_128) { k, i in
        RawEVPCBCHMAC(key: k, integrityKey: i, digest: "SHA256", icvSize: 16) },
    Suite(name: "AES-256-CBC/SHA1-96", encryption: .aesCBC, keyMaterial: 32, integrity: .hmacSHA1_96) { k, i in
        RawEVPCBCHMAC(key: k, integrityKey: i, digest: "SHA1", icvSize: 12) },
    Suite(name: "AES-256-CBC/SHA384-192", encryption: .aesCBC, keyMaterial: 32, integrity: .hmacSHA384_192) { k, i in
        RawEVPCBCHMAC(key: k, integrityKey: i, digest: "SHA384", icvSize: 24) },
    Suite(name: "AES-256-CBC/SHA512-256", encryption: .aesCBC, keyMaterial: 32, integrity: .hmacSHA512_256) { k, i in
        RawEVPCBCHMAC(key: k, integrityKey: i, digest: "SHA512", icvSize: 32) },
].filter { s in options.suites.isEmpty || options.suites.contains { s.name.lowercased().contains($0.lowercased()) } }

if !counterActive {
    // Under valgrind (whose own malloc replaces ours) or a static build: time only.
    print("iked-bench: the malloc counter is not active; allocations are shown as n/a")
}

#if DEBUG
print("iked-bench: DEBUG BUILD: times and allocation counts mean nothing here (unoptimized, unspecialized")
print("generic code allocates); measure with scripts/bench-datapath.sh or swift build -c release")
#endif

warmUp(seconds: options.seconds < 0.05 ? 0.05 : 0.5)

print("iked-bench: ESP seal/open in place (ESPCore) vs raw library calls on the same buffers, one thread")
print("\(referenceLibraryVersions()); \(cpuCount()) CPUs; \(fixed(options.seconds, 3)) s per cell x \(options.rounds) interleaved round(s), best of each; Gbit/s of inner packet bytes")
print("raw = OpenSSL EVP (AES) or libsodium (ChaCha20-Poly1305, the library iked uses for it); ratio = iked / raw")
print("")
// Set everything up (and check that every path computes the right thing), then run the rounds.
let benches = suites.flatMap { suite in options.sizes.map { SuiteBench(suite, size: $0) } }
var comparisons: [LibraryComparison] = []
if options.libraryReference {
    // Not iked's paths: each AEAD through the other library, raw, to show what a switch would give.
    var pairs: [(String, ([UInt8]) -> any RawESP, ([UInt8]) -> any RawESP)] = [
        ("ChaCha20-Poly1305", { RawEVPAEAD(cipher: .chacha20Poly1305, keyMaterial: $0) },
         { RawSodiumChaCha(keyMaterial: $0) })]
    if RawSodiumAES256GCM.isAvailable {
        pairs.insert(("AES-256-GCM-16", { RawEVPAEAD(cipher: .aes256GCM, keyMaterial: $0) },
                      { RawSodiumAES256GCM(keyMaterial: $0) }), at: 0)
    }
    comparisons = pairs.flatMap { p in options.sizes.map { LibraryComparison(p.0, openssl: p.1, sodium: p.2, size: $0) } }
}
for _ in 0..<options.rounds {
    for bench in benches { bench.round() }
    for comparison in comparisons { comparison.round() }
}

let header = [pad("suite", 23, right: false), pad("bytes", 5), pad("seal iked", 10), pad("raw", 7), pad("ratio", 6),
              pad("open iked", 10), pad("raw", 7), pad("ratio", 6), pad("s+o ratio", 10),
              pad("allocs/pkt iked s/o", 20), pad("raw s/o", 12)].joined(separator: " ")
print(header)
print(String(repeating: "-", count: header.count))

var worst1400 = Double.infinity
for r in benches {
    let size = r.size
    let iS = r.ikedSealCell.gbps(size: size, count: r.count), rS = r.rawSealCell.gbps(size: size, count: r.count)
    let iO = r.ikedOpenCell.gbps(size: size, count: r.count), rO = r.rawOpenCell.gbps(size: size, count: r.count)
    // Seal+open together (issue 9's measure): raw time over iked time for one packet each way.
    let both = (r.rawSealCell.seconds + r.rawOpenCell.seconds) / (r.ikedSealCell.seconds + r.ikedOpenCell.seconds)
    if size == 1400 { worst1400 = min(worst1400, both) }
    print([pad(r.suite.name, 23, right: false), pad(String(size), 5), pad(fixed(iS, 2), 10), pad(fixed(rS, 2), 7),
           pad(fixed(iS / rS, 2), 6), pad(fixed(iO, 2), 10), pad(fixed(rO, 2), 7), pad(fixed(iO / rO, 2), 6),
           pad(fixed(both, 2), 10),
           pad("\(allocs(r.ikedSealCell.allocationsPerPacket)) / \(allocs(r.ikedOpenCell.allocationsPerPacket))", 20),
           pad("\(allocs(r.rawSealCell.allocationsPerPacket)) / \(allocs(r.rawOpenCell.allocationsPerPacket))", 12)]
        .joined(separator: " "))
}

if !comparisons.isEmpty {
    print("")
    print("reference: the same AEAD through OpenSSL EVP and through libsodium, raw calls (Gbit/s)")
    print([pad("cipher", 18, right: false), pad("bytes", 5), pad("seal OpenSSL", 13), pad("libsodium", 10),
           pad("open OpenSSL", 13), pad("libsodium", 10)].joined(separator: " "))
    for c in comparisons {
        let g = c.gbps
        print([pad(c.name, 18, right: false), pad(String(c.size), 5), pad(fixed(g[0], 2), 13), pad(fixed(g[1], 2), 10),
               pad(fixed(g[2], 2), 13), pad(fixed(g[3], 2), 10)].joined(separator: " "))
    }
}

print("")
print("steady-state round trip (seal, then open in place with replay window 1024 and selectors), 1400-byte packets:")
var roundTripClean = true
for suite in suites {
    let r = roundTripAllocations(suite, size: 1400, packets: options.rounds * 10_000)
    roundTripClean = roundTripClean && r.allocations == 0
    let total = r.allocations == 0 || !counterActive ? "" : " (\(r.allocations) in \(r.packets) packets)"
    print("  \(pad(suite.name, 23, right: false)) \(allocs(Double(r.allocations) / Double(r.packets))) heap allocations per packet\(total)")
}
if worst1400.isFinite {
    print("")
    print("lowest seal+open ratio at 1400 bytes: \(fixed(worst1400, 2)) (issue 9 asks for >= 0.85)")
}
#if DEBUG
let verdict = "not measured (debug build)"
#else
let verdict = !counterActive ? "n/a" : roundTripClean ? "0" : "NOT 0 (see above)"
#endif
print("iked-bench: done; steady-state allocations per packet: \(verdict)")
