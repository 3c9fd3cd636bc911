import ESPCore
import IKECore
import LinuxNet

/// Peer → TUN: each ESP packet is opened in place where the socket put it; on an offload TUN,
/// consecutive segments of one TCP flow leave as one super-packet (`coalescer`), written when
/// the flow breaks and at the end of every receive batch (`flushReceived`).
extension Datapath {
    /// An ESP packet from the peer, in `packet` (from the SPI on); `slot` is where it lies in
    /// `receiveBatch` when it came in UDP (its source is checked, Datapath+NATMapping).
    func receiveESP(_ packet: PacketBuffer, slot: Int? = nil) {
        let b = packet.bytes
        guard b.count >= 8 else {
            drops[.truncated, default: 0] += 1
            return
        }
        let spi = UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
        guard let entry = inbound[spi] else {
            drops[.badSPI, default: 0] += 1
            return
        }
        if let reason = entry.sa.open(packet) {
            drops[reason, default: 0] += 1
            return
        }
        sawTraffic(entry)
        if let slot, let peer = entry.peer, !entry.moveReported, !receiveBatch.source(slot, is: peer) { sawMove(entry, slot: slot) }
        let path = entry.path
        // The peer sends on the new pair: it has it.
        if path.current?.id != entry.id, path.outbound.last?.confirmed == false { path.confirm(entry.id) }
        if let mss = path.mss { clampMSS(packet, to: mss) }
        path.bytesIn &+= UInt64(packet.count)
        path.packetsIn &+= 1
        deliver(UnsafeRawBufferPointer(packet.bytes), to: path)
    }

    /// Writes an opened packet to the path's TUN, through the coalescer when it merges TCP.
    private func deliver(_ packet: UnsafeRawBufferPointer, to path: TunnelPath) {
        guard offloads.tunGRO, path.tun.offload else {
            path.tun.write(packet)
            return
        }
        if coalescing !== path {
            flushReceived()
            coalescing = path
        }
        if !coalescer.offer(packet, flush: { path.tun.writeWithHeader($0) }) { path.tun.write(packet) }
    }

    /// Writes the pending super-packet, if any (the end of a receive batch: nothing waits longer).
    func flushReceived() {
        guard let path = coalescing else { return }
        coalescer.flushPending { path.tun.writeWithHeader($0) }
        coalescing = nil
    }
}
