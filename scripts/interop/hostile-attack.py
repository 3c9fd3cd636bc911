#!/usr/bin/env python3
# The attacker of scripts/interop/hostile.sh (issue 10): hostile datagrams against one iked
# gateway, only to the namespace addresses the test made. Raw sockets (IP_HDRINCL) forge source
# addresses; no third-party module is needed. Three commands:
#
#   capture OUT COUNT PEER            (in the victim's namespace) records COUNT ESP-in-UDP datagrams
#                                     arriving from PEER:4500, one hex line each, for replays and
#                                     bad ICVs
#   barrage PLAN.json                 (in the attacker's namespace) sends the mixed barrage the plan
#                                     describes, paced over its duration, and prints what it sent
#                                     and which counter (and reason) each datagram must move
#   limits VICTIM COUNT ADDR...       (in the attacker's namespace) IKE_SA_INITs from real
#                                     addresses that answer cookies: fills the half-open limits
#
# Every category maps to exactly one drop reason of `ikectl status --json`: "drops" (the IKE
# engine) or "esp_drops" (the datapath). The plan's counts are fixed, so the test can compare.
import json, os, random, select, socket, struct, sys, time

IKE_SA_INIT, INFORMATIONAL = 34, 37
PT_SA, PT_KE, PT_NONCE, PT_NOTIFY, PT_SK = 33, 34, 40, 41, 46
COOKIE = 16390
SPOOF_NETS = ["198.51.100.", "203.0.113."]


def ike_header(spi_i, spi_r, next_payload, exchange, flags, msg_id, length):
    return struct.pack("!QQBBBBII", spi_i, spi_r, next_payload, 0x20, exchange, flags, msg_id, length)


def payload(next_payload, body):
    return struct.pack("!BBH", next_payload, 0, 4 + len(body)) + body


def init_request(rng, cookie=None, spi_i=None, ke=None, nonce=None):
    """IKE_SA_INIT { [N(COOKIE),] SA, KEi, Ni } offering aes256gcm16-prfsha256-x25519: what the
    victim's %any tunnel accepts, so each costs it a real X25519 unless it asks for a cookie."""
    transforms = [(1, 20, struct.pack("!HH", 0x800E, 256)), (2, 5, b""), (4, 31, b"")]
    body = b""
    for i, (ttype, tid, attrs) in enumerate(transforms):
        last = 0 if i == len(transforms) - 1 else 3
        body += struct.pack("!BBHBBH", last, 0, 8 + len(attrs), ttype, 0, tid) + attrs
    proposal = struct.pack("!BBHBBBB", 0, 0, 8 + len(body), 1, 1, 0, len(transforms)) + body
    chain = [(PT_SA, proposal), (PT_KE, struct.pack("!HH", 31, 0) + (ke or rng.randbytes(32))),
             (PT_NONCE, nonce or rng.randbytes(32))]
    if cookie is not None:
        chain.insert(0, (PT_NOTIFY, struct.pack("!BBH", 0, 0, COOKIE) + cookie))
    out = b""
    for i, (ptype, body) in enumerate(chain):
        nxt = chain[i + 1][0] if i + 1 < len(chain) else 0
        out += payload(nxt, body)
    spi_i = spi_i if spi_i is not None else rng.getrandbits(64) | 1
    return ike_header(spi_i, 0, chain[0][0], IKE_SA_INIT, 0x08, 0, 28 + len(out)) + out


def ip_udp(src, sport, dst, dport, data):
    """An IPv4 header (the kernel fills in the checksum) and a UDP header without checksum."""
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + len(data), 0, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip + struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def spoofed(rng):
    return SPOOF_NETS[rng.randrange(2)] + str(rng.randrange(1, 255)), rng.randrange(1024, 65536)


# ---- capture -------------------------------------------------------------------------------

def capture(out, count, peer):
    rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    rx.settimeout(20)
    lines = []
    while len(lines) < count:
        data, (src, _) = rx.recvfrom(65535)
        ihl = (data[0] & 0x0F) * 4
        sport, dport = struct.unpack("!HH", data[ihl:ihl + 4])
        esp = data[ihl + 8:]
        if src == peer and sport == 4500 and dport == 4500 and len(esp) > 16 and esp[:4] != b"\0\0\0\0":
            lines.append(esp.hex())
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(len(lines))


