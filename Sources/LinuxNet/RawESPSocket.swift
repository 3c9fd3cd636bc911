import CLinux
#if canImport(Glibc)
import Glibc
#endif
import IKECore

/// A raw IP socket for protocol 50 (ESP without UDP encapsulation, RFC 4303), bound to one local
/// IPv4 or IPv6 address. The kernel adds the IP header on send. On receive an AF_INET socket
/// hands over the IPv4 header too, which `receive` skips; an AF_INET6 socket hands over only
/// what follows the IPv6 header (raw(7), ipv6(7)), so the ESP bytes start at 0. Owns its descriptor.
public final class RawESPSocket {
    public let fd: Int32
    public let local: Endpoint

    public init(bind local: Endpoint) throws(NetError) {
        guard local.address.count == 4 || local.address.count == 16 else {
            throw NetError("socket", "raw ESP on a \(local.address.count)-byte address", code: EAFNOSUPPORT)
        }
        fd = try boundSocket(type: SOCK_RAW, protocol: 50, local: local.withPort(0))   // IP protocol 50: ESP
        self.local = local
    }

    deinit { close(fd) }

    /// Where ESP starts in what a raw socket of this family read: after the IPv4 header (IHL),
    /// at 0 for IPv6; nil when nothing of ESP's 8-byte header fits after that.
    public static func espStart(_ datagram: UnsafeRawBufferPointer, ipv6: Bool) -> Int? {
        if ipv6 { return datagram.count >= 8 ? 0 : nil }
        guard datagram.count >= 20, datagram[0] >> 4 == 4 else { return nil }
        let headerLength = Int(datagram[0] & 0x0F) * 4
        guard headerLength >= 20, datagram.count >= headerLength + 8 else { return nil }
        return headerLength
    }

    /// Receives up to `batch.capacity` datagrams without blocking (IP header included for
    /// IPv4: see `espStart`); how many (0 when none).
    public func receive(_ batch: ReceiveBatch) -> Int {
        max(0, Int(clinux_recv_batch(fd, batch.slots, Int32(batch.capacity))))
    }

    public var ipv6: Bool { local.address.count == 16 }
}
