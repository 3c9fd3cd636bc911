#if canImport(Glibc)
import Glibc
#endif
import ESPCore
import IKECore
import LinuxNet

/// TUN → peer: read a wake-up's packets (super-packets split once into slots), seal each in
/// place in its slot, then send them with as few system calls as the socket allows.
extension Datapath {
    /// Packets from the tunnel's TUN: seal each with the current outbound SA and send them.
    func readTUN(_ fd: Int32) {
        guard let path = pathsByFD[fd] else { return }
        var used = 0
        // A bounded amount of work per wake-up keeps other descriptors (and pings) served.
        for _ in 0..<64 {
            guard let count = path.tun.offload ? readSuperPacket(path, used: &used) : readPacket(path, used: &used) else { break }
            if let out = path.current {
                for i in used..<(used + count) where sealSlot(slots[i], path, out) {
                    sendBatch.append(UnsafeRawBufferPointer(slots[i].bytes))
                }
            }
            used += count
        }
        flush(path)
    }

    /// Reads one packet from a plain TUN into slot `used` (sending the batch first when the slots
    /// are full); 1, 0 when it is dropped, nil when nothing is waiting.
    private func readPacket(_ path: TunnelPath, used: inout Int) -> Int? {
        if used == slots.count {
            flush(path)
            used = 0
        }
        let slot = slots[used]
        guard let n = path.tun.read(into: slot.receiveArea()) else { return nil }
        slot.setLength(n)
        return admits(slot, path) ? 1 : 0
    }

    /// Reads one packet from an offload TUN (virtio header, then a packet or a TCP super-packet)
    /// and splits it into the slots from `used` on (sending the batch first when they would not
    /// hold it); how many slots it filled (0: dropped), or nil when nothing is waiting.
    private func readSuperPacket(_ path: TunnelPath, used: inout Int) -> Int? {
        guard let n = path.tun.read(into: tunBuffer.receiveArea()) else { return nil }
        guard n > VirtioNetHeader.size else { return 0 }
        tunBuffer.setLength(n)
        let header = VirtioNetHeader(reading: UnsafeRawPointer(tunBuffer.bytes.baseAddress!))
        tunBuffer.resetWindow(offset: VirtioNetHeader.size, length: n - VirtioNetHeader.size)
        // The segments share the super-packet's addresses: one selector check covers them all.
        guard admits(tunBuffer, path) else { return 0 }
        let needed = header.gsoSize == 0 ? 1 : tunBuffer.count / Int(header.gsoSize) + 1
        if slots.count - used < needed {
            flush(path)
            used = 0
        }
        guard let count = SegmentationOffload.split(UnsafeRawBufferPointer(tunBuffer.bytes), header: header, into: slots, from: used) else {
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
                let train = offloads.udpGSO && socket.canSegment
                let end = train ? trainEnd(from: i, ipv6: out.info.local.address.count == 16) : offloads.batching ? sendBatch.count : i + 1
                let segment = train && end - i > 1 ? sendBatch.length(i) : 0
                let sent = sendBatch.send(i..<end, fd: socket.fd, to: out.destination, segment: segment)
                if sent < 0, segment > 0, errno == EIO {
                    // A device without checksum offload refuses GSO: plain datagrams from now on.
                    socket.disableSegmentation()
                    log("UDP GSO refused on \(socket.local); sending one datagram per packet")
                    continue
                }
                sendFailures &+= UInt64(end - i - max(0, sent))
                i = end
            }
        case .raw(let socket)?:
            let step = offloads.batching ? sendBatch.count : 1
            for start in stride(from: 0, to: sendBatch.count, by: step) {
                let end = min(sendBatch.count, start + step)
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
