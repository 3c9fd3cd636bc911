// libFuzzer target: ESP decapsulation (ESPCore's `ESPInboundSA.open`), the inner-packet checks
// behind it (TFC padding, traffic selectors) and the replay window.
//
// Input: byte 0 picks the suite (low 2 bits: AES-GCM-16-256, ChaCha20-Poly1305,
// AES-CBC-128/HMAC-SHA1-96, AES-CBC-256/HMAC-SHA256-128), ESN (bit 2), traffic selectors on
// the inbound SA (bit 3) and the mode (bits 4-5); the rest is the mode's data:
//   0 raw      the data is an ESP packet from the SPI on: `open` drops it with a reason (no key,
//              no forgery) and counts exactly one drop.
//   1 sealed   the data is an inner packet: the matching outbound SA seals it (or drops it as
//              malformed when it is not IPv4/IPv6), the inbound SA opens it; the outcome must be
//              what an independent reading of the IP header says (delivered trimmed to the IP
//              length, malformed, or outside the selectors), and a second copy is a replay.
//   2 flipped  data[0...1] give a byte offset and an XOR mask applied to the sealed packet of
//              data[2...]; a changed packet never opens.
//   3 window   data[0] sets the replay window size, the rest is a list of 64-bit sequence
//              numbers; `check`/`markSeen` must agree with a set-based model of RFC 4303 §3.4.3.
import CryptoOpenSSL
import ESPCore
import IKECrypto

enum ESPDecapFuzz {
    static let provider = OpenSSLProvider()
    static let random = SeededRandom(seed: 11)
    static let spi: UInt32 = 0xC0FF_EE01

    struct Suite {
        var encryption: EncryptionAlgorithm
        var keyBytes: Int
        var integrity: IntegrityAlgorithm?
    }

    static let suites = [
        Suite(encryption: .aesGCM16, keyBytes: 36), Suite(encryption: .chacha20Poly1305, keyBytes: 36),
        Suite(encryption: .aesCBC, keyBytes: 16, integrity: .hmacSHA1_96),
        Suite(encryption: .aesCBC, keyBytes: 32, integrity: .hmacSHA256_128),
    ]

    static func transform(_ s: Suite) -> ESPTransform {
        let ek = SecretBytes((0..<s.keyBytes).map { UInt8(truncatingIfNeeded: $0 &* 3 &+ 9) })
        let ik = SecretBytes((0..<(s.integrity?.keySize ?? 0)).map { UInt8(truncatingIfNeeded: $0 &* 5 &+ 1) })
        return try! ESPTransform.make(provider: provider, encryption: s.encryption, encryptionKey: ek, integrity: s.integrity, integrityKey: ik)
    }

    /// One transform per suite and direction, made once: SAs are fresh per input, keys are not.
    nonisolated(unsafe) static let outboundTransforms = suites.map(transform)
    nonisolated(unsafe) static let inboundTransforms = suites.map(transform)

    /// The story's prefixes: the peer's 10.2.0.0/16 and 2001:db8:2::/48 send to our 10.1.0.0/16
    /// and 2001:db8:1::/48.
    static let remote = [range([10, 2, 0, 0], [10, 2, 255, 255]), range(v6(2), v6(2, last: true))]
    static let local = [range([10, 1, 0, 0], [10, 1, 255, 255]), range(v6(1), v6(1, last: true))]

    static func v6(_ net: UInt8, last: Bool = false) -> [UInt8] {
        [0x20, 0x01, 0x0D, 0xB8, 0, net] + [UInt8](repeating: last ? 0xFF : 0, count: 10)
    }

    static func range(_ a: [UInt8], _ b: [UInt8]) -> AddressRange { AddressRange(start: a, end: b)! }

    nonisolated(unsafe) static let buffer = PacketBuffer()

    static func run(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let index = Int(selector & 3), esn = selector & 4 != 0, selectors = selector & 8 != 0
        let data = Array(bytes.dropFirst())
        let outbound = ESPOutboundSA(spi: spi, transform: outboundTransforms[index], extendedSequenceNumbers: esn)
        let inbound = ESPInboundSA(spi: spi, transform: inboundTransforms[index], extendedSequenceNumbers: esn, replayWindow: 64,
                                   remoteSelectors: selectors ? remote : [], localSelectors: selectors ? local : [])
        switch (selector >> 4) & 3 {
        case 0: raw(inbound, data)
        case 1: sealed(outbound, inbound, data, selectors: selectors)
        case 2: flipped(outbound, inbound, data)
        default: window(data, esn: esn)
        }
    }

    // MARK: Modes

    static func raw(_ inbound: ESPInboundSA, _ packet: [UInt8]) {
        guard packet.count <= 65_535 else { return }
        buffer.load(packet)
        let drop = open(inbound)
        guard drop != nil else { fatalError("a packet opened without the key") }
    }

    static func sealed(_ outbound: ESPOutboundSA, _ inbound: ESPInboundSA, _ inner: [UInt8], selectors: Bool) {
        guard inner.count <= 65_535 else { return }
        buffer.load(inner)
        let sealDrop = outbound.seal(buffer, random: random)
        let version = inner.first.map { $0 >> 4 }
        let sealable = (version == 4 && inner.count >= 20) || (version == 6 && inner.count >= 40)
        guard sealable == (sealDrop == nil) else { fatalError("seal gave \(String(describing: sealDrop)) for a \(inner.count)-byte packet") }
        guard sealable else {
            guard sealDrop == .malformed, outbound.counters.drops[.malformed] == 1, outbound.counters.packets == 0 else {
                fatalError("seal drop not counted as malformed")
            }
            return
        }
        let sealedPacket = buffer.array
        let drop = open(inbound)
        let expected = expectedOpen(inner, selectors: selectors)
        guard drop == expected.drop else { fatalError("open gave \(String(describing: drop)), expected \(String(describing: expected.drop))") }
        if drop == nil, buffer.array != expected.packet {
            fatalError("opened packet differs from the inner packet")
        }
        buffer.load(sealedPacket)
        guard open(inbound) == .replay else { fatalError("a second copy was not a replay") }
    }

