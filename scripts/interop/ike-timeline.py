#!/usr/bin/env python3
# Reads a tcpdump capture (pcap, Ethernet or Linux cooked v1/v2) and decodes the IKE header of
# every IKE datagram on UDP 500 and 4500 (on 4500 only those behind the 4-byte non-ESP marker;
# ESP in UDP and NAT keepalives are skipped). Used by scripts/interop/profiles.sh to check DPD on
# the wire. Commands (times are Unix seconds, as `date +%s.%N` prints them):
#   list PCAP                            one line per IKE message
#   gaps PCAP FROM T0 T1 DELAY TOL       FROM's INFORMATIONAL requests in [T0, T1]: at least
#                                        three, each gap DELAY +- TOL seconds
#   none PCAP FROM T0 T1                 FROM sent no INFORMATIONAL request in [T0, T1]
#   answered PCAP FROM T0 T1             every INFORMATIONAL request FROM sent in [T0, T1] has
#                                        a response from its peer
#   first-unanswered PCAP FROM T0        prints when FROM first sent the first INFORMATIONAL
#                                        request after T0 that no response answered
#   rekeys PCAP FROM                     "established T" (the first IKE_AUTH response), then
#                                        FROM's rekeys in seconds after it: "ike T" for a
#                                        CREATE_CHILD_SA after which a new IKE SPI pair appears
#                                        (an IKE SA rekey), "child T" for the others; a request
#                                        repeated within 2 s (INVALID_KE retry) counts once
# A request is known by (SPIs, sender, message ID); a retransmission is the same request, and
# its time is that of its first transmission.
import struct, sys

INFORMATIONAL = 37
EXCHANGES = {34: "IKE_SA_INIT", 35: "IKE_AUTH", 36: "CREATE_CHILD_SA", 37: "INFORMATIONAL"}


def ip_payload(linktype, frame):
    if linktype == 1:  # Ethernet
        off, ethertype = 14, struct.unpack("!H", frame[12:14])[0]
        while ethertype == 0x8100:
            ethertype = struct.unpack("!H", frame[off + 2:off + 4])[0]
            off += 4
        return frame[off:] if ethertype == 0x0800 else None
    if linktype == 113:  # Linux cooked v1
        return frame[16:] if struct.unpack("!H", frame[14:16])[0] == 0x0800 else None
    if linktype == 276:  # Linux cooked v2
        return frame[20:] if struct.unpack("!H", frame[0:2])[0] == 0x0800 else None
    raise SystemExit("unsupported link type %d" % linktype)


def messages(path):
    """(time, src, dst, exchange, message ID, is response, SPIi, SPIr) per IKE message."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        endian = ">"
    else:
        raise SystemExit("%s is not a pcap file (tcpdump -w writes pcap)" % path)
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off, out = 24, []
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        t = sec + frac / (1e9 if nano else 1e6)
        ip = ip_payload(linktype, frame)
        if not ip or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        src, dst = ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20]))
        sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
        ike = ip[ihl + 8:]
        if 4500 in (sport, dport):
            if len(ike) < 4 or ike[:4] != b"\0\0\0\0":
                continue  # ESP in UDP or a NAT keepalive
            ike = ike[4:]
        elif 500 not in (sport, dport):
            continue
        if len(ike) < 28:
            continue
        spi_i, spi_r = ike[0:8].hex(), ike[8:16].hex()
        exchange, flags = ike[18], ike[19]
        msgid = struct.unpack("!I", ike[20:24])[0]
        out.append((t, src, dst, exchange, msgid, bool(flags & 0x20), spi_i, spi_r))
    return out


def requests(msgs, sender, exchange=INFORMATIONAL):
    """FROM's requests of one exchange type: {key: first time}, and the answered keys."""
    first, answered = {}, set()
    for t, src, dst, ex, mid, resp, si, sr in msgs:
        if ex != exchange:
            continue
        if not resp and src == sender:
            first.setdefault((si, sr, mid), t)
        elif resp and dst == sender:
            answered.add((si, sr, mid))
    return first, answered


def in_window(first, t0, t1):
    return sorted((t, k) for k, t in first.items() if t0 <= t <= t1)


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    msgs = messages(path)
    if cmd == "list":
        for t, src, dst, ex, mid, resp, si, sr in msgs:
            print("%.3f %s -> %s %s #%d %s" % (t, src, dst, EXCHANGES.get(ex, ex), mid, "response" if resp else "request"))
        return 0
    sender = sys.argv[3]
    first, answered = requests(msgs, sender)
    if cmd == "gaps":
        t0, t1, delay, tol = map(float, sys.argv[4:8])
        times = [t for t, _ in in_window(first, t0, t1)]
        gaps = [b - a for a, b in zip(times, times[1:])]
        print("        %d INFORMATIONAL requests from %s; gaps %s s" % (len(times), sender, " ".join("%.1f" % g for g in gaps) or "-"))
        return 0 if len(times) >= 3 and all(abs(g - delay) <= tol for g in gaps) else 1
    if cmd == "none":
        t0, t1 = map(float, sys.argv[4:6])
        n = len(in_window(first, t0, t1))
        print("        %d INFORMATIONAL requests from %s" % (n, sender))
        return 0 if n == 0 else 1
    if cmd == "answered":
        t0, t1 = map(float, sys.argv[4:6])
        sent = in_window(first, t0, t1)
        missing = [k for _, k in sent if k not in answered]
        print("        %d of %d answered" % (len(sent) - len(missing), len(sent)))
        return 0 if sent and not missing else 1
    if cmd == "first-unanswered":
        t0 = float(sys.argv[4])
        for t, k in in_window(first, t0, float("inf")):
            if k not in answered:
                print("%.3f" % t)
                return 0
        return 1
    if cmd == "rekeys":
        auth = [t for t, _, _, ex, _, resp, _, _ in msgs if ex == 35 and resp]
        if not auth:
            return 1
        established = auth[0]
        pairs = {}  # IKE SPI pair -> when it first appears (IKE_SA_INIT's SPIr is still zero)
        for t, _, _, ex, _, _, si, sr in msgs:
            if ex != 34:
                pairs.setdefault((si, sr), t)
        ccs, _ = requests(msgs, sender, 36)
        print("established %.3f" % established)
        found = []
        for t, (si, sr, mid) in sorted((t, k) for k, t in ccs.items()):
            later = [u for (pi, pr), u in pairs.items() if u > t and (pi, pr) != (si, sr)]
            after = [u for k, u in ccs.items() if k[:2] == (si, sr) and u > t]
            # The IKE rekey is the last request on its SA before another SPI pair shows up.
            kind = "ike" if later and not any(u < min(later) for u in after) else "child"
            # A request sent again within 2 s is the same rekey retried (after INVALID_KE_PAYLOAD
            # named another group): one rekey, at its first request, of the kind of its last.
            if found and t - found[-1][2] < 2:
                found[-1] = (found[-1][0], kind, t)
            else:
                found.append((t, kind, t))
        for t, kind, _ in found:
            print("%s %.3f" % (kind, t - established))
        return 0
    raise SystemExit("unknown command %s" % cmd)


if __name__ == "__main__":
    sys.exit(main())
