import CryptoOpenSSL
import ESPCore
import IKECore
import IKECrypto
import IKEWire
import LinuxNet

/// The ESP datapath of the daemon (issue 6, first step): a TUN per tunnel, Child SAs installed
/// from the engine's events, packets sealed from the TUN to the peer and opened from the peer
/// to the TUN, in one preallocated buffer. Single-threaded, inside the daemon's poll loop.
final class Datapath {
    /// An outbound SA with the largest inner packet its path carries (ESPPathMTU, computed once).
    typealias Outbound = (id: ChildSAID, sa: ESPOutboundSA, info: ChildSAInfo, confirmed: Bool, limit: Int)

    /// One tunnel's interface and outbound state.
    final class TunnelPath {
        let settings: TunnelSettings
        let tun: TunDevice
        /// The TUN's MTU now, and the MSS clamp that follows from it.
        var mtu: Int
        var mss: UInt16?
        /// Outbound SAs, newest last; packets use the newest confirmed one.
        var outbound: [Outbound] = []
        /// The selectors outbound packets must match (those of the newest Child SA).
        var localRanges: [AddressRange] = []
        /// Totals over every SA the tunnel ever had (for metrics: counters never go back).
        var bytesIn: UInt64 = 0, packetsIn: UInt64 = 0, bytesOut: UInt64 = 0, packetsOut: UInt64 = 0
        var remoteRanges: [AddressRange] = []

        init(settings: TunnelSettings, tun: TunDevice, mtu: Int) {
            self.settings = settings
            self.tun = tun
            self.mtu = mtu
            mss = settings.mssClamp.mss(mtu: mtu).map { UInt16(clamping: $0) }
        }
    }

    let provider = OpenSSLProvider()
    /// CBC IVs: an AES-CTR keystream seeded once, so sealing never enters the DRBG (zero allocations).
    let random = KeystreamRandom()
    let buffer = PacketBuffer()
    /// The oversize slow path's output (fragments, ICMP answers), allocated once.
    let slowBuffer = PacketBuffer()
    /// How oversize packets went (fragmented, too-big answers, dropped).
    var oversize: [OversizeCounter: UInt64] = [:]
    var paths: [String: TunnelPath] = [:]
    /// Per connection, the tunnels its preferred routes go through now (Datapath+Failover).
    var preferred: [String: [String]] = [:]
    /// One inbound SA with what a packet on it needs, found by SPI with one lookup.
    final class InboundEntry {
        let sa: ESPInboundSA
        let path: TunnelPath
        /// The Child SA pair it belongs to (its outbound half may still wait for confirmation).
        let id: ChildSAID
        /// Set per packet, collected once per loop turn by `takeActivity` (DPD liveness).
        var sawTraffic = false

        init(sa: ESPInboundSA, path: TunnelPath, id: ChildSAID) {
            self.sa = sa
            self.path = path
            self.id = id
        }
    }

    var inbound: [UInt32: InboundEntry] = [:]
    /// The inbound SPIs whose `sawTraffic` went true since the last `takeActivity`.
    private var active: [UInt32] = []
    /// Sends an ESP packet: (tunnel, packet bytes, local, remote, UDP-encapsulated).
    var transmit: (UnsafeRawBufferPointer, Endpoint, Endpoint, Bool) -> Void = { _, _, _, _ in }
    var log: (String) -> Void = { _ in }
    /// Packets dropped by reason, over all SAs (unknown SPIs included).
    var drops: [ESPDrop: UInt64] = [:]
    /// Called once when a Child SA passes its soft (rekey) or hard (delete) volume limit, or its
    /// sequence numbers near their end: (inbound SPI, hard).
    var expired: (UInt32, Bool) -> Void = { _, _ in }
    private var reportedSoft: Set<UInt32> = []
    private var reportedHard: Set<UInt32> = []

