import CryptoOpenSSL
import ESPCore
import IKECore
import IKECrypto
import IKEWire
import LinuxNet

/// The ESP datapath of the daemon: a TUN per tunnel, Child SAs installed from the engine's
/// events, packets sealed from the TUN to the peer and opened from the peer to the TUN, in
/// buffers allocated once. Single-threaded, inside the daemon's event loop. Packets move in
/// batches (Datapath+Outbound, Datapath+Inbound): TCP super-packets from the TUN are split once,
/// sealed packets leave as UDP GSO trains, coalesced datagrams are split on receive and TCP
/// segments merged again before the TUN write, each as far as `DatapathOffloads` allows.
final class Datapath {
    /// How sealed packets of one Child SA leave: its socket and the peer's address, built once.
    enum Sender {
        case udp(UDPSocket)
        case raw(RawESPSocket)
    }

    /// An outbound SA with the largest inner packet its path carries (ESPPathMTU, computed once)
    /// and where its packets go.
    final class Outbound {
        let id: ChildSAID
        let sa: ESPOutboundSA
        let info: ChildSAInfo
        var confirmed: Bool
        let limit: Int
        let sender: Sender?
        /// Where its packets go: the peer's address, moved when the peer's NAT mapping changes.
        var destination: SocketDestination

        init(id: ChildSAID, sa: ESPOutboundSA, info: ChildSAInfo, confirmed: Bool, limit: Int, sender: Sender?) {
            self.id = id
            self.sa = sa
            self.info = info
            self.confirmed = confirmed
            self.limit = limit
            self.sender = sender
            destination = Self.destination(info.remote, udpEncapsulation: info.udpEncapsulation)
        }

        /// ESP in UDP goes to the peer's NAT-T port (its IKE port when that is 500); raw ESP has none.
        static func destination(_ remote: Endpoint, udpEncapsulation: Bool) -> SocketDestination {
            SocketDestination(udpEncapsulation
                ? remote.withPort(remote.port == Endpoint.ikePort ? Endpoint.natTraversalPort : remote.port)
                : remote.withPort(0))
        }
    }

    /// One tunnel's interface and outbound state.
    final class TunnelPath {
        let settings: TunnelSettings
        let tun: TunDevice
        /// The TUN's MTU now, and the MSS clamp that follows from it.
        var mtu: Int
        var mss: UInt16?
        /// Outbound SAs, newest last; packets use the newest confirmed one (`current`).
        var outbound: [Outbound] = [] { didSet { current = outbound.last(where: \.confirmed) } }
        private(set) var current: Outbound?
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

        /// Marks an outbound SA confirmed (the peer showed it has it).
        func confirm(_ id: ChildSAID) {
            guard let o = outbound.first(where: { $0.id == id }), !o.confirmed else { return }
            o.confirmed = true
            current = outbound.last(where: \.confirmed)
        }
    }

    let provider = OpenSSLProvider()
    /// CBC IVs: an AES-CTR keystream seeded once, so sealing never enters the DRBG (zero allocations).
    let random = KeystreamRandom()
    /// Which batching and offload techniques are on.
    let offloads: DatapathOffloads
    /// Receive buffers for the UDP and raw sockets (one datagram, or a GRO train, each).
    let receiveBuffers: [PacketBuffer]
    let receiveBatch: ReceiveBatch
    /// A TUN read (with its virtio header, up to a 64 KiB super-packet).
    let tunBuffer = PacketBuffer()
    /// Outbound packets of one wake-up, each sealed in place in its own slot, and their iovecs.
    let slots: [PacketBuffer]
    let sendBatch = SendBatch()
    /// Merges received TCP segments into super-packets for offload TUNs.
    let coalescer = TCPCoalescer()
    /// The path the coalescer's pending super-packet belongs to.
    var coalescing: TunnelPath?
    /// The oversize slow path's output (fragments, ICMP answers), allocated once.
    let slowBuffer = PacketBuffer()
    /// How oversize packets went (fragmented, too-big answers, dropped).
    var oversize: [OversizeCounter: UInt64] = [:]
    var paths: [String: TunnelPath] = [:]
    /// The path of each TUN descriptor.
    var pathsByFD: [Int32: TunnelPath] = [:]
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
        /// ESP in UDP: where the peer's packets are expected from (its IKE SA's address), so
        /// that one from elsewhere is reported (`takeMoves`); nil for raw ESP.
        var peer: SocketDestination?
        /// A packet from elsewhere was reported since the last `takeMoves`.
        var moveReported = false

