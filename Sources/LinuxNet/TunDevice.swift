#if canImport(Glibc)
import Glibc
#endif
import CLinux
import IKECore

/// One TUN interface (IFF_TUN | IFF_NO_PI): whole IP packets in and out. Owns its descriptor;
/// the kernel removes the interface, its addresses and its routes when the descriptor closes.
/// With `offload`, the interface also has IFF_VNET_HDR and TSO: each packet read or written is
/// preceded by a 10-byte virtio_net_hdr, and reads may be TCP super-packets of up to 64 KiB.
public final class TunDevice {
    public let fd: Int32
    public let name: String
    /// Whether packets carry a virtio_net_hdr (the kernel took the offload flags).
    public let offload: Bool

    /// `offload` asks for IFF_VNET_HDR with TSO; a kernel that refuses gets a plain TUN.
    public init(name: String, mtu: Int, offload: Bool = false) throws(NetError) {
        var fd: Int32 = -1
        if offload { fd = clinux_tun_open_offload(name) }
        self.offload = fd >= 0
        if fd < 0 { fd = clinux_tun_open(name) }
        guard fd >= 0 else { throw NetError("open /dev/net/tun", name) }
        guard clinux_link_up(name, Int32(mtu)) == 0 else {
            let e = NetError("set up", "\(name) mtu \(mtu)")
            close(fd)
            throw e
        }
        self.fd = fd
        self.name = name
    }

    deinit { close(fd) }

    /// Changes the interface's MTU (and keeps it up: the same ioctls as at creation).
    public func setMTU(_ mtu: Int) throws(NetError) {
        guard clinux_link_up(name, Int32(mtu)) == 0 else { throw NetError("set mtu", "\(name) mtu \(mtu)") }
    }

    /// Gives the interface its own address: IPv4 (e.g. 169.254.21.2/30) or IPv6 (e.g.
    /// fd00:1::1/64, added without duplicate address detection so it is usable at once).
    public func addAddress(_ address: [UInt8], prefix: Int) throws(NetError) {
        let rc: Int32
        switch address.count {
        case 4: rc = clinux_addr4_add(name, address.withUnsafeBytes { $0.load(as: UInt32.self) }, Int32(prefix))
        case 16: rc = address.withUnsafeBufferPointer { clinux_addr6_add(name, $0.baseAddress, Int32(prefix)) }
        default: throw NetError("add address", "\(address.count)-byte address on \(name)", code: EINVAL)
        }
        guard rc == 0 else { throw NetError("add address", "\(address)/\(prefix) on \(name)") }
    }

    /// Makes sure the kernel takes IPv6 on this interface (IPv6 routes, addresses and packets
    /// written to the TUN need it): sets net.ipv6.conf.NAME.disable_ipv6 to 0 when it is 1.
    /// Throws when it is 1 and cannot be changed (a read-only /proc/sys, e.g. under systemd's
    /// ProtectKernelTunables); does nothing on a kernel without IPv6.
    public func enableIPv6() throws(NetError) {
        let path = "/proc/sys/net/ipv6/conf/\(name)/disable_ipv6"
        let ro = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard ro >= 0 else { return }   // no IPv6 in this kernel
        var c: UInt8 = 0
        let n = Glibc.read(ro, &c, 1)
        close(ro)
        guard n == 1, c == UInt8(ascii: "1") else { return }
        let fd = Glibc.open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw NetError("enable IPv6", "\(path) is 1 and cannot be written; set net.ipv6.conf.default.disable_ipv6 = 0")
        }
        defer { close(fd) }
        var zero = UInt8(ascii: "0")
        guard Glibc.write(fd, &zero, 1) == 1 else { throw NetError("enable IPv6", path) }
    }

    /// Routes a prefix into the interface at `metric` (`add` false removes it).
    public func route(_ prefix: [UInt8], length: Int, metric: UInt32 = 0, add: Bool = true) throws(NetError) {
        try Routes.set(prefix, length: length, metric: metric, through: [name], add: add)
    }

    /// Reads one packet into `buffer`; its length, or nil when none is waiting.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
        return n > 0 ? n : nil
    }

    /// Writes one packet (behind a zero virtio_net_hdr on an offload TUN: no GSO, checksums complete).
    @discardableResult
    public func write(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard offload else { return Glibc.write(fd, packet.baseAddress, packet.count) == packet.count }
        return withUnsafeTemporaryAllocation(of: iovec.self, capacity: 2) { iov in
            iov[0] = iovec(iov_base: Self.zeroHeader, iov_len: 10)
            iov[1] = iovec(iov_base: UnsafeMutableRawPointer(mutating: packet.baseAddress), iov_len: packet.count)
            return writev(fd, iov.baseAddress, 2) == 10 + packet.count
        }
    }

    /// Writes bytes that already start with the virtio_net_hdr (offload TUN only).
    @discardableResult
    public func writeWithHeader(_ bytes: UnsafeRawBufferPointer) -> Bool {
        Glibc.write(fd, bytes.baseAddress, bytes.count) == bytes.count
    }

    nonisolated(unsafe) private static let zeroHeader: UnsafeMutableRawPointer = {
        let p = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 8)
        p.initializeMemory(as: UInt8.self, repeating: 0, count: 16)
        return p
    }()
}

/// Routes in the main table (rtnetlink), for prefixes that may go through several interfaces.
public enum Routes {
    /// Adds (replacing one of the same prefix and metric) or deletes a route through
    /// `interfaces`: one, or several as an equal-cost multipath route.
    public static func set(_ prefix: [UInt8], length: Int, metric: UInt32, through interfaces: [String],
                           add: Bool = true) throws(NetError) {
        let names = interfaces.map { strdup($0) }
        defer { names.forEach { free($0) } }
        let rc = names.map { UnsafePointer($0) }.withUnsafeBufferPointer { list in
            prefix.withUnsafeBufferPointer {
                clinux_route(add ? 1 : 0, $0.baseAddress, Int32(prefix.count), Int32(length), metric, list.baseAddress, Int32(list.count))
            }
        }
        guard rc == 0 else {
            throw NetError(add ? "add route" : "delete route",
                           "\(Endpoint.text(prefix))/\(length) metric \(metric) via \(interfaces.joined(separator: ","))")
        }
    }
}
