import CLinux
#if canImport(Glibc)
import Glibc
#endif
import IKECore

/// A destination socket address built once (per Child SA), so sending a packet builds nothing.
public struct SocketDestination {
    var storage = sockaddr_storage()
    var length: socklen_t = 0

    public init(_ endpoint: Endpoint) {
        length = SocketAddress.with(endpoint) { addr, len in
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: addr, count: Int(len))) }
            return len
        }
    }
}

/// Receive slots for `recvmmsg`, allocated once: each points at a caller-owned buffer (the
/// datapath's packet buffers), and after `UDPSocket.receive(_:)` holds a datagram's length, its
/// GRO segment size and its source. Nothing here allocates per datagram.
public final class ReceiveBatch {
    public let capacity: Int
    let slots: UnsafeMutablePointer<clinux_datagram>

    public init(capacity: Int) {
        precondition((1...Int(CLINUX_BATCH_MAX)).contains(capacity))
        self.capacity = capacity
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: clinux_datagram(), count: capacity)
    }

    deinit { slots.deallocate() }

    /// Where slot `i` receives into (a buffer that outlives this batch's use of it).
    public func setBuffer(_ i: Int, _ buffer: UnsafeMutableRawBufferPointer) {
        slots[i].buffer = buffer.baseAddress
        slots[i].capacity = buffer.count
    }

    public func length(_ i: Int) -> Int { Int(slots[i].length) }
    /// The GRO segment size of slot `i`: 0 when it holds one datagram, else every `segment`
    /// bytes of it are one datagram (the last may be shorter).
    public func segment(_ i: Int) -> Int { Int(slots[i].segment) }
    /// Where slot `i`'s datagram came from (allocates: for IKE, not for ESP).
    public func source(_ i: Int) -> Endpoint? { SocketAddress.endpoint(slots[i].from) }

    /// Whether slot `i`'s datagram came from `peer` (family, address and port), without making
    /// an `Endpoint`: the datapath asks it of every ESP-in-UDP packet (NAT mapping changes).
    public func source(_ i: Int, is peer: SocketDestination) -> Bool {
        withUnsafeBytes(of: &slots[i].from) { from in
            withUnsafeBytes(of: peer.storage) { want in
                let family = from.load(as: sa_family_t.self)
                guard family == want.load(as: sa_family_t.self) else { return false }
                // sockaddr_in: port at 2, address at 4 (4 bytes); sockaddr_in6: port at 2, address at 8 (16).
                let port = 2..<4
                let address = Int32(family) == AF_INET6 ? 8..<24 : 4..<8
                return from[port].elementsEqual(want[port]) && from[address].elementsEqual(want[address])
            }
        }
    }
}

/// A list of packets to send with one system call, held as iovecs into caller-owned buffers.
public final class SendBatch {
    public let capacity: Int
    let packets: UnsafeMutablePointer<iovec>
    public private(set) var count = 0

    public init(capacity: Int = Int(CLINUX_BATCH_MAX)) {
        precondition((1...Int(CLINUX_BATCH_MAX)).contains(capacity))
        self.capacity = capacity
        packets = .allocate(capacity: capacity)
        packets.initialize(repeating: iovec(), count: capacity)
    }

    deinit { packets.deallocate() }

    public var isFull: Bool { count == capacity }
    public var isEmpty: Bool { count == 0 }

    /// Adds a packet; the bytes must stay put until `send`. False when the batch is full.
    @discardableResult
    public func append(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard count < capacity else { return false }
        packets[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: packet.baseAddress), iov_len: packet.count)
        count += 1
        return true
    }

    public func length(_ i: Int) -> Int { packets[i].iov_len }

    /// Sends packets `range` to `destination` on `fd`, as one UDP GSO train of `segment`-byte
    /// datagrams when `segment` > 0, else one datagram each; how many went, or -1 (errno set).
    public func send(_ range: Range<Int>, fd: Int32, to destination: SocketDestination, segment: Int) -> Int {
        guard !range.isEmpty else { return 0 }
        return withUnsafePointer(to: destination.storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Int(clinux_send_batch(fd, $0, destination.length, packets + range.lowerBound, Int32(range.count), Int32(segment)))
            }
        }
    }

    public func removeAll() { count = 0 }
}

extension UDPSocket {
    /// Receives up to `batch.capacity` datagrams without blocking; how many (0 when none).
    public func receive(_ batch: ReceiveBatch) -> Int {
        max(0, Int(clinux_recv_batch(fd, batch.slots, Int32(batch.capacity))))
    }
}
