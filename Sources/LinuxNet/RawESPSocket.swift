import CLinux
#if canImport(Glibc)
import Glibc
#endif
import IKECore

/// A raw IP socket for protocol 50 (ESP without UDP encapsulation, RFC 4303), bound to one local
/// IPv4 address. The kernel adds the IP header on send; on receive the IPv4 header is included
/// and is stripped here. Owns its descriptor.
public final class RawESPSocket {
    public let fd: Int32
    public let local: Endpoint

    public init(bind local: Endpoint) throws(NetError) {
        guard local.address.count == 4 else { throw NetError("socket", "raw ESP is IPv4 only for now", code: EAFNOSUPPORT) }
        fd = try boundSocket(type: SOCK_RAW, protocol: 50, local: local.withPort(0))   // IP protocol 50: ESP
        self.local = local
    }

    deinit { close(fd) }

    /// Reads one ESP packet into `buffer`: where the ESP bytes start (after the IPv4 header),
    /// their length and the source, or nil when none is waiting.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) -> (start: Int, length: Int, from: Endpoint)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let n = withUnsafeMutablePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, buffer.baseAddress, buffer.count, 0, $0, &length) }
        }
        guard n >= 20, let from = SocketAddress.endpoint(storage) else { return nil }
        let headerLength = Int(buffer[0] & 0x0F) * 4
        guard headerLength >= 20, n > headerLength else { return nil }
        return (headerLength, n - headerLength, from)
    }

    public func send(_ packet: UnsafeRawBufferPointer, to destination: Endpoint) -> Bool {
        SocketAddress.with(destination.withPort(0)) { addr, len in sendto(fd, packet.baseAddress, packet.count, 0, addr, len) } == packet.count
    }
}

extension UDPSocket {
    /// Sends raw bytes (ESP in UDP, RFC 3948: no marker) without copying into an array.
    public func send(_ packet: UnsafeRawBufferPointer, to destination: Endpoint) -> Bool {
        SocketAddress.with(destination) { addr, len in sendto(fd, packet.baseAddress, packet.count, 0, addr, len) } == packet.count
    }
}
