import IKECore
import LinuxNet

/// When the NAT in front of the peer gives it a new address or port (RFC 7296 §2.23, RFC 3948).
/// ESP in UDP is accepted by SPI from any source, so the peer's packets keep arriving; ours must
/// follow it. The datapath reports authenticated ESP from elsewhere (`takeMoves`), the engine
/// checks the new address with an IKE liveness check and moves the IKE SA only on its
/// authenticated answer, and `follow` then sends the tunnel's ESP to where the IKE SA went.
extension Datapath {
    /// An opened (so authentic) packet on `entry` came from an address that is not the peer's.
    func sawMove(_ entry: InboundEntry, slot: Int) {
        guard let source = receiveBatch.source(slot) else { return }
        entry.moveReported = true
        moves.append((entry.sa.spi, source))
    }

    /// The inbound SPIs that carried ESP from a new source since the last call, with that source.
    func takeMoves() -> [(spi: UInt32, source: Endpoint)] {
        guard !moves.isEmpty else { return [] }
        let taken = moves
        moves.removeAll(keepingCapacity: true)
        for m in taken { inbound[m.spi]?.moveReported = false }
        return taken
    }

    /// The tunnel's IKE SA now talks to `remote`: its UDP-encapsulated SAs send there and expect
    /// the peer's packets from there.
    func follow(_ tunnel: String, remote: Endpoint) {
        guard let path = paths[tunnel] else { return }
        let destination = Outbound.destination(remote, udpEncapsulation: true)
        var moved = 0
        for o in path.outbound where o.info.udpEncapsulation {
            o.destination = destination
            moved += 1
        }
        for e in inbound.values where e.path === path && e.peer != nil { e.peer = destination }
        if moved > 0 { log("[\(tunnel)] ESP now goes to \(remote) (\(moved) outbound SA\(moved == 1 ? "" : "s"))") }
    }
}
