// The measurement loops and helpers of iked-bench (main.swift drives them).

import CAllocCounter
import CryptoOpenSSL
import ESPCore
import Glibc
import IKECrypto

// MARK: Options

struct Options {
    var seconds = 0.06         // per cell and round
    var rounds = 5
    var sizes = [64, 512, 1400, 8192]
    var suites: [String] = []  // empty: all
    var libraryReference = true
    /// `--handshakes`: the IKE handshake rate instead of the datapath (HandshakeBench.swift).
    var handshakes = false
    /// Whether --seconds / --rounds were given (--handshakes has its own defaults).
    var secondsGiven = false
    var roundsGiven = false
}

func usage(exitCode: Int32 = 2) -> Never {
    print("""
    usage: iked-bench [--seconds S] [--rounds N] [--sizes 64,512,...] [--suite NAME]... [--quick] [--long]
      --seconds S   time per measurement and round (default 0.06; the default run takes ~45 s)
      --rounds N    interleaved rounds; the best round of each is reported (default 5)
      --quick       smoke run: 0.005 s x 1 round (~2 s in release)
      --long        1 s x 5 rounds (~9 minutes)
      --suite NAME  only suites whose name contains NAME (repeatable)
      --no-reference  skip the OpenSSL-vs-libsodium reference table
      --handshakes  IKE handshakes per second (ECP-256, X25519) against their DH work alone:
                    --rounds pairs (default 12) of --seconds slices (default 0.25 s), handshakes
                    then DH alone; medians and the median of the pairs' ratios; --quick 0.1 s x 2
    """)
    exit(exitCode)
}

/// Parsed once from the command line.
let options: Options = {
    var options = Options()
    var args = CommandLine.arguments.dropFirst()
    while let a = args.popFirst() {
        switch a {
        case "--seconds": guard let v = args.popFirst().flatMap(Double.init), v > 0 else { usage() }; options.seconds = v; options.secondsGiven = true
        case "--rounds": guard let v = args.popFirst().flatMap(Int.init), v > 0 else { usage() }; options.rounds = v; options.roundsGiven = true
        case "--sizes":
            guard let v = args.popFirst() else { usage() }
            let sizes = v.split(separator: ",").compactMap { Int($0) }
            guard !sizes.isEmpty, sizes.allSatisfy({ (20...60_000).contains($0) }) else { usage() }
            options.sizes = sizes
        case "--suite": guard let v = args.popFirst() else { usage() }; options.suites.append(v)
        case "--quick": options.seconds = 0.005; options.rounds = 1
        case "--long": options.seconds = 1; options.rounds = 5
        case "--no-reference": options.libraryReference = false
        case "--handshakes": options.handshakes = true
        case "-h", "--help": usage(exitCode: 0)
        default: usage()
        }
    }
    return options
}()

// MARK: Packets and timing

let spi: UInt32 = 0xC0FF_EE01
let headroom = PacketBuffer.defaultHeadroom
let random = OpenSSLRandom()
/// CBC IVs as the daemon's datapath makes them (an AES-CTR keystream seeded once).
let ivSource = KeystreamRandom()
let provider = OpenSSLProvider()

/// An IPv4/UDP packet of `size` bytes from 10.1.1.4 to 10.2.1.10 with random payload, in memory
/// allocated once.
func makeTemplate(size: Int) -> UnsafeMutableRawBufferPointer {
    let t = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
    random.fill(t)
    let header: [UInt8] = [0x45, 0, UInt8(size >> 8), UInt8(size & 0xFF), 0, 1, 0x40, 0, 64, 17, 0, 0,
                           10, 1, 1, 4, 10, 2, 1, 10]
    for (i, b) in header.enumerated() { t[i] = b }
    return t
}

/// Selectors that admit the template's addresses, so open runs its traffic-selector check.
let remoteSelectors = [AddressRange(start: [10, 1, 0, 0], end: [10, 1, 255, 255])!]
let localSelectors = [AddressRange(start: [10, 2, 0, 0], end: [10, 2, 255, 255])!]

