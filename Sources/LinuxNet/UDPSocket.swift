import CLinux
#if canImport(Glibc)
import Glibc
#endif
import IKECore

/// A UDP socket bound to one local address and port (IPv4 or IPv6). Owns its descriptor.
/// Invariant: `local` is the address and port datagrams on this socket were sent to, so the
/// IKE core learns its own endpoint without IP_PKTINFO.
public final class UDPSocket {
    public let fd: Int32
    public let local: Endpoint

    public init(bind local: Endpoint) throws(NetError) {
        fd = try boundSocket(type: SOCK_DGRAM, protocol: 0, local: local)
        self.local = local
    }

    deinit { close(fd) }

    /// The kernel takes UDP GSO trains on this socket (UDP_SEGMENT), after `enableOffloads`.
    public private(set) var canSegment = false
    /// Probes UDP_SEGMENT, turns on UDP_GRO when asked and raises the socket buffers to
    /// `bufferBytes` (capped by net.core.[rw]mem_max without CAP_NET_ADMIN).
    public func enableOffloads(receiveCoalesced: Bool, bufferBytes: Int = 4 << 20) {
        let flags = clinux_udp_offload(fd, receiveCoalesced ? 1 : 0, Int32(bufferBytes))
        canSegment = flags & 1 != 0
    }

    /// After a GSO send failed with EIO (a device without checksum offload): plain datagrams from now on.
    public func disableSegmentation() { canSegment = false }

    public func send(_ bytes: [UInt8], to destination: Endpoint) -> Bool {
        let n = SocketAddress.with(destination) { addr, len in
            bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, addr, len) }
        }
        return n == bytes.count
    }
}

/// A non-blocking, close-on-exec socket bound to `local` (IPv6 sockets are IPv6-only, and
/// SO_REUSEADDR is set); the descriptor is closed again if binding fails.
func boundSocket(type: __socket_type, protocol ipProtocol: Int32, local: Endpoint) throws(NetError) -> Int32 {
    let family = local.address.count == 16 ? AF_INET6 : AF_INET
    let fd = socket(family, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), ipProtocol)
    guard fd >= 0 else { throw NetError("socket", "\(local)") }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    if family == AF_INET6 { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size)) }
    guard SocketAddress.with(local, { bind(fd, $0, $1) }) == 0 else {
        let e = NetError("bind", "\(local)")
        close(fd)
        throw e
    }
    return fd
}

/// Conversions between `Endpoint` and sockaddr_in / sockaddr_in6.
enum SocketAddress {
    static func with<R>(_ e: Endpoint, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        if e.address.count == 16 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = e.port.bigEndian
            withUnsafeMutableBytes(of: &sa.sin6_addr) { $0.copyBytes(from: e.address) }
            return withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        }
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = e.port.bigEndian
        withUnsafeMutableBytes(of: &sa.sin_addr) { $0.copyBytes(from: e.address.prefix(4)) }
        return withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    }

    static func endpoint(_ storage: sockaddr_storage) -> Endpoint? {
        var s = storage
        switch Int32(s.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &s) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                Endpoint(address: withUnsafeBytes(of: p.pointee.sin_addr) { Array($0) }, port: UInt16(bigEndian: p.pointee.sin_port))
            } }
        case AF_INET6:
            return withUnsafePointer(to: &s) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                Endpoint(address: withUnsafeBytes(of: p.pointee.sin6_addr) { Array($0) }, port: UInt16(bigEndian: p.pointee.sin6_port))
            } }
        default:
            return nil
        }
    }
}