    static func flipped(_ outbound: ESPOutboundSA, _ inbound: ESPInboundSA, _ data: [UInt8]) {
        guard data.count > 2 else { return }
        let inner = Array(data[2...])
        guard inner.count <= 65_535 else { return }
        buffer.load(inner)
        guard outbound.seal(buffer, random: random) == nil else { return }
        var packet = buffer.array
        let offset = (Int(data[0]) << 2 | Int(data[1] >> 6)) % packet.count
        let mask = data[1] & 0x3F | 0x01   // never zero: the packet always changes
        packet[offset] ^= mask
        buffer.load(packet)
        guard open(inbound) != nil else { fatalError("a packet with byte \(offset) changed still opened") }
    }

    static func window(_ data: [UInt8], esn: Bool) {
        guard let first = data.first else { return }
        let size = Int(first % 65) * 64
        var window = ReplayWindow(size: size, extendedSequenceNumbers: esn)
        var model = ReplayModel(size: UInt64(size))
        var rest = data.dropFirst()
        var steps = 0
        while rest.count >= 8, steps < 256 {
            var n: UInt64 = 0
            for b in rest.prefix(8) { n = n << 8 | UInt64(b) }
            rest = rest.dropFirst(8)
            steps += 1
            // Without ESN only 32-bit numbers exist; with ESN, numbers near T are the interesting ones.
            let sequence = esn ? model.highest &+ (n >> 48 == 0 ? n & 0xFFFF_FFFF : n) : n & 0xFFFF_FFFF
            let low = UInt32(truncatingIfNeeded: sequence)
            let verdict = window.check(low)
            if case .accept(let full) = verdict {
                guard UInt32(truncatingIfNeeded: full) == low else { fatalError("accepted \(full) for low bits \(low)") }
                guard model.isNew(full) else { fatalError("accepted \(full), which the model has seen or left behind") }
                guard window.markSeen(full) else { fatalError("markSeen(\(full)) refused after check accepted it") }
                model.mark(full)
                guard window.markSeen(full) == false || size == 0 else { fatalError("\(full) marked twice") }
            } else if !esn {
                guard !model.isNew(sequence) else { fatalError("refused \(sequence) as \(verdict), which is new") }
            }
            guard window.highest == model.highest else { fatalError("T is \(window.highest), model \(model.highest)") }
        }
    }

    // MARK: Helpers

    /// Opens `buffer` and checks that exactly one counter moved.
    static func open(_ inbound: ESPInboundSA) -> ESPDrop? {
        let before = inbound.counters
        let drop = inbound.open(buffer)
        let after = inbound.counters
        if let drop {
            guard after.drops[drop, default: 0] == before.drops[drop, default: 0] + 1, after.packets == before.packets,
                  after.drops.values.reduce(0, +) == before.drops.values.reduce(0, +) + 1 else {
                fatalError("drop \(drop) not counted once")
            }
        } else {
            guard after.packets == before.packets + 1, after.bytes == before.bytes + UInt64(buffer.count), after.drops == before.drops else {
                fatalError("delivery not counted once")
            }
        }
        return drop
    }

    /// What `open` must do with a sealed inner packet, from the IP header alone (RFC 4303 §2.7:
    /// the IP length decides where TFC padding starts; RFC 4301 §5: selectors).
    static func expectedOpen(_ p: [UInt8], selectors: Bool) -> (drop: ESPDrop?, packet: [UInt8]) {
        let v4 = p[0] >> 4 == 4
        let total = v4 ? Int(p[2]) << 8 | Int(p[3]) : 40 + (Int(p[4]) << 8 | Int(p[5]))
        guard total >= 20, total <= p.count else { return (.malformed, []) }
        let packet = Array(p[..<total])
        guard selectors else { return (nil, packet) }
        let (src, dst) = v4 ? (Array(p[12..<16]), Array(p[16..<20])) : (Array(p[8..<24]), Array(p[24..<40]))
        let inside = (v4 ? src[0...1] == [10, 2] && dst[0...1] == [10, 1]
                         : src[..<6] == ArraySlice(v6(2)[..<6]) && dst[..<6] == ArraySlice(v6(1)[..<6]))
        return (inside ? nil : .tsMismatch, packet)
    }
}

/// RFC 4303 §3.4.3 as a set: a number is new iff it is not 0, and it is right of the window or
/// inside it and not seen.
struct ReplayModel {
    let size: UInt64
    var highest: UInt64 = 0
    var seen: Set<UInt64> = []

    func isNew(_ s: UInt64) -> Bool {
        guard s != 0 else { return false }
        guard size > 0 else { return true }
        if s > highest { return true }
        return highest - s < size && !seen.contains(s)
    }

    mutating func mark(_ s: UInt64) {
        highest = max(highest, s)
        seen.insert(s)
        if seen.count > 4096 { seen = seen.filter { highest - $0 < size } }
    }
}
