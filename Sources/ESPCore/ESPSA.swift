import IKECrypto

/// Why the datapath dropped a packet; every drop is counted (issue 6).
public enum ESPDrop: String, Sendable, CaseIterable {
    case badSPI, replay, authFailure, tsMismatch, malformed, sequenceExhausted, noRoom
    /// A dummy packet (Next Header 59, RFC 4303 §2.6): authentic, but nothing to deliver.
    case dummy
    /// An IPv6 packet of the tunnel interface's own link (router solicitations, MLD from fe80::,
    /// to ff02::) that no selector covers: the kernel's chatter on the TUN, not a policy miss.
    case linkLocal
    /// Fewer than 8 bytes, so no SPI and sequence number: on UDP 4500 also a bare non-ESP marker
    /// or any other runt that is neither IKE nor a keepalive (RFC 3948 §2).
    case truncated
}

/// Bytes and packets through one SA direction, and its drops by reason.
public struct ESPCounters: Sendable, Equatable {
    public var bytes: UInt64 = 0
    public var packets: UInt64 = 0
    public var drops: [ESPDrop: UInt64] = [:]
    public init() {}
}

/// RFC 4303 §3.3.3: a sender must not let the counter cycle; ask for a rekey well before.
let softSequenceLimit32: UInt64 = UInt64(UInt32.max) - (1 << 20)
let softSequenceLimit64: UInt64 = UInt64.max - (1 << 32)

/// The sending side of one ESP SA in tunnel mode (RFC 4303 §3.3). Invariant: `sequence` only
/// grows; a sequence number (hence an AEAD IV, which is that number) is never used twice.
public final class ESPOutboundSA {
    public let spi: UInt32
    public let extendedSequenceNumbers: Bool
    let transform: ESPTransform
    let parts: ESPTransformParts
    // Unchecked exclusivity (here, on `replay`/`counters` below and on PacketBuffer's bounds):
    // the datapath touches an SA from one thread and never holds an access across a call that
    // could reach it again, and the dynamic checks were the largest per-packet cost after the
    // cipher (docs/performance.md, "Where the rest goes").
    @exclusivity(unchecked) public private(set) var sequence: UInt64 = 0
    @exclusivity(unchecked) public var counters = ESPCounters()

    public init(spi: UInt32, transform: ESPTransform, extendedSequenceNumbers: Bool = false) {
        self.spi = spi
        self.transform = transform
        parts = ESPTransformParts(transform)
        self.extendedSequenceNumbers = extendedSequenceNumbers
    }

    /// Moves the counter (tests of the 2^32 boundary only).
    func setSequenceForTesting(_ value: UInt64) { sequence = value }

    /// True once the counter is near its end and the Child SA should be rekeyed.
    public var needsRekey: Bool { sequence >= (extendedSequenceNumbers ? softSequenceLimit64 : softSequenceLimit32) }

    /// Encapsulates the inner IP packet in `p` in place: ESP header and IV in the headroom,
    /// padding, trailer and ICV in the tailroom. `random` is used only for CBC IVs.
    public func seal(_ p: PacketBuffer, random: some RandomSource) -> ESPDrop? {
        guard p.count > 0, let nextHeader = innerNextHeader(p) else { return drop(.malformed) }
        let limit: UInt64 = extendedSequenceNumbers ? .max : UInt64(UInt32.max)
        guard sequence < limit else { return drop(.sequenceExhausted) }   // §3.3.3: never cycle
        let innerLength = p.count
        let align = parts.alignment
        let padLength = (align - (innerLength + 2) % align) % align
        let ivSize = parts.ivSize, icvSize = parts.icvSize
        guard p.headroom >= 8 + ivSize, p.tailroom >= padLength + 2 + icvSize else { return drop(.noRoom) }
        sequence += 1
        // Trailer: padding 1, 2, 3, ... (§2.4), Pad Length, Next Header.
        _ = p.append(padLength + 2)
        let t = p.bytes
        for i in 0..<padLength { t[innerLength + i] = UInt8(truncatingIfNeeded: i + 1) }
        t[innerLength + padLength] = UInt8(padLength)
        t[innerLength + padLength + 1] = nextHeader
        _ = p.prepend(8 + ivSize)
        let b = p.bytes
        storeBigEndian32(spi, b, at: 0)
        storeBigEndian32(UInt32(truncatingIfNeeded: sequence), b, at: 4)
        let body = UnsafeMutableRawBufferPointer(rebasing: b[(8 + ivSize)...])
        _ = p.append(icvSize)
        let icv = UnsafeMutableRawBufferPointer(start: p.base + p.end - icvSize, count: icvSize)
        if let aead = parts.aead {
            // RFC 4106 §3.1: the IV is the sequence number, unique per key.
            storeBigEndianUInt64(sequence, into: UnsafeMutableRawBufferPointer(rebasing: b[8..<16]))
            let ok = withAAD(b) { aad in (try? aead.seal(iv: sequence, aad: aad, buffer: body, tag: icv)) != nil }
            guard ok else { return drop(.malformed) }
        } else if let cipher = parts.cipher, let integrity = parts.integrity {
            let iv = UnsafeMutableRawBufferPointer(rebasing: b[8..<(8 + ivSize)])
            random.fill(iv)
            guard (try? cipher.encrypt(iv: UnsafeRawBufferPointer(iv), buffer: body)) != nil else { return drop(.malformed) }
            computeICV(integrity, packet: UnsafeRawBufferPointer(rebasing: p.bytes[..<(p.count - icvSize)]), into: icv)
        }
        counters.bytes &+= UInt64(innerLength)
        counters.packets &+= 1
        return nil
    }