        init(sa: ESPInboundSA, path: TunnelPath, id: ChildSAID, peer: SocketDestination?) {
            self.sa = sa
            self.path = path
            self.id = id
            self.peer = peer
        }
    }

    var inbound: [UInt32: InboundEntry] = [:]
    /// The inbound SPIs whose `sawTraffic` went up since the last `takeActivity`.
    private var active: [UInt32] = []
    /// Authenticated ESP in UDP from an address other than the peer's, once per SA per loop
    /// turn (Datapath+NATMapping).
    var moves: [(spi: UInt32, source: Endpoint)] = []
    /// Finds the socket a Child SA's packets leave through (set by the daemon).
    var sender: (ChildSAInfo) -> Sender? = { _ in nil }
    var log: (String) -> Void = { _ in }
    /// Packets dropped by reason, over all SAs (unknown SPIs included).
    var drops: [ESPDrop: UInt64] = [:]
    /// Sealed packets the kernel refused to send (a full socket buffer, no route).
    var sendFailures: UInt64 = 0
    /// `drops` by reason name, with the send failures as `sendFailed` (status `esp_drops`).
    var dropsByName: [String: UInt64] {
        var d = Dictionary(uniqueKeysWithValues: drops.map { ($0.key.rawValue, $0.value) })
        if sendFailures > 0 { d["sendFailed"] = sendFailures }
        return d
    }
    /// Called once when a Child SA passes its soft (rekey) or hard (delete) volume limit, or its
    /// sequence numbers near their end: (inbound SPI, hard).
    var expired: (UInt32, Bool) -> Void = { _, _ in }
    private var reportedSoft: Set<UInt32> = []
    private var reportedHard: Set<UInt32> = []

    /// The largest inner packet a slot holds (the largest `mtu` a tunnel may set, 9000).
    static let slotPacket = 9_000

    init(offloads: DatapathOffloads = DatapathOffloads()) {
        self.offloads = offloads
        let receiveCount = offloads.batching ? 16 : 1
        receiveBuffers = (0..<receiveCount).map { _ in PacketBuffer() }
        receiveBatch = ReceiveBatch(capacity: receiveCount)
        for (i, b) in receiveBuffers.enumerated() { receiveBatch.setBuffer(i, b.receiveArea()) }
        // A super-packet's segments need a slot each, even when they leave one by one.
        let slotCount = offloads.batching || offloads.tunOffload ? sendBatch.capacity : 1
        slots = (0..<slotCount).map { _ in PacketBuffer(capacity: Self.slotPacket + 2 * PacketBuffer.defaultHeadroom + 128) }
    }

    /// Creates the tunnel's TUN with its address and routes.
    func open(_ t: TunnelSettings) throws {
        guard paths[t.name] == nil else { return }
        // Without an explicit mtu the TUN starts small and follows the Child SA (install).
        let mtu = t.mtu ?? ESPPathMTU.safeStart
        let tun = try TunDevice(name: t.interface, mtu: mtu, offload: offloads.tunOffload)
        // IPv6 inside the tunnel: the kernel drops IPv6 written to, and refuses IPv6 addresses
        // and routes on, an interface with disable_ipv6 set.
        if t.carriesIPv6 { try tun.enableIPv6() }
        for inside in t.insideAddresses { try tun.addAddress(inside.address, prefix: inside.prefix) }
        // A connection's tunnels route at a standby metric; the preferred route comes with a Child SA.
        let metric = t.connection.map(Self.standbyMetric) ?? 0
        for r in t.routes {
            for prefix in r.coveringPrefixes { try tun.route(prefix.address, length: prefix.length, metric: metric) }
        }
        let path = TunnelPath(settings: t, tun: tun, mtu: mtu)
        paths[t.name] = path
        pathsByFD[tun.fd] = path
        log("[\(t.name)] interface \(t.interface) up, mtu \(mtu)\(t.mtu == nil ? " until a Child SA sets it" : ""), routes \(t.routes.notation)")
    }

    /// Removes the tunnel's interface (the kernel drops its routes with it).
    func close(_ name: String) {
        guard let path = paths.removeValue(forKey: name) else { return }
        pathsByFD[path.tun.fd] = nil
        // A super-packet still pending for this interface goes out before it closes.
        if coalescing === path { flushReceived() }
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
            let peer = info.udpEncapsulation ? Outbound.destination(info.remote, udpEncapsulation: true) : nil
            inbound[info.id.inbound] = InboundEntry(sa: inSA, path: path, id: info.id, peer: peer)
            // A first SA is used at once, and so is one we initiated (the peer answered, so it has
            // it); otherwise once the peer shows it has it (first inbound packet on it) or the old
            // pair is deleted (make-before-break, issue 6).
            path.outbound.append(Outbound(id: info.id, sa: outSA, info: info, confirmed: old == nil || info.weInitiated || path.outbound.isEmpty,
                                          limit: limit, sender: sender(info)))
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
        if let last = path.outbound.last { path.confirm(last.id) }
        if let c = path.settings.connection { refreshFailover(c) }
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

    /// Records traffic on an inbound SA (per packet: one flag test).
    func sawTraffic(_ entry: InboundEntry) {
        guard !entry.sawTraffic else { return }
        entry.sawTraffic = true
        active.append(entry.sa.spi)
    }

    /// The inbound SPIs that carried traffic since the last call (once per loop turn, not per
    /// packet, the engine learns the peer is alive: DPD). Proportional to the active SAs.
    func takeActivity() -> [UInt32] {
        guard !active.isEmpty else { return [] }
        let spis = active
        active.removeAll(keepingCapacity: true)
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