struct Cell {
    var seconds = Double.infinity   // best round
    var allocations: UInt64 = 0     // over all rounds
    var packets = 0                 // over all rounds
    var failures = 0

    mutating func add(_ r: (seconds: Double, allocations: UInt64, failures: Int), packets n: Int) {
        seconds = min(seconds, r.seconds)
        allocations += r.allocations
        packets += n
        failures += r.failures
    }

    func gbps(size: Int, count: Int) -> Double { Double(size * count * 8) / seconds / 1e9 }
    var allocationsPerPacket: Double { packets == 0 ? 0 : Double(allocations) / Double(packets) }
}

let clock = ContinuousClock()

func seconds(_ d: Duration) -> Double {
    let c = d.components
    return Double(c.seconds) + Double(c.attoseconds) / 1e18
}

/// Runs `body` `count` times and returns the time, the heap allocations made meanwhile and the
/// number of calls that returned false. Reading the counters and the clock allocates nothing.
@inline(__always)
func timed(_ count: Int, _ body: () -> Bool) -> (seconds: Double, allocations: UInt64, failures: Int) {
    var failures = 0
    let a0 = iked_bench_allocations()
    let t0 = clock.now
    for _ in 0..<count where !body() { failures += 1 }
    let t1 = clock.now
    let a1 = iked_bench_allocations()
    return (seconds(t1 - t0), a1 - a0, failures)
}

// The four loops. Each reloads the packet with one memcpy into the buffer's receive area (as a
// TUN or socket read would put it there), so every loop includes the same copy.

@inline(never)
func ikedSeal(_ sa: ESPOutboundSA, _ buffer: PacketBuffer, _ packet: UnsafeMutableRawBufferPointer, _ count: Int)
    -> (seconds: Double, allocations: UInt64, failures: Int) {
    let source = UnsafeRawPointer(packet.baseAddress!), size = packet.count
    return timed(count) {
        buffer.receiveArea().baseAddress!.copyMemory(from: source, byteCount: size)
        buffer.setLength(size)
        return sa.seal(buffer, random: ivSource) == nil
    }
}

@inline(never)
func ikedOpen(_ sa: ESPInboundSA, _ buffer: PacketBuffer, _ sealed: UnsafeMutableRawBufferPointer, _ count: Int)
    -> (seconds: Double, allocations: UInt64, failures: Int) {
    let source = UnsafeRawPointer(sealed.baseAddress!), size = sealed.count
    return timed(count) {
        buffer.receiveArea().baseAddress!.copyMemory(from: source, byteCount: size)
        buffer.setLength(size)
        return sa.open(buffer) == nil
    }
}

/// The raw seal writes the inner packet where iked's seal has it (at `headroom`), with the ESP
/// header and IV in front, and encrypts the same number of bytes (inner, padding, trailer).
@inline(never)
func rawSeal<R: RawESP>(_ raw: R, _ buffer: PacketBuffer, _ packet: UnsafeMutableRawBufferPointer, bodyLength: Int,
                        sequence: inout UInt64, _ count: Int) -> (seconds: Double, allocations: UInt64, failures: Int) {
    let source = UnsafeRawPointer(packet.baseAddress!), size = packet.count
    let front = 8 + raw.ivSize
    var s = sequence
    defer { sequence = s }
    return timed(count) {
        let esp = buffer.receiveArea(headroom: headroom - front).baseAddress!
        (esp + front).copyMemory(from: source, byteCount: size)
        s &+= 1
        return raw.seal(esp: esp, bodyLength: bodyLength, sequence: s)
    }
}

@inline(never)
func rawOpen<R: RawESP>(_ raw: R, _ buffer: PacketBuffer, _ sealed: UnsafeMutableRawBufferPointer, _ count: Int)
    -> (seconds: Double, allocations: UInt64, failures: Int) {
    let source = UnsafeRawPointer(sealed.baseAddress!), size = sealed.count
    let bodyLength = size - 8 - raw.ivSize - raw.icvSize
    return timed(count) {
        let esp = buffer.receiveArea().baseAddress!
        esp.copyMemory(from: source, byteCount: size)
        return raw.open(esp: esp, bodyLength: bodyLength)
    }
}

