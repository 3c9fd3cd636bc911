#!/usr/bin/env python3
"""Local clients that stall, against a running iked (issue 10's hardening): slow and idle
metrics clients, a control client that floods requests and never reads its answers, and
control clients that leave before their answer. Meanwhile a well-behaved ikectl-style client
and a scraper keep asking; this prints the slowest answer each got, and exits 1 if any
request went unanswered.

Usage (inside the daemon's namespace): stall-clients.py CONTROL_SOCKET METRICS_PORT SECONDS [RESULT_JSON]
"""
import json
import socket
import sys
import threading
import time

control_path, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
stop = time.monotonic() + seconds
held = []


def slow_metrics_client():
    """A request head that never ends, one header line every 150 ms (reconnects when closed)."""
    while time.monotonic() < stop:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            s.sendall(b"GET /metrics HTTP/1.1\r\n")
            while time.monotonic() < stop:
                s.sendall(b"X-Slow: 1\r\n")
                time.sleep(0.15)
        except OSError:
            time.sleep(0.05)


def idle_metrics_clients(n):
    for _ in range(n):
        try:
            held.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        except OSError:
            pass


def control_flooder():
    """Thousands of requests, answers never read: iked must stop answering it, not wait."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(control_path)
    s.setblocking(False)
    line = b'{"command":"list"}\n'
    try:
        while time.monotonic() < stop:
            s.send(line * 1000)
    except OSError:
        pass
    held.append(s)


def leavers():
    """Requests whose clients are gone before the answer (EPIPE/SIGPIPE for the daemon)."""
    while time.monotonic() < stop:
        s = socket.socket(socket.AF_UNIX)
        s.connect(control_path)
        s.sendall(b'{"command":"status"}\n' * 20)
        s.close()
        time.sleep(0.01)


def control_round_trip():
    """One `list` as ikectl asks it; the time includes waiting in the listen backlog (ikectl's
    blocking connect waits there; this socket, with a timeout, is told EAGAIN and retries)."""
    start = time.monotonic()
    while True:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        try:
            s.connect(control_path)
            break
        except BlockingIOError:
            s.close()
            if time.monotonic() - start > 10:
                raise OSError("the control socket's backlog stayed full for 10 s")
            time.sleep(0.01)
    s.sendall(b'{"command":"list"}\n')
    answer = b""
    while not answer.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            raise OSError("closed without an answer")
        answer += chunk
    s.close()
    if not json.loads(answer).get("ok"):
        raise OSError("answer not ok")
    return time.monotonic() - start


def scrape():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    start = time.monotonic()
    s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
    answer = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        answer += chunk
    s.close()
    if not answer.startswith(b"HTTP/1.1 200 OK") or b"iked_drops_total" not in answer:
        raise OSError("bad scrape: %r" % answer[:60])
    return time.monotonic() - start


threads = [threading.Thread(target=slow_metrics_client, daemon=True) for _ in range(24)]
threads += [threading.Thread(target=control_flooder, daemon=True), threading.Thread(target=leavers, daemon=True)]
for t in threads:
    t.start()
idle_metrics_clients(8)
time.sleep(0.5)
control, scrapes, failures = [], [], []
while time.monotonic() < stop:
    for name, ask, out in (("control", control_round_trip, control), ("scrape", scrape, scrapes)):
        try:
            out.append(ask())
        except OSError as e:
            failures.append("%s: %s" % (name, e))
    time.sleep(0.2)
print("control requests: %d answered, slowest %.3f s; scrapes: %d answered, slowest %.3f s; failures: %d %s"
      % (len(control), max(control, default=0), len(scrapes), max(scrapes, default=0), len(failures), failures[:3]))
with open(sys.argv[4] if len(sys.argv) > 4 else "/dev/null", "w") as f:
    json.dump({"control": control, "scrapes": scrapes, "failures": failures}, f)
sys.exit(1 if failures or not control or not scrapes else 0)
