#!/usr/bin/env python3
"""Plays systemd's part of the sd_notify protocol (Type=notify) against a daemon, without
systemd: creates a unix datagram socket, starts COMMAND with NOTIFY_SOCKET pointing at it and
checks the daemon's messages. Prints one PASS/FAIL line per check; exits 1 if any failed.

Usage: sd-notify-check.py --socket PATH --log FILE [--watchdog-usec N | --no-watchdog]
                          [--after-ready SHELL-COMMAND]... [--reload] -- COMMAND [ARG]...

  1. READY=1 and a STATUS= line arrive (within 20 s)
  2. each --after-ready command exits 0 (within 20 s each)
  3. --watchdog-usec N: WATCHDOG_USEC=N is in the daemon's environment, and WATCHDOG=1 arrives
     at least twice within 2·N µs + 1 s; --no-watchdog: none arrives within 1.5 s
  4. --reload: after SIGHUP, RELOADING=1 and then READY=1 arrive (within 10 s)
  5. after SIGTERM, STOPPING=1 arrives and the daemon exits with status 0 (within 10 s)
COMMAND's PID must end up being the daemon's (wrappers exec it), as systemd's MainPID would.
"""
import os
import signal
import socket
import subprocess
import sys
import time

failures = 0


def report(ok, what):
    global failures
    print(f"  {'PASS' if ok else 'FAIL'}  {what}", flush=True)
    if not ok:
        failures += 1
    return ok


class Notifications:
    def __init__(self, path):
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.lines = []  # every line received, in order

    def wait_for(self, predicate, timeout, process=None):
        """Reads until predicate(self.lines) holds or the time is up; True if it holds."""
        deadline = time.monotonic() + timeout
        while not predicate(self.lines):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if process is not None and process.poll() is not None:
                self.drain()
                return predicate(self.lines)
            self.sock.settimeout(min(left, 0.2))
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            self.lines += data.decode("utf-8", "replace").split("\n")
        return True

    def drain(self):
        self.sock.settimeout(0)
        while True:
            try:
                self.lines += self.sock.recv(4096).decode("utf-8", "replace").split("\n")
            except (BlockingIOError, socket.timeout):
                return

    def count(self, line):
        return self.lines.count(line)


def main(argv):
    opts = {"after": [], "reload": False, "watchdog": None, "no_watchdog": False}
    while argv and argv[0] != "--":
        a = argv.pop(0)
        if a == "--socket":
            opts["socket"] = argv.pop(0)
        elif a == "--log":
            opts["log"] = argv.pop(0)
        elif a == "--watchdog-usec":
            opts["watchdog"] = int(argv.pop(0))
        elif a == "--no-watchdog":
            opts["no_watchdog"] = True
        elif a == "--after-ready":
            opts["after"].append(argv.pop(0))
        elif a == "--reload":
            opts["reload"] = True
        else:
            sys.exit(f"sd-notify-check: unknown option {a}")
    if not argv or "socket" not in opts or "log" not in opts:
        sys.exit(__doc__)
    command = argv[1:]

    notes = Notifications(opts["socket"])
    env = dict(os.environ, NOTIFY_SOCKET=opts["socket"])
    env.pop("WATCHDOG_USEC", None)
    env.pop("WATCHDOG_PID", None)
    if opts["watchdog"]:
        env["WATCHDOG_USEC"] = str(opts["watchdog"])
    log = open(opts["log"], "ab")
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        ready = notes.wait_for(lambda l: "READY=1" in l, 20, process)
        report(ready, "READY=1 arrives on NOTIFY_SOCKET")
        status = [l for l in notes.lines if l.startswith("STATUS=")]
        report(bool(status), f"a STATUS= line arrives ({status[0] if status else 'none'})")
        if not ready:
            return
        for cmd in opts["after"]:
            try:
                rc = subprocess.run(cmd, shell=True, timeout=20).returncode
            except subprocess.TimeoutExpired:
                rc = "timeout"
            report(rc == 0, f"{cmd} (exit {rc})")
        if opts["watchdog"]:
            window = 2 * opts["watchdog"] / 1e6 + 1
            before = notes.count("WATCHDOG=1")
            ok = notes.wait_for(lambda l: l.count("WATCHDOG=1") >= before + 2, window, process)
            report(ok, f"WATCHDOG=1 arrives every WATCHDOG_USEC/2 ({notes.count('WATCHDOG=1') - before} in {window:.0f} s)")
        if opts["no_watchdog"]:
            notes.wait_for(lambda l: False, 1.5, process)
            report("WATCHDOG=1" not in notes.lines, "no WATCHDOG=1 without WATCHDOG_USEC")
        if opts["reload"]:
            mark = len(notes.lines)
            process.send_signal(signal.SIGHUP)

            def reloaded(lines):
                tail = lines[mark:]
                return "RELOADING=1" in tail and "READY=1" in tail[tail.index("RELOADING=1"):]
            report(notes.wait_for(reloaded, 10, process), "SIGHUP: RELOADING=1, then READY=1")
        report(process.poll() is None, "the daemon is still running before SIGTERM")
        mark = len(notes.lines)
        process.send_signal(signal.SIGTERM)
        try:
            rc = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = "still running after 10 s"
        notes.drain()
        report("STOPPING=1" in notes.lines[mark:], "SIGTERM: STOPPING=1 arrives")
        report(rc == 0, f"SIGTERM: the daemon exits with status 0 ({rc})")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
        notes.sock.close()
        os.unlink(opts["socket"])


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.exit(1 if failures else 0)