    /// Creates the tunnel's TUN with its address and routes.
    func open(_ t: TunnelSettings) throws {
        guard paths[t.name] == nil else { return }
        // Without an explicit mtu the TUN starts small and follows the Child SA (install).
        let mtu = t.mtu ?? ESPPathMTU.safeStart
        let tun = try TunDevice(name: t.interface, mtu: mtu)
        // IPv6 inside the tunnel: the kernel drops IPv6 written to, and refuses IPv6 addresses
        // and routes on, an interface with disable_ipv6 set.
        if t.carriesIPv6 { try tun.enableIPv6() }
        for inside in t.insideAddresses { try tun.addAddress(inside.address, prefix: inside.prefix) }
        // A connection's tunnels route at a standby metric; the preferred route comes with a Child SA.
        let metric = t.connection.map(Self.standbyMetric) ?? 0
        for r in t.routes {
            for prefix in r.coveringPrefixes { try tun.route(prefix.address, length: prefix.length, metric: metric) }
        }
        paths[t.name] = TunnelPath(settings: t, tun: tun, mtu: mtu)
        log("[\(t.name)] interface \(t.interface) up, mtu \(mtu)\(t.mtu == nil ? " until a Child SA sets it" : ""), routes \(t.routes.notation)")
    }

    /// Removes the tunnel's interface (the kernel drops its routes with it).
    func close(_ name: String) {
        guard let path = paths.removeValue(forKey: name) else { return }
        inbound = inbound.filter { $0.value.id.tunnel != name }
        if let c = path.settings.connection {
            // The kernel took the preferred route with the interface if it went through it.
            preferred[c.name] = nil
            refreshFailover(c)
        }
    }

    var fds: [Int32] { paths.values.map(\.tun.fd) }

    // MARK: SAs

    func install(_ info: ChildSAInfo, replacing old: ChildSAID?) {
        guard let path = paths[info.id.tunnel] else { return }
        do {
            func transform(_ keys: (encryption: SecretBytes, integrity: SecretBytes)) throws -> ESPTransform {
                try ESPTransform.make(provider: provider, encryption: info.suite.encryption, encryptionKey: keys.encryption,
                                      integrity: info.suite.integrity, integrityKey: keys.integrity)
            }
            let inSA = ESPInboundSA(spi: info.id.inbound, transform: try transform(info.inboundKeys), extendedSequenceNumbers: info.esn,
                                    replayWindow: path.settings.replayWindow,
                                    remoteSelectors: info.remoteTS.compactMap(range), localSelectors: info.localTS.compactMap(range))
            let outTransform = try transform(info.outboundKeys)
            let outSA = ESPOutboundSA(spi: info.id.outbound, transform: outTransform, extendedSequenceNumbers: info.esn)
            let limit = outTransform.largestInnerPacket(outerIPv6: info.local.address.count == 16, udpEncapsulated: info.udpEncapsulation)
            inbound[info.id.inbound] = InboundEntry(sa: inSA, path: path, id: info.id)
            // A first SA is used at once, and so is one we initiated (the peer answered, so it has
            // it); otherwise once the peer shows it has it (first inbound packet on it) or the old
            // pair is deleted (make-before-break, issue 6).
            path.outbound.append((info.id, outSA, info, confirmed: old == nil || info.weInitiated || path.outbound.isEmpty, limit: limit))
            path.localRanges = info.localTS.compactMap(range)
            path.remoteRanges = info.remoteTS.compactMap(range)
            if path.settings.mtu == nil { setMTU(path, limit, because: info) }
            if let c = path.settings.connection { refreshFailover(c) }
        } catch {
            log("[\(info.id.tunnel)] cannot install Child SA \(info.id): \(error)")
        }
    }

    func remove(_ id: ChildSAID) {
        inbound[id.inbound] = nil
        reportedSoft.remove(id.inbound)
        reportedHard.remove(id.inbound)
        guard let path = paths[id.tunnel] else { return }
        path.outbound.removeAll { $0.id == id }
        if let last = path.outbound.indices.last { path.outbound[last].confirmed = true }
        if let c = path.settings.connection { refreshFailover(c) }
    }

    // MARK: Packets

