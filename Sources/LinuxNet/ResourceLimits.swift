import CLinux
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

/// Keeps the daemon's memory (pre-shared keys, SK_* and ESP keys) out of core dumps: the core
/// size limit goes to 0 (soft and hard), and the process is marked not dumpable
/// (PR_SET_DUMPABLE 0), which also stops non-root ptrace and /proc/PID/mem reads. Returns
/// false if either call failed; the unit file sets LimitCORE=0 as well.
@discardableResult
public func disableCoreDumps() -> Bool {
    var none = rlimit(rlim_cur: 0, rlim_max: 0)
    // glibc's setrlimit is prlimit64(2), which the unit's system call filter allows.
    let limited = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none) == 0
    return clinux_set_not_dumpable() == 0 && limited
}
