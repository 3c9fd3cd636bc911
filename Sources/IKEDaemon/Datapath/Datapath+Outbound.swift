#if canImport(Glibc)
import Glibc
#endif
import ESPCore
import IKECore
import LinuxNet

/// TUN → peer: read a wake-up's packets (super-packets split once into slots), seal each in
/// place in its slot, then send them with as few system calls as the socket allows.
extension Datapath {
    /// Packets from the tunnel's TUN: seal each with the current outbound SA and send it.
    func readTUN(_ fd: Int32) {
        guard let path = pathsByFD[fd] else { return }
        var used = 0
        // A bounded amount of work per wake-up keeps other descriptors (and pings) served.
        for _ in 0..<64 {
            // Room for a whole super-packet's segments, or send what is sealed first.
            if slots.count - used < (path.tun.offload ? Self.maxSegments : 1) {
                flush(path)
                used = 0
            }
            guard let n = readPacket(path, into: used) else { break }
            guard let out = path.current else { continue }
            for i in used..<(used + n) where sealSlot(slots[i], path, out) { sendBatch.append(UnsafeRawBufferPointer(slots[i].bytes)) }
            used += n
        }
        flush(path)
    }

    /// The most segments one super-packet may need (64 KiB at a 512-byte MSS).
    static let maxSegments = 128

    /// Reads one packet from the TUN into slot `first` (a super-packet: into slots from
    /// `first` on); how many slots it filled (0: dropped), or nil when nothing is waiting.
    private func readPacket(_ path: TunnelPath, into first: Int) -> Int? {
        guard path.tun.offload else {
            let slot = slots[first]
            guard let n = path.tun.read(into: slot.receiveArea()) else { return nil }
            slot.setLength(n)
            guard admits(slot, path) else { return 0 }
            return 1
        }
        guard let n = path.tun.read(into: tunBuffer.receiveArea()), n > VirtioNetHeader.size else { return nil }
        tunBuffer.setLength(n)
        let header = VirtioNetHeader(reading: UnsafeRawPointer(tunBuffer.bytes.baseAddress!))
        tunBuffer.setWindow(offset: VirtioNetHeader.size, length: n - VirtioNetHeader.size)
        // The segments share the super-packet's addresses: one selector check covers them all.
        guard admits(tunBuffer, path) else { return 0 }
        guard let count = SegmentationOffload.split(UnsafeRawBufferPointer(tunBuffer.bytes), header: header,
                                                    into: slots) else {
            drops[.malformed, default: 0] += 1
            return 0
        }
        return count
    }

    /// RFC 4301 §5.1: only what the Child SA's selectors cover is sent through it.
    private func admits(_ packet: PacketBuffer, _ path: TunnelPath) -> Bool {
        guard path.current != nil else { return false }
        guard packetMatches(packet, sources: path.localRanges, destinations: path.remoteRanges) else {
            drops[isLinkScopedIPv6(packet) ? .linkLocal : .tsMismatch, default: 0] += 1
            return false
        }
        return true
    }

    /// Clamps, seals and counts one packet in its slot; false when it is not to be batched
    /// (dropped, or sent by the oversize slow path).
    private func sealSlot(_ slot: PacketBuffer, _ path: TunnelPath, _ out: Outbound) -> Bool {
        let n = slot.count
        if let mss = path.mss { clampMSS(slot, to: mss) }
        // Larger than one outer packet carries (only with an explicit mtu): the slow path, after
        // what is already sealed so the order holds.
        if n > out.limit {
            flush(path)
            sendOversize(path, out, slot)
            return false
        }
        if let reason = out.sa.seal(slot, random: random) {
            drops[reason, default: 0] += 1
            return false
        }
        path.bytesOut &+= UInt64(n)
        path.packetsOut &+= 1
        checkLimits(out.info, bytes: out.sa.counters.bytes, packets: out.sa.counters.packets, sequenceNearEnd: out.sa.needsRekey)
        return true
    }

    /// Sends the batch through the path's current SA, as GSO trains where the socket takes them.
    func flush(_ path: TunnelPath) {
        defer { sendBatch.removeAll() }
        guard !sendBatch.isEmpty, let out = path.current else { return }
        switch out.sender {
        case .udp(let socket)?:
            var i = 0
            while i < sendBatch.count {
                let end = offloads.udpGSO && socket.canSegment ? trainEnd(from: i, ipv6: out.info.local.address.count == 16) : i + 1
                let segment = end - i > 1 ? sendBatch.length(i) : 0
                if sendBatch.send(i..<end, fd: socket.fd, to: out.destination, segment: segment) < 0 {
                    if segment > 0, errno == EIO {
                        // A device without checksum offload refuses GSO: plain datagrams from now on.
                        socket.disableSegmentation()
                        log("UDP GSO refused on \(socket.local); sending one datagram per packet")
                        continue
                    }
                    sendFailures &+= UInt64(end - i)
                }
                i = end
            }
        case .raw(let socket)?:
            for start in stride(from: 0, to: sendBatch.count, by: 64) {
                let end = min(sendBatch.count, start + 64)
                let sent = sendBatch.send(start..<end, fd: socket.fd, to: out.destination, segment: 0)
                sendFailures &+= UInt64(end - start - max(0, sent))
            }
        case nil:
            sendFailures &+= UInt64(sendBatch.count)
        }
    }

    /// The end of the GSO train starting at `start`: packets of the first one's length, the
    /// last one possibly shorter, at most 64 and 64 KiB of UDP payload in all.
    private func trainEnd(from start: Int, ipv6: Bool) -> Int {
        let size = sendBatch.length(start)
        let budget = 65_535 - 8 - (ipv6 ? 0 : 20)
        var total = size, end = start + 1
        while end < sendBatch.count, end - start < 64 {
            let next = sendBatch.length(end)
            guard next <= size, total + next <= budget else { break }
            total += next
            end += 1
            if next < size { break }
        }
        return end
    }
}
