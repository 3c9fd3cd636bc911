import IKECrypto

/// One packet in a buffer allocated once and reused (DESIGN §3): the packet occupies
/// `start..<end`, with headroom before it for the outer IP/UDP/ESP headers and IV, and tailroom
/// after it for padding and the ICV. Invariant: `0 <= start <= end <= capacity`; the memory is
/// owned here and freed in deinit; nothing per packet allocates.
public final class PacketBuffer {
    public let capacity: Int
    let base: UnsafeMutableRawPointer
    /// Unchecked exclusivity: one thread, no access held across a call (see ESPOutboundSA).
    @exclusivity(unchecked) public private(set) var start: Int
    @exclusivity(unchecked) public private(set) var end: Int

    /// Room for the largest IP packet plus what ESP, UDP and an outer IPv6 header add.
    public static let defaultCapacity = 65_535 + 256
    public static let defaultHeadroom = 128

    public init(capacity: Int = PacketBuffer.defaultCapacity, headroom: Int = PacketBuffer.defaultHeadroom) {
        self.capacity = capacity
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: capacity)
        start = headroom
        end = headroom
    }

    deinit { base.deallocate() }

    public var count: Int { end - start }
    public var headroom: Int { start }
    public var tailroom: Int { capacity - end }

    /// The packet bytes.
    public var bytes: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: base + start, count: end - start) }

    /// Places `packet` at the default headroom (tests and slow paths; the datapath reads into `receiveArea`).
    public func load(_ packet: [UInt8], headroom: Int = PacketBuffer.defaultHeadroom) {
        precondition(headroom + packet.count <= capacity)
        start = headroom
        end = headroom + packet.count
        packet.withUnsafeBytes { bytes.copyMemory(from: $0) }
    }

    /// Where a socket or TUN read may write, at `headroom`; then call `setLength`.
    public func receiveArea(headroom: Int = PacketBuffer.defaultHeadroom) -> UnsafeMutableRawBufferPointer {
        start = headroom
        end = headroom
        return UnsafeMutableRawBufferPointer(start: base + headroom, count: capacity - headroom)
    }

    public func setLength(_ n: Int) { end = min(capacity, start + max(0, n)) }

    /// The packet is the `length` bytes at `offset` into the receive area at `headroom` (one
    /// datagram of a batch read there, or one segment of a coalesced train); its bytes.
    @discardableResult
    public func resetWindow(offset: Int, length: Int, headroom: Int = PacketBuffer.defaultHeadroom) -> UnsafeMutableRawBufferPointer {
        start = min(capacity, headroom + max(0, offset))
        end = min(capacity, start + max(0, length))
        return bytes
    }

    /// Grows the packet at the front by `n` bytes (headers); false without room.
    func prepend(_ n: Int) -> Bool {
        guard n <= start else { return false }
        start -= n
        return true
    }

    /// Grows the packet at the back by `n` bytes (padding, ICV); false without room.
    func append(_ n: Int) -> Bool {
        guard n <= capacity - end else { return false }
        end += n
        return true
    }

    func dropFront(_ n: Int) { start = min(end, start + n) }
    func dropBack(_ n: Int) { end = max(start, end - n) }

    /// The bytes as an array (tests, logs of malformed packets never: only tests).
    public var array: [UInt8] { Array(UnsafeRawBufferPointer(bytes)) }
}
