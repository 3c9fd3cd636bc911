import ESPCore
import IKECore
import IKECrypto

/// The tunnel MTU (issue 6): derived from the Child SA unless `mtu` is set, and the slow path
/// for packets larger than the SA's path carries (fragment before encryption, or answer with an
/// ICMP "too big"), in the preallocated `slowBuffer`.
extension Datapath {
    /// Sets the TUN's MTU to what the newest Child SA carries, logging only a change.
    func setMTU(_ path: TunnelPath, _ mtu: Int, because info: ChildSAInfo) {
        guard mtu != path.mtu else { return }
        do {
            try path.tun.setMTU(mtu)
        } catch {
            return log("[\(info.id.tunnel)] cannot set \(path.settings.interface) mtu \(mtu): \(error)")
        }
        let suite = info.suite.encryption.name + (info.suite.integrity.map { "-" + $0.name } ?? "")
        let encapsulation = info.udpEncapsulation ? "UDP-encapsulated" : "raw"
        let outside = info.local.address.count == 16 ? "IPv6" : "IPv4"
        log("[\(info.id.tunnel)] interface \(path.settings.interface) mtu \(path.mtu) -> \(mtu) (\(suite), \(encapsulation) ESP over \(outside))")
        path.mtu = mtu
        path.mss = path.settings.mssClamp.mss(mtu: mtu).map { UInt16(clamping: $0) }
    }

    /// The packet in `packet` is larger than `out.limit`: IPv4 without DF is fragmented and each
    /// fragment sealed as its own ESP packet; IPv4 with DF and IPv6 get an ICMP answer written
    /// back into the TUN (clouds.md: AWS does no PMTUD). Everything is counted.
    ///
    /// The answer comes from the packet's own destination, not from one of our addresses: Linux
    /// drops a packet arriving on the TUN with a local source address as a martian
    /// (fib_validate_source; seen in iked-pair.sh as in_martian_src counting up and EC2's ping
    /// never seeing the answer), and the destination is routed into this TUN, so even strict
    /// rp_filter accepts it.
    func sendOversize(_ path: TunnelPath, _ out: Outbound, _ buffer: PacketBuffer) {
        let length = buffer.count
        do throws(OversizeError) {
            switch oversizeAction(buffer) {
            case .fragment?:
                var fragments = try IPv4Fragmenter(buffer, limit: out.limit)
                var sent: UInt64 = 0
                while try fragments.next(into: slowBuffer) {
                    if let reason = out.sa.seal(slowBuffer, random: random) {
                        // One lost fragment loses the packet: stop here.
                        drops[reason, default: 0] += 1
                        break
                    }
                    sendBatch.append(UnsafeRawBufferPointer(slowBuffer.bytes))
                    flush(path)
                    sent += 1
                }
                oversize[.fragmented, default: 0] += 1
                oversize[.fragments, default: 0] += sent
                path.bytesOut &+= UInt64(length)
                path.packetsOut &+= 1
                checkLimits(out.info, bytes: out.sa.counters.bytes, packets: out.sa.counters.packets, sequenceNearEnd: out.sa.needsRekey)
            case .fragmentationNeeded?:
                try writeFragmentationNeeded(for: buffer, nextHopMTU: out.limit, source: nil, into: slowBuffer)
                path.tun.write(UnsafeRawBufferPointer(slowBuffer.bytes))
                oversize[.fragmentationNeeded, default: 0] += 1
            case .packetTooBig?:
                try writePacketTooBig(for: buffer, mtu: out.limit, source: nil, into: slowBuffer)
                path.tun.write(UnsafeRawBufferPointer(slowBuffer.bytes))
                oversize[.packetTooBig, default: 0] += 1
            case nil:
                throw .badHeader
            }
        } catch {
            oversize[.dropped, default: 0] += 1
        }
    }
}
