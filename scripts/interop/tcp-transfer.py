# A TCP transfer whose content is checked end to end: "recv HOST PORT" prints bytes and
# SHA-256 of what arrived; "send HOST PORT SOURCE BYTES" sends random data and prints the same
# plus the rate. Used by the interop scripts to prove the tunnel carries data intact. HOST and
# SOURCE may be IPv4 or IPv6 addresses (both of the same family).
import hashlib, socket, sys, time, os
mode = sys.argv[1]
family = socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET
if mode == "recv":
    s = socket.socket(family); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[2], int(sys.argv[3]))); s.listen(1)
    c, _ = s.accept(); h = hashlib.sha256(); n = 0
    while True:
        b = c.recv(1 << 20)
        if not b: break
        h.update(b); n += len(b)
    print(n, h.hexdigest())
else:
    total = int(sys.argv[5]); h = hashlib.sha256(); s = socket.socket(family)
    s.bind((sys.argv[4], 0)); s.connect((sys.argv[2], int(sys.argv[3])))
    rnd = os.urandom(1 << 20); sent = 0; t = time.time()
    while sent < total:
        chunk = rnd[: min(len(rnd), total - sent)]
        s.sendall(chunk); h.update(chunk); sent += len(chunk)
    s.close(); print(sent, h.hexdigest(), "%.1f Mbit/s" % (sent * 8 / (time.time() - t) / 1e6))
