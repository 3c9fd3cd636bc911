#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// One TUN interface (IFF_TUN | IFF_NO_PI): whole IP packets in and out. Owns its descriptor;
/// the kernel removes the interface, its addresses and its routes when the descriptor closes.
public final class TunDevice {
    public let fd: Int32
    public let name: String

    public init(name: String, mtu: Int) throws(NetError) {
        let fd = clinux_tun_open(name)
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

    /// Gives the interface its own address, e.g. 169.254.21.2/30 (IPv4 only for now).
    public func addAddress(_ address: [UInt8], prefix: Int) throws(NetError) {
        guard address.count == 4 else { throw NetError("address", "IPv6 inside addresses are not supported yet", code: EAFNOSUPPORT) }
        let be = address.withUnsafeBytes { $0.load(as: UInt32.self) }
        guard clinux_addr4_add(name, be, Int32(prefix)) == 0 else { throw NetError("add address", "\(address) on \(name)") }
    }

    /// Routes a prefix into the interface (`add` false removes it).
    public func route(_ prefix: [UInt8], length: Int, add: Bool = true) throws(NetError) {
        let rc: Int32
        if prefix.count == 4 {
            rc = clinux_route4(add ? 1 : 0, prefix.withUnsafeBytes { $0.load(as: UInt32.self) }, Int32(length), name)
        } else {
            rc = prefix.withUnsafeBufferPointer { clinux_route6(add ? 1 : 0, $0.baseAddress, Int32(length), name) }
        }
        guard rc == 0 else { throw NetError(add ? "add route" : "delete route", "\(prefix)/\(length) dev \(name)") }
    }

    /// Reads one packet into `buffer`; its length, or nil when none is waiting.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
        return n > 0 ? n : nil
    }

    /// Writes one packet.
    @discardableResult
    public func write(_ packet: UnsafeRawBufferPointer) -> Bool {
        Glibc.write(fd, packet.baseAddress, packet.count) == packet.count
    }
}