# ---- barrage -------------------------------------------------------------------------------

def build(plan, rng):
    """Every datagram of the plan as (how, packet, category), with the counter each must move."""
    victim, peer = plan["victim"], plan["peer"]
    ike_spis = [(int(a, 16), int(b, 16)) for a, b in plan["ike_spis"]]
    real_esp = {int(s, 16) for s in plan["esp_spis"]}
    captured = [bytes.fromhex(l) for l in open(plan["captured"]).read().split()]
    n = plan["counts"]
    out, expect = [], {"drops": {}, "esp_drops": {}}

    def add(how, packet, category, table, reason):
        out.append((how, packet, category))
        expect[table][reason] = expect[table].get(reason, 0) + 1

    def spoof_to(port, data, category, table, reason):
        src, sport = spoofed(rng)
        add("raw", ip_udp(src, sport, victim, port, data), category, table, reason)

    sample = init_request(rng)
    for _ in range(n["ike_truncated"]):
        # A real IKE_SA_INIT cut short, to 500 or (behind the non-ESP marker) to 4500.
        cut = rng.randrange(1, len(sample))
        port = rng.choice([500, 4500])
        data = sample[:cut] if port == 500 else b"\0\0\0\0" + sample[:cut]
        spoof_to(port, data, "ike_truncated", "drops", "malformed" if cut < 28 else "lengthMismatch")
    for _ in range(n["ike_oversized"]):
        # Far more bytes than its header says: 3-20 KB (IP-fragmented), from our own address.
        size = rng.randrange(3000, 20000)
        add("udp", sample + rng.randbytes(size - len(sample)), "ike_oversized", "drops", "lengthMismatch")
    for _ in range(n["random_500"]):
        data = bytearray(rng.randbytes(rng.randrange(1, 1400)))
        if len(data) >= 28 and data[17] >> 4 == 2:
            data[17] = 0x10          # only version 2 is parsed further: keep it plainly malformed
        spoof_to(500, bytes(data), "random_500", "drops", "malformed")
    for _ in range(n["random_4500"]):
        # Random bytes on the NAT-T port are ESP to the receiver (RFC 3948 §2.2): unknown SPIs,
        # or runts too short for an SPI and a sequence number.
        short = rng.random() < 0.1
        data = bytearray(rng.randbytes(rng.randrange(2, 8) if short else rng.randrange(8, 1400)))
        data[0] = data[0] or 1                               # not the non-ESP marker
        while not short and int.from_bytes(data[:4], "big") in real_esp:
            data[:4] = rng.randbytes(4)
        spoof_to(4500, bytes(data), "random_4500", "esp_drops", "truncated" if short else "badSPI")
    for _ in range(n["init_flood"]):
        spoof_to(500, init_request(rng), "init_flood", "drops", "cookieRequired")
    for i in range(n["forged_informational"]):
        # INFORMATIONAL with the tunnel's real SPIs, from the peer's address and port, with message
        # IDs around the window and a garbage SK payload: each fails the window or the ICV.
        spi_i, spi_r = ike_spis[i % len(ike_spis)]
        msg_id = rng.choice([0, 1, 2, 3, rng.randrange(4, 1 << 31)])
        flags = rng.choice([0x08, 0x08, 0x08, 0x28])          # mostly requests, some responses
        sk = rng.randbytes(8) + rng.randbytes(rng.randrange(16, 200)) + rng.randbytes(16)
        body = payload(42, sk)
        data = ike_header(spi_i, spi_r, PT_SK, INFORMATIONAL, flags, msg_id, 28 + len(body)) + body
        add("raw", ip_udp(peer, 4500, victim, 4500, b"\0\0\0\0" + data), "forged_informational",
            "drops", "forged")
    for i in range(n["esp_unknown_spi"]):
        spi = rng.randrange(256, 1 << 32)
        while spi in real_esp:
            spi = rng.randrange(256, 1 << 32)
        data = struct.pack("!II", spi, rng.randrange(1, 1 << 32)) + rng.randbytes(rng.randrange(24, 1400))
        if i % 5 == 0:
            add("esp", data, "esp_unknown_spi", "esp_drops", "badSPI")         # raw ESP, protocol 50
        else:
            add("raw", ip_udp(peer, 4500, victim, 4500, data), "esp_unknown_spi", "esp_drops", "badSPI")
    for i in range(n["esp_bad_icv"]):
        # A captured packet with one ciphertext bit flipped and a fresh sequence number, so the
        # replay window lets it through and only the ICV can catch it.
        esp = bytearray(captured[i % len(captured)])
        esp[4:8] = (0xF0000000 + i).to_bytes(4, "big")
        esp[len(esp) // 2] ^= 0x10
        add("raw", ip_udp(peer, 4500, victim, 4500, bytes(esp)), "esp_bad_icv", "esp_drops", "authFailure")
    for i in range(n["esp_replay"]):
        add("raw", ip_udp(peer, 4500, victim, 4500, captured[i % len(captured)]), "esp_replay", "esp_drops", "replay")
    for _ in range(n["non_esp_marker"]):
        # The non-ESP marker (four zero octets) with garbage after it: IKE to the receiver, but
        # not an IKE message; or a bare marker, a runt for either protocol.
        if rng.random() < 0.1:
            spoof_to(4500, b"\0" * rng.randrange(1, 5), "non_esp_marker", "esp_drops", "truncated")
        else:
            data = bytearray(rng.randbytes(rng.randrange(1, 600)))
            if len(data) >= 28 and data[17] >> 4 == 2:
                data[17] = 0x10
            spoof_to(4500, b"\0\0\0\0" + bytes(data), "non_esp_marker", "drops", "malformed")
    return out, expect


def barrage(plan_file):
    plan = json.load(open(plan_file))
    rng = random.Random(plan.get("seed", 10))
    packets, expect = build(plan, rng)
    rng.shuffle(packets)
    victim = plan["victim"]
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    esp = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sent, errors = {}, 0
    start = time.monotonic()
    per_slice = max(1, len(packets) // (plan["seconds"] * 50))     # 50 slices a second
    for k, (how, packet, category) in enumerate(packets):
        try:
            if how == "raw":
                raw.sendto(packet, (victim, 0))
            elif how == "esp":
                esp.sendto(packet, (victim, 0))
            else:
                udp.sendto(packet, (victim, 500))
            sent[category] = sent.get(category, 0) + 1
        except OSError:
            errors += 1
        if k % per_slice == per_slice - 1:
            ahead = start + (k + 1) / per_slice / 50 - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    print(json.dumps({"sent": sent, "total": sum(sent.values()), "send_errors": errors,
                      "seconds": round(time.monotonic() - start, 1), "expect": expect}))


# ---- limits --------------------------------------------------------------------------------

def limits(victim, count, addresses):
    """From each address, COUNT IKE_SA_INITs one after another, each answering a cookie demand:
    a responder's SA_INIT answer means a half-open SA was made; silence means the request was
    dropped (a half-open limit)."""
    rng = random.Random(7)
    result = {}
    for addr in addresses:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, 0))
        made = silent = cookies = 0
        for _ in range(count):
            spi, ke, nonce = rng.getrandbits(64) | 1, rng.randbytes(32), rng.randbytes(32)
            request = init_request(rng, spi_i=spi, ke=ke, nonce=nonce)
            for _attempt in range(2):
                s.sendto(request, (victim, 500))
                ready, _, _ = select.select([s], [], [], 0.3)
                if not ready:
                    silent += 1
                    break
                reply = s.recv(65535)
                first = reply[16] if len(reply) > 28 else 0
                if first == PT_NOTIFY and struct.unpack("!H", reply[34:36])[0] == COOKIE:
                    cookies += 1
                    length = struct.unpack("!H", reply[30:32])[0]
                    # RFC 7296 §2.6: the same request again (the cookie covers Ni), cookie first.
                    request = init_request(rng, cookie=reply[36:28 + length], spi_i=spi, ke=ke, nonce=nonce)
                    continue
                made += 1 if first == PT_SA else 0
                break
        result[addr] = {"half_open": made, "unanswered": silent, "cookies": cookies}
        s.close()
    print(json.dumps(result))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "capture":
        capture(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "barrage":
        barrage(sys.argv[2])
    elif cmd == "limits":
        limits(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
    else:
        sys.exit("usage: hostile-attack.py capture OUT COUNT PEER | barrage PLAN.json | limits VICTIM COUNT ADDR...")