    /// Packets from the tunnel's TUN: seal each with the current outbound SA and send it.
    func readTUN(_ fd: Int32) {
        guard let path = paths.values.first(where: { $0.tun.fd == fd }) else { return }
        for _ in 0..<64 {
            guard let n = path.tun.read(into: buffer.receiveArea()) else { return }
            buffer.setLength(n)
            guard let current = path.outbound.last(where: \.confirmed) else { continue }
            // RFC 4301 §5.1: only what the Child SA's selectors cover is sent through it.
            guard packetMatches(buffer, sources: path.localRanges, destinations: path.remoteRanges) else {
                drops[isLinkScopedIPv6(buffer) ? .linkLocal : .tsMismatch, default: 0] += 1
                continue
            }
            if let mss = path.mss { clampMSS(buffer, to: mss) }
            // Larger than one outer packet carries (only with an explicit mtu): the slow path.
            if n > current.limit {
                sendOversize(path, current)
                continue
            }
            if let reason = current.sa.seal(buffer, random: random) {
                drops[reason, default: 0] += 1
                continue
            }
            path.bytesOut &+= UInt64(n)
            path.packetsOut &+= 1
            transmit(UnsafeRawBufferPointer(buffer.bytes), current.info.local, current.info.remote, current.info.udpEncapsulation)
            checkLimits(current.info, bytes: current.sa.counters.bytes, packets: current.sa.counters.packets,
                        sequenceNearEnd: current.sa.needsRekey)
        }
    }

    /// An ESP packet from the peer, already in `buffer` (from the SPI on).
    func receiveESP() {
        let b = buffer.bytes
        guard b.count >= 8 else {
            drops[.malformed, default: 0] += 1
            return
        }
        let spi = UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
        guard let entry = inbound[spi] else {
            drops[.badSPI, default: 0] += 1
            return
        }
        if let reason = entry.sa.open(buffer) {
            drops[reason, default: 0] += 1
            return
        }
        if !entry.sawTraffic {
            entry.sawTraffic = true
            active.append(spi)
        }
        let path = entry.path
        if path.outbound.last?.confirmed == false, let i = path.outbound.firstIndex(where: { $0.id == entry.id }) {
            path.outbound[i].confirmed = true   // the peer sends on the new pair: it has it
        }
        if let mss = path.mss { clampMSS(buffer, to: mss) }
        path.bytesIn &+= UInt64(buffer.count)
        path.packetsIn &+= 1
        path.tun.write(UnsafeRawBufferPointer(buffer.bytes))
    }

    /// Volume lifetimes (RFC 7296 §2.8: soft rekeys, hard deletes), reported once per SA.
    func checkLimits(_ info: ChildSAInfo, bytes: UInt64, packets: UInt64, sequenceNearEnd: Bool) {
        // The limits are compared first: the sets are only consulted once a limit is passed.
        let spi = info.id.inbound
        if (info.hardBytes.map { bytes >= $0 } ?? false) || (info.hardPackets.map { packets >= $0 } ?? false) {
            if reportedHard.insert(spi).inserted { expired(spi, true) }
        } else if sequenceNearEnd || (info.softBytes.map { bytes >= $0 } ?? false) || (info.softPackets.map { packets >= $0 } ?? false) {
            if reportedSoft.insert(spi).inserted { expired(spi, false) }
        }
    }

    /// The inbound SPIs that carried traffic since the last call (once per loop turn, not per
    /// packet, the engine learns the peer is alive: DPD).
    /// Proportional to the SAs that carried traffic, not to all of them.
    func takeActivity() -> [UInt32] {
        guard !active.isEmpty else { return [] }
        let spis = active
        active = []
        for spi in spis { inbound[spi]?.sawTraffic = false }
        return spis
    }

    /// A tunnel's totals since its interface was made.
    func totals(_ tunnel: String) -> (inBytes: UInt64, inPackets: UInt64, outBytes: UInt64, outPackets: UInt64) {
        guard let p = paths[tunnel] else { return (0, 0, 0, 0) }
        return (p.bytesIn, p.packetsIn, p.bytesOut, p.packetsOut)
    }

    func counters(_ id: ChildSAID) -> (inBytes: UInt64, inPackets: UInt64, outBytes: UInt64, outPackets: UInt64) {
        let i = inbound[id.inbound]?.sa.counters ?? ESPCounters()
        let o = paths[id.tunnel]?.outbound.first(where: { $0.id == id })?.sa.counters ?? ESPCounters()
        return (i.bytes, i.packets, o.bytes, o.packets)
    }

    private func range(_ ts: TrafficSelector) -> AddressRange? { AddressRange(start: ts.startAddress, end: ts.endAddress) }
}