// MARK: One suite and size

func keys(_ suite: Suite) -> (SecretBytes, [UInt8], SecretBytes, [UInt8]) {
    let k = random.bytes(suite.keyMaterial)
    let i = random.bytes(suite.integrity?.keySize ?? 0)
    return (SecretBytes(k), k, SecretBytes(i), i)
}

func transform(_ suite: Suite, _ key: SecretBytes, _ integrityKey: SecretBytes) -> ESPTransform {
    do {
        return try ESPTransform.make(provider: provider, encryption: suite.encryption, encryptionKey: key,
                                     integrity: suite.integrity, integrityKey: integrityKey)
    } catch { fatalError("\(suite.name): \(error)") }
}

func check(_ ok: Bool, _ what: @autoclosure () -> String) {
    if !ok { print("iked-bench: FAILED: \(what())"); exit(1) }
}

/// The four measurements of one suite and packet size, set up once; `round()` runs each once.
/// main.swift runs round 1 of every row, then round 2, and so on, so that a burst of load from
/// elsewhere on the machine hits one round of many rows rather than every round of one.
final class SuiteBench {
    let suite: Suite, size: Int, count: Int
    var ikedSealCell = Cell(), rawSealCell = Cell(), ikedOpenCell = Cell(), rawOpenCell = Cell()
    private let buffer = PacketBuffer()
    private let packet: UnsafeMutableRawBufferPointer
    private let sealed: UnsafeMutableRawBufferPointer
    private let outbound: ESPOutboundSA
    private let inbound: ESPInboundSA
    private let rawSealer: any RawESP
    private let rawOpener: any RawESP
    private let bodyLength: Int
    private var rawSequence: UInt64 = 0

    init(_ suite: Suite, size: Int) {
        self.suite = suite
        self.size = size
        let (key, keyBytes, integrityKey, integrityKeyBytes) = keys(suite)
        packet = makeTemplate(size: size)
        // Each side has its own SA objects and contexts, as in the daemon (one per SA and direction).
        outbound = ESPOutboundSA(spi: spi, transform: transform(suite, key, integrityKey))
        // Replay window 0 (check off): the same sealed packet is opened again and again. The
        // round trip (roundTripAllocations) runs with a real window.
        inbound = ESPInboundSA(spi: spi, transform: transform(suite, key, integrityKey), replayWindow: 0,
                               remoteSelectors: remoteSelectors, localSelectors: localSelectors)
        rawSealer = suite.raw(keyBytes, integrityKeyBytes)
        rawOpener = suite.raw(keyBytes, integrityKeyBytes)

        // One sealed packet to open, sealed by a separate SA so the timed SA's counter starts at 0.
        let sealer = ESPOutboundSA(spi: spi, transform: transform(suite, key, integrityKey))
        buffer.receiveArea().baseAddress!.copyMemory(from: packet.baseAddress!, byteCount: size)
        buffer.setLength(size)
        check(sealer.seal(buffer, random: ivSource) == nil, "\(suite.name) \(size): seal")
        sealed = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count, alignment: 64)
        sealed.copyMemory(from: UnsafeRawBufferPointer(buffer.bytes))
        bodyLength = sealed.count - 8 - rawSealer.ivSize - rawSealer.icvSize