    /// RFC 4106 §5 / RFC 7634 §3: AAD is SPI ‖ seq (8 bytes), or SPI ‖ seq high ‖ seq low with ESN.
    private func withAAD<R>(_ b: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        guard extendedSequenceNumbers else { return body(UnsafeRawBufferPointer(rebasing: b[0..<8])) }
        return esnAAD(spi: spi, sequence: sequence, body)
    }

    /// RFC 4303 §2.2.1: with ESN the high 32 bits are appended to the data the ICV covers.
    private func computeICV(_ integrity: any Integrity, packet: UnsafeRawBufferPointer, into icv: UnsafeMutableRawBufferPointer) {
        guard extendedSequenceNumbers else { return integrity.compute(data: packet, icv: icv) }
        withICVInput(packet: packet, high: UInt32(truncatingIfNeeded: sequence >> 32)) { integrity.compute(data: $0, icv: icv) }
    }

    private func drop(_ reason: ESPDrop) -> ESPDrop {
        counters.drops[reason, default: 0] += 1
        return reason
    }
}

/// The receiving side of one ESP SA (RFC 4303 §3.4): replay check without state change,
/// integrity check and decryption, then marking the number seen (§3.4.3), then the inner
/// packet's addresses against the SA's traffic selectors.
public final class ESPInboundSA {
    public let spi: UInt32
    public let extendedSequenceNumbers: Bool
    let transform: ESPTransform
    let parts: ESPTransformParts
    @exclusivity(unchecked) public private(set) var replay: ReplayWindow
    /// Inner sources must lie in `remote`, destinations in `local` (empty = no check).
    public let remoteSelectors: [AddressRange]
    public let localSelectors: [AddressRange]
    @exclusivity(unchecked) public var counters = ESPCounters()

    public init(spi: UInt32, transform: ESPTransform, extendedSequenceNumbers: Bool = false, replayWindow: Int = 1024,
                remoteSelectors: [AddressRange] = [], localSelectors: [AddressRange] = []) {
        self.spi = spi
        self.transform = transform
        parts = ESPTransformParts(transform)
        self.extendedSequenceNumbers = extendedSequenceNumbers
        self.replay = ReplayWindow(size: replayWindow, extendedSequenceNumbers: extendedSequenceNumbers)
        self.remoteSelectors = remoteSelectors
        self.localSelectors = localSelectors
    }

    /// Decapsulates the ESP packet in `p` (from the SPI on) in place, leaving the inner IP
    /// packet; nil on success, else the counted reason.
    public func open(_ p: PacketBuffer) -> ESPDrop? {
        let ivSize = parts.ivSize, icvSize = parts.icvSize, align = parts.alignment
        let bodyLength = p.count - 8 - ivSize - icvSize
        guard bodyLength >= 2, bodyLength % align == 0 else { return drop(.malformed) }
        let b = p.bytes
        guard loadBigEndian32(b, at: 0) == spi else { return drop(.badSPI) }
        guard case .accept(let sequence) = replay.check(loadBigEndian32(b, at: 4)) else { return drop(.replay) }
        let body = UnsafeMutableRawBufferPointer(rebasing: b[(8 + ivSize)..<(8 + ivSize + bodyLength)])
        let icv = UnsafeRawBufferPointer(rebasing: b[(p.count - icvSize)...])
        if let aead = parts.aead {
            let iv = loadBigEndianUInt64(UnsafeRawBufferPointer(rebasing: b[8..<16]))
            let ok = extendedSequenceNumbers
                ? esnAAD(spi: spi, sequence: sequence) { aead.open(iv: iv, aad: $0, buffer: body, tag: icv) }
                : aead.open(iv: iv, aad: UnsafeRawBufferPointer(rebasing: b[0..<8]), buffer: body, tag: icv)
            guard ok else { return drop(.authFailure) }
        } else if let cipher = parts.cipher, let integrity = parts.integrity {
            let covered = UnsafeRawBufferPointer(rebasing: b[..<(p.count - icvSize)])
            let ok = extendedSequenceNumbers
                ? withICVInput(packet: covered, high: UInt32(truncatingIfNeeded: sequence >> 32)) { integrity.verify(data: $0, icv: icv) }
                : integrity.verify(data: covered, icv: icv)
            guard ok else { return drop(.authFailure) }
            let iv = UnsafeRawBufferPointer(rebasing: b[8..<(8 + ivSize)])
            guard (try? cipher.decrypt(iv: iv, buffer: body)) != nil else { return drop(.malformed) }
        }
        _ = replay.markSeen(sequence)   // §3.4.3: only after the ICV verified
        let nextHeader = body[bodyLength - 1], padLength = Int(body[bodyLength - 2])
        guard padLength + 2 <= bodyLength else { return drop(.malformed) }
        p.dropFront(8 + ivSize)
        p.dropBack(icvSize + padLength + 2)
        if nextHeader == 59 { return drop(.dummy) }
        guard nextHeader == 4 || nextHeader == 41, trimTFCPadding(p) else { return drop(.malformed) }
        guard selectorsAdmit(p) else { return drop(.tsMismatch) }
        counters.bytes &+= UInt64(p.count)
        counters.packets &+= 1
        return nil
    }

    /// Moves the replay window (tests of the 2^32 boundary only).
    func advanceReplayForTesting(to sequence: UInt64) { _ = replay.markSeen(sequence) }

    /// Inner source in the remote selectors and destination in the local ones.
    private func selectorsAdmit(_ p: PacketBuffer) -> Bool {
        packetMatches(p, sources: remoteSelectors, destinations: localSelectors)
    }

    private func drop(_ reason: ESPDrop) -> ESPDrop {
        counters.drops[reason, default: 0] += 1
        return reason
    }
}
