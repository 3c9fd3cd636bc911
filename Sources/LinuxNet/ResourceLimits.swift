#if canImport(Glibc)
import Glibc
#endif

/// Raises the soft limit on open descriptors (RLIMIT_NOFILE) to the hard limit: every tunnel
/// holds a TUN, and every local address two UDP sockets and a raw ESP socket, so a thousand
/// tunnels need thousands of descriptors. Returns the soft limit now (0 if it cannot be read).
@discardableResult
public func raiseDescriptorLimit() -> UInt64 {
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    var r = rlimit()
    guard getrlimit(resource, &r) == 0 else { return 0 }
    if r.rlim_cur < r.rlim_max {
        var raised = r
        raised.rlim_cur = r.rlim_max
        if setrlimit(resource, &raised) == 0 { r = raised }
    }
    return UInt64(r.rlim_cur)
}
