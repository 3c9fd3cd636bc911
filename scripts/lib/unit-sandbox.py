#!/usr/bin/env python3
"""Runs a command inside an approximation of a systemd unit's sandbox, for machines where
systemd is not PID 1 (containers, CI) and `systemd-run -p ...` is therefore unavailable.

Usage (root): unit-sandbox.py [--writable DIR]... UNIT -- COMMAND [ARG]...

From the unit's [Service] section it applies, then execs COMMAND:
  ProcSubset=pid, ProtectProc=invisible  a private mount namespace with its own /proc
  ProtectSystem=strict                   every mount read-only except /dev, /proc, /sys and
                                         each --writable DIR (standing in for RuntimeDirectory=)
  CapabilityBoundingSet=                 the bounding set (root then holds exactly these)
  NoNewPrivileges=yes                    PR_SET_NO_NEW_PRIVS
  SystemCallFilter=, SystemCallErrorNumber=
                                         a seccomp allow list built from the groups that
                                         `systemd-analyze syscall-filter` prints, as systemd does
  RestrictAddressFamilies=               seccomp on socket(2): EAFNOSUPPORT for other families
  LimitCORE=, LimitNOFILE=               setrlimit, soft and hard (a number or infinity; at most
                                         the hard limit where a container refuses raising it)
  MemoryDenyWriteExecute=yes             systemd 252's seccomp rules: no mmap with PROT_WRITE and
                                         PROT_EXEC, no mprotect/pkey_mprotect adding PROT_EXEC,
                                         no shmat with SHM_EXEC
It does not apply DeviceAllow= (a cgroup), PrivateTmp=, ProtectHome=, RestrictNamespaces=,
LockPersonality=, RestrictRealtime=, the other Protect*= switches or anything outside [Service].
libseccomp is used through ctypes (libseccomp2 is a dependency of systemd on Debian).
"""
import ctypes
import os
import socket
import subprocess
import sys

CAPS = ("chown dac_override dac_read_search fowner fsetid kill setgid setuid setpcap linux_immutable "
        "net_bind_service net_broadcast net_admin net_raw ipc_lock ipc_owner sys_module sys_rawio "
        "sys_chroot sys_ptrace sys_pacct sys_admin sys_boot sys_nice sys_resource sys_time "
        "sys_tty_config mknod lease audit_write audit_control setfcap mac_override mac_admin syslog "
        "wake_alarm block_suspend audit_read perfmon bpf checkpoint_restore").split()

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


def die(message):
    sys.stderr.write(f"unit-sandbox: {message}\n")
    sys.exit(125)


def check(rc, what):
    if rc != 0:
        die(f"{what}: {os.strerror(ctypes.get_errno())}")


def service_settings(path):
    """The [Service] assignments, in order, as (key, value) pairs."""
    out, section = [], None
    for raw in open(path, encoding="utf-8"):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line:
            k, v = line.split("=", 1)
            out.append((k.strip(), v.strip()))
    return out


def values(settings, key):
    return [v for k, v in settings if k == key]


def yes(settings, key):
    v = values(settings, key)
    return bool(v) and v[-1].lower() in ("yes", "true", "1", "on")


# --- mounts -----------------------------------------------------------------------------------

MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 32, 4096, 16384, 1 << 18


def mount_sandbox(settings, writable):
    subset = values(settings, "ProcSubset")[-1:] == ["pid"]
    protect_proc = (values(settings, "ProtectProc") or ["default"])[-1]
    strict = values(settings, "ProtectSystem")[-1:] == ["strict"]
    if not (subset or protect_proc != "default" or strict):
        return
    check(libc.unshare(0x00020000), "unshare(CLONE_NEWNS)")
    check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    if strict:
        for d in writable:
            check(libc.mount(d.encode(), d.encode(), None, MS_BIND, None), f"bind {d}")
        points = []
        for line in open("/proc/self/mountinfo", encoding="utf-8"):
            point = line.split()[4].replace("\\040", " ")
            if point in ("/dev", "/proc", "/sys") or point.startswith(("/dev/", "/proc/", "/sys/")):
                continue
            if any(point == d for d in writable):
                continue
            points.append(point)
        for point in points:
            # Mounts shadowed by later ones fail with EINVAL; what is visible is what counts.
            libc.mount(None, point.encode(), None, MS_REMOUNT | MS_BIND | MS_RDONLY, None)
        probe = "/etc/.unit-sandbox-probe"
        try:
            open(probe, "w").close()
            os.unlink(probe)
            die("ProtectSystem=strict emulation failed: /etc is still writable")
        except OSError:
            pass
    if subset or protect_proc != "default":
        options = []
        if subset:
            options.append("subset=pid")
        if protect_proc in ("invisible", "noaccess", "ptraceable"):
            options.append(f"hidepid={protect_proc}")
        check(libc.mount(b"proc", b"/proc", b"proc", 0, ",".join(options).encode()), "mount /proc " + ",".join(options))


