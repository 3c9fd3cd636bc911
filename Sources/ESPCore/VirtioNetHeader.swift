/// The 10-byte `struct virtio_net_hdr` that a TUN device opened with IFF_VNET_HDR puts in front of
/// every packet it returns and expects in front of every packet written to it (virtio 1.x §5.1.6,
/// linux/virtio_net.h). Invariant: a plain value; `write(to:)` then `init(reading:)` gives the same
/// value back. The 16-bit fields are in the host's byte order (little-endian on every host iked
/// runs on), as the TUN driver uses them unless TUNSETVNETBE says otherwise.
public struct VirtioNetHeader: Equatable, Sendable {
    public var flags: UInt8
    public var gsoType: UInt8
    /// Length of the IP and transport headers; the kernel's value is a hint only (it can be the
    /// whole first packet on the forward path), so the splitter computes its own.
    public var headerLength: UInt16
    /// The payload bytes per segment (the MSS) of a GSO super-packet.
    public var gsoSize: UInt16
    /// Where the checksum-covered bytes start (the transport header).
    public var checksumStart: UInt16
    /// Where, from `checksumStart`, the checksum field is (16 for TCP, 6 for UDP).
    public var checksumOffset: UInt16

    public static let size = 10

    /// VIRTIO_NET_HDR_F_NEEDS_CSUM: the checksum field holds the pseudo-header sum; the receiver
    /// sums from `checksumStart` to the end and stores the complement (CHECKSUM_PARTIAL).
    public static let needsChecksum: UInt8 = 1
    /// VIRTIO_NET_HDR_F_DATA_VALID: the checksum was already checked.
    public static let dataValid: UInt8 = 2

    public static let gsoNone: UInt8 = 0
    public static let gsoTCPv4: UInt8 = 1
    public static let gsoUDP: UInt8 = 3
    public static let gsoTCPv6: UInt8 = 4
    public static let gsoUDPL4: UInt8 = 5
    /// Ored into `gsoType`: the TCP stream uses ECN (CWR goes on the first segment only).
    public static let gsoECN: UInt8 = 0x80

    public init(flags: UInt8 = 0, gsoType: UInt8 = VirtioNetHeader.gsoNone, headerLength: UInt16 = 0,
                gsoSize: UInt16 = 0, checksumStart: UInt16 = 0, checksumOffset: UInt16 = 0) {
        self.flags = flags
        self.gsoType = gsoType
        self.headerLength = headerLength
        self.gsoSize = gsoSize
        self.checksumStart = checksumStart
        self.checksumOffset = checksumOffset
    }

    /// Reads the header from the `size` bytes at `p` (no alignment needed).
    public init(reading p: UnsafeRawPointer) {
        flags = p.load(fromByteOffset: 0, as: UInt8.self)
        gsoType = p.load(fromByteOffset: 1, as: UInt8.self)
        headerLength = p.loadUnaligned(fromByteOffset: 2, as: UInt16.self)
        gsoSize = p.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
        checksumStart = p.loadUnaligned(fromByteOffset: 6, as: UInt16.self)
        checksumOffset = p.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
    }

    /// Writes the header into the `size` bytes at `p` (no alignment needed).
    public func write(to p: UnsafeMutableRawPointer) {
        p.storeBytes(of: flags, toByteOffset: 0, as: UInt8.self)
        p.storeBytes(of: gsoType, toByteOffset: 1, as: UInt8.self)
        p.storeBytes(of: headerLength, toByteOffset: 2, as: UInt16.self)
        p.storeBytes(of: gsoSize, toByteOffset: 4, as: UInt16.self)
        p.storeBytes(of: checksumStart, toByteOffset: 6, as: UInt16.self)
        p.storeBytes(of: checksumOffset, toByteOffset: 8, as: UInt16.self)
    }
}