        // The references do the same cryptography: iked opens its packet and gets the original
        // back, raw opens what iked sealed, and raw opens what raw sealed.
        check(inbound.open(buffer) == nil && buffer.array == Array(packet), "\(suite.name) \(size): iked open")
        check(rawOpener.openLoop(buffer, sealed, 1).failures == 0, "\(suite.name) \(size): raw open of iked's packet")
        check(rawSealer.sealLoop(buffer, packet, bodyLength: bodyLength, sequence: &rawSequence, 1).failures == 0,
              "\(suite.name) \(size): raw seal")
        let rawSealed = UnsafeMutableRawBufferPointer.allocate(byteCount: sealed.count, alignment: 64)
        defer { rawSealed.deallocate() }
        rawSealed.copyMemory(from: UnsafeRawBufferPointer(
            start: buffer.receiveArea(headroom: headroom - 8 - rawSealer.ivSize).baseAddress!, count: sealed.count))
        check(rawOpener.openLoop(buffer, rawSealed, 1).failures == 0, "\(suite.name) \(size): raw round trip")

        // Warm up (first-use allocations, caches), then size the loops from iked's seal speed.
        _ = ikedSeal(outbound, buffer, packet, 2000)
        _ = ikedOpen(inbound, buffer, sealed, 2000)
        _ = rawSealer.sealLoop(buffer, packet, bodyLength: bodyLength, sequence: &rawSequence, 2000)
        _ = rawOpener.openLoop(buffer, sealed, 2000)
        let probe = ikedSeal(outbound, buffer, packet, 2000)
        count = max(200, Int(options.seconds / (probe.seconds / 2000)))
    }

    deinit {
        packet.deallocate()
        sealed.deallocate()
    }

    func round() {
        ikedSealCell.add(ikedSeal(outbound, buffer, packet, count), packets: count)
        rawSealCell.add(rawSealer.sealLoop(buffer, packet, bodyLength: bodyLength, sequence: &rawSequence, count), packets: count)
        ikedOpenCell.add(ikedOpen(inbound, buffer, sealed, count), packets: count)
        rawOpenCell.add(rawOpener.openLoop(buffer, sealed, count), packets: count)
        for (cell, what) in [(ikedSealCell, "iked seal"), (rawSealCell, "raw seal"), (ikedOpenCell, "iked open"), (rawOpenCell, "raw open")] {
            check(cell.failures == 0, "\(suite.name) \(size): \(cell.failures) failures in \(what)")
        }
    }
}

/// Raw seal and open of one AEAD through two libraries on the same buffer: cells are
/// [seal first, seal second, open first, open second]. The second opens the first's packet
/// before anything is timed, so both compute the same function.
final class LibraryComparison {
    let name: String, size: Int, count: Int
    var cells = [Cell(), Cell(), Cell(), Cell()]
    private let a: any RawESP, b: any RawESP
    private let buffer = PacketBuffer()
    private let packet: UnsafeMutableRawBufferPointer
    private let sealed: UnsafeMutableRawBufferPointer
    private let bodyLength: Int
    private var sequence: UInt64 = 0

    init(_ name: String, openssl: ([UInt8]) -> any RawESP, sodium: ([UInt8]) -> any RawESP, size: Int) {
        self.name = name
        self.size = size
        let key = random.bytes(36)
        a = openssl(key)
        b = sodium(key)
        packet = makeTemplate(size: size)
        bodyLength = (size + 2 + 3) / 4 * 4
        let espLength = 8 + 8 + bodyLength + 16
        sealed = UnsafeMutableRawBufferPointer.allocate(byteCount: espLength, alignment: 64)
        _ = a.sealLoop(buffer, packet, bodyLength: bodyLength, sequence: &sequence, 1)
        sealed.copyMemory(from: UnsafeRawBufferPointer(start: buffer.receiveArea(headroom: headroom - 16).baseAddress!, count: espLength))
        check(b.openLoop(buffer, sealed, 1).failures == 0, "\(name): \(b.name) opens \(a.name)'s packet")
        _ = b.sealLoop(buffer, packet, bodyLength: bodyLength, sequence: &sequence, 2000)
        let probe = a.sealLoop(buffer, packet, bodyLength: bodyLength, sequence: &sequence, 2000)
        count = max(200, Int(options.seconds / (probe.seconds / 2000)))
    }

    deinit {
        packet.deallocate()
        sealed.deallocate()
    }