# --- capabilities -----------------------------------------------------------------------------

def restrict_capabilities(settings, last):
    v = values(settings, "CapabilityBoundingSet")
    if v:
        keep = {c.lower().removeprefix("cap_") for c in " ".join(v).split()}
        unknown = keep - set(CAPS)
        if unknown:
            die(f"unknown capabilities {sorted(unknown)}")
        for number in range(last + 1):
            if number < len(CAPS) and CAPS[number] in keep:
                continue
            check(libc.prctl(24, number, 0, 0, 0), f"PR_CAPBSET_DROP {number}")  # PR_CAPBSET_DROP
    if yes(settings, "NoNewPrivileges") or values(settings, "SystemCallFilter") or yes(settings, "MemoryDenyWriteExecute") \
            or values(settings, "RestrictAddressFamilies"):
        check(libc.prctl(38, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS")  # systemd implies it for seccomp


# --- resource limits --------------------------------------------------------------------------

def apply_limits(settings):
    """LimitCORE= and LimitNOFILE= (one number: soft and hard), as systemd sets them."""
    import resource
    for key, which in (("LimitCORE", resource.RLIMIT_CORE), ("LimitNOFILE", resource.RLIMIT_NOFILE)):
        v = values(settings, key)
        if v:
            n = resource.RLIM_INFINITY if v[-1] == "infinity" else int(v[-1])
            try:
                resource.setrlimit(which, (n, n))
            except (ValueError, OSError):
                # A container may not let even root raise a hard limit: keep the hard one.
                hard = resource.getrlimit(which)[1]
                resource.setrlimit(which, (min(n, hard), min(n, hard)))


# --- seccomp ----------------------------------------------------------------------------------

ACT_ALLOW, ACT_KILL_PROCESS = 0x7FFF0000, 0x80000000
CMP_EQ, CMP_GT, CMP_MASKED_EQ = 4, 6, 7


def ACT_ERRNO(e):
    return 0x00050000 | (e & 0xFFFF)


class ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("a", ctypes.c_uint64), ("b", ctypes.c_uint64)]


try:
    seccomp = ctypes.CDLL("libseccomp.so.2", use_errno=True)
except OSError:
    seccomp = None
if seccomp:
    seccomp.seccomp_init.restype = ctypes.c_void_p
    seccomp.seccomp_init.argtypes = [ctypes.c_uint32]
    seccomp.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    seccomp.seccomp_rule_add_exact_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                                     ctypes.POINTER(ArgCmp)]
    seccomp.seccomp_load.argtypes = [ctypes.c_void_p]
    seccomp.seccomp_release.argtypes = [ctypes.c_void_p]


def syscall_groups():
    """{"@group": [entries]} from `systemd-analyze syscall-filter` (this machine's systemd)."""
    text = subprocess.run(["systemd-analyze", "syscall-filter"], check=True, capture_output=True, text=True).stdout
    groups, current = {}, None
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if not line.startswith((" ", "\t")) and s.startswith("@"):
            current = groups.setdefault(s, [])
        elif current is not None:
            current.append(s)
    return groups


def expand(names, groups, seen=None):
    seen = set() if seen is None else seen
    out = set()
    for n in names:
        if n.startswith("@"):
            if n in seen:
                continue
            seen.add(n)
            if n not in groups:
                die(f"unknown system call group {n}")
            out |= expand(groups[n], groups, seen)
        else:
            out.add(n.split(":")[0])
    return out