    func round() {
        cells[0].add(a.sealLoop(buffer, packet, bodyLength: bodyLength, sequence: &sequence, count), packets: count)
        cells[1].add(b.sealLoop(buffer, packet, bodyLength: bodyLength, sequence: &sequence, count), packets: count)
        cells[2].add(a.openLoop(buffer, sealed, count), packets: count)
        cells[3].add(b.openLoop(buffer, sealed, count), packets: count)
        check(cells.allSatisfy { $0.failures == 0 }, "\(name) \(size): library reference failures")
    }

    var gbps: [Double] { cells.map { $0.gbps(size: size, count: count) } }
}

/// Keeps one core busy sealing for `seconds` so that the first suite is not measured while the
/// CPU's clock is still ramping up.
func warmUp(seconds limit: Double) {
    let key = random.bytes(36)
    let raw = RawEVPAEAD(cipher: .aes256GCM, keyMaterial: key)
    let buffer = PacketBuffer()
    let packet = makeTemplate(size: 1400)
    defer { packet.deallocate() }
    var sequence: UInt64 = 0, spent = 0.0
    while spent < limit {
        spent += raw.sealLoop(buffer, packet, bodyLength: 1404, sequence: &sequence, 1000).seconds
    }
}

/// Steady-state round trip with a real replay window (1024) and selectors: seal into the
/// buffer, open the result in place, every packet a new sequence number. Returns allocations per
/// packet after a warm-up.
func roundTripAllocations(_ suite: Suite, size: Int, packets: Int) -> (allocations: UInt64, packets: Int) {
    let (key, _, integrityKey, _) = keys(suite)
    let buffer = PacketBuffer()
    let packet = makeTemplate(size: size)
    defer { packet.deallocate() }
    let outbound = ESPOutboundSA(spi: spi, transform: transform(suite, key, integrityKey))
    let inbound = ESPInboundSA(spi: spi, transform: transform(suite, key, integrityKey), replayWindow: 1024,
                               remoteSelectors: remoteSelectors, localSelectors: localSelectors)
    @inline(never) func run(_ n: Int) -> (seconds: Double, allocations: UInt64, failures: Int) {
        let source = UnsafeRawPointer(packet.baseAddress!)
        return timed(n) {
            buffer.receiveArea().baseAddress!.copyMemory(from: source, byteCount: size)
            buffer.setLength(size)
            return outbound.seal(buffer, random: ivSource) == nil && inbound.open(buffer) == nil
        }
    }
    _ = run(1000)
    let r = run(packets)
    check(r.failures == 0 && buffer.array == Array(packet), "\(suite.name) round trip")
    check(inbound.replay.highest == UInt64(1000 + packets), "\(suite.name) replay window did not advance")
    return (r.allocations, packets)
}

// MARK: Output

func cpuCount() -> Int { sysconf(Int32(_SC_NPROCESSORS_ONLN)) }

func pad(_ s: String, _ width: Int, right: Bool = true) -> String {
    let fill = String(repeating: " ", count: max(0, width - s.count))
    return right ? fill + s : s + fill
}

func fixed(_ v: Double, _ digits: Int) -> String {
    // Without Foundation: round half away from zero to `digits` decimals.
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let n = Int((v * scale).rounded())
    let whole = n / Int(scale), frac = abs(n % Int(scale))
    guard digits > 0 else { return String(whole) }
    let f = String(frac)
    return "\(n < 0 && whole == 0 ? "-" : "")\(whole).\(String(repeating: "0", count: digits - f.count))\(f)"
}

/// Whether CAllocCounter's malloc is the one in use (asked once, before anything is measured).
let counterActive = iked_bench_counter_active() == 1

/// Allocations per packet with two decimals; "<0.01" for the rare ones (one every few thousand
/// packets or fewer) that two decimals would print as a misleading 0.00.
func allocs(_ v: Double) -> String { !counterActive ? "n/a" : v == 0 ? "0" : v < 0.005 ? "<0.01" : fixed(v, 2) }