class Filter:
    def __init__(self, default):
        self.ctx = seccomp.seccomp_init(default)
        if not self.ctx:
            die("seccomp_init failed")

    def rule(self, action, name, *cmps):
        nr = seccomp.seccomp_syscall_resolve_name(name.encode())
        if nr == -1:  # __NR_SCMP_ERROR: no such system call anywhere
            return
        array = (ArgCmp * max(1, len(cmps)))(*cmps)
        rc = seccomp.seccomp_rule_add_exact_array(self.ctx, action, nr, len(cmps), array)
        if rc < 0 and rc != -33:  # -EDOM: not a system call on this architecture, as systemd ignores
            die(f"seccomp rule for {name}: {os.strerror(-rc)}")

    def load(self, what):
        rc = seccomp.seccomp_load(self.ctx)
        seccomp.seccomp_release(self.ctx)
        if rc < 0:
            die(f"loading the {what} filter: {os.strerror(-rc)}")


def errno_number(name):
    import errno
    n = getattr(errno, name, None)
    if n is None:
        die(f"unknown errno {name}")
    return n


def apply_seccomp(settings):
    filters = values(settings, "SystemCallFilter")
    families = values(settings, "RestrictAddressFamilies")
    mdwe = yes(settings, "MemoryDenyWriteExecute")
    if not (filters or families or mdwe):
        return
    if seccomp is None:
        die("libseccomp.so.2 is missing (apt-get install libseccomp2)")
    groups = syscall_groups() if filters else {}  # before any filter is loaded
    if families:
        keep = set()
        for word in " ".join(families).split():
            if word == "none":
                continue
            v = getattr(socket, word, None)
            if v is None:
                die(f"unknown address family {word}")
            keep.add(int(v))
        f = Filter(ACT_ALLOW)
        af_max = 46
        for af in range(af_max):
            if af not in keep:
                f.rule(ACT_ERRNO(97), "socket", ArgCmp(0, CMP_EQ, af, 0))  # EAFNOSUPPORT
        f.rule(ACT_ERRNO(97), "socket", ArgCmp(0, CMP_GT, af_max - 1, 0))
        f.load("RestrictAddressFamilies")
    if mdwe:
        PROT_WRITE, PROT_EXEC, SHM_EXEC = 2, 4, 0o100000
        f = Filter(ACT_ALLOW)
        f.rule(ACT_ERRNO(1), "mmap", ArgCmp(2, CMP_MASKED_EQ, PROT_WRITE | PROT_EXEC, PROT_WRITE | PROT_EXEC))
        f.rule(ACT_ERRNO(1), "mprotect", ArgCmp(2, CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC))
        f.rule(ACT_ERRNO(1), "pkey_mprotect", ArgCmp(2, CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC))
        f.rule(ACT_ERRNO(1), "shmat", ArgCmp(2, CMP_MASKED_EQ, SHM_EXEC, SHM_EXEC))
        f.load("MemoryDenyWriteExecute")
    # The allow list goes last, as in systemd: it may not allow loading further filters.
    if filters:
        allowed, allow_list = set(), None
        for line in filters:
            if not line:
                allowed, allow_list = set(), None
                continue
            deny = line.startswith("~")
            names = line.lstrip("~").split()
            if allow_list is None:
                allow_list = not deny
                allowed = expand(names, groups) if allow_list else set()
                if deny:
                    die("deny-list SystemCallFilter= is not emulated")
            elif deny:
                allowed -= expand(names, groups)
            else:
                allowed |= expand(names, groups)
        # systemd always lets a service exit and exec (see seccomp-util.c); these are in @default.
        allowed |= {"execve", "exit", "exit_group", "rt_sigreturn", "sigreturn"}
        error = values(settings, "SystemCallErrorNumber")
        default = ACT_ERRNO(errno_number(error[-1])) if error and error[-1] not in ("", "kill") else ACT_KILL_PROCESS
        f = Filter(default)
        for name in sorted(allowed):
            f.rule(ACT_ALLOW, name)
        f.load("SystemCallFilter")


def main(argv):
    writable = []
    while argv and argv[0] == "--writable":
        writable.append(os.path.realpath(argv[1]))
        argv = argv[2:]
    if len(argv) < 3 or argv[1] != "--":
        die("usage: unit-sandbox.py [--writable DIR]... UNIT -- COMMAND [ARG]...")
    settings = service_settings(argv[0])
    command = argv[2:]
    last_cap = int(open("/proc/sys/kernel/cap_last_cap").read())  # before /proc is replaced
    mount_sandbox(settings, writable)
    apply_limits(settings)
    restrict_capabilities(settings, last_cap)
    apply_seccomp(settings)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
