#!/usr/bin/env python3
"""Writes the seed inputs of one fuzz target into a corpus folder (scripts/fuzz.sh calls it).

    scripts/fuzz/seeds.py TARGET CORPUS_DIR

Seeds are made from the strongSwan captures under Tests/Fixtures and the example configs,
each with the target's own selector bytes in front (the input layout each Fuzz/TARGET/*.swift
describes). Deterministic: the same repo gives the same files, named by content hash.
"""
import glob
import hashlib
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def captures(kind=""):
    """The captured datagrams (optionally only those whose file name contains `kind`)."""
    files = sorted(glob.glob(os.path.join(ROOT, "Tests/Fixtures/strongswan/*/*.bin")))
    return [open(f, "rb").read() for f in files if kind in os.path.basename(f)]


def chain(datagram):
    """(first payload type, payload chain bytes) of an unencrypted IKE message."""
    return datagram[16], datagram[28:]


def ipv4(length, src=(10, 2, 1, 10), dst=(10, 1, 1, 4)):
    p = bytearray([0x5A] * length)
    p[0], p[2], p[3], p[9] = 0x45, length >> 8, length & 0xFF, 1
    p[12:16], p[16:20] = bytes(src), bytes(dst)
    return bytes(p)


def ipv6(payload, src_net=2, dst_net=1):
    p = bytearray([0x6B] * (40 + payload))
    p[0], p[4], p[5], p[6], p[7] = 0x60, payload >> 8, payload & 0xFF, 17, 64
    p[8:24] = bytes([0x20, 0x01, 0x0D, 0xB8, 0, src_net] + [0] * 9 + [1])
    p[24:40] = bytes([0x20, 0x01, 0x0D, 0xB8, 0, dst_net] + [0] * 9 + [4])
    return bytes(p)


def ike_decode():
    return captures()


def sk_open():
    seeds = []
    inits = captures("IKE_SA_INIT")[:4]
    for suite in range(4):
        for d in captures("IKE_AUTH")[:2] + captures("frag")[:2]:
            seeds.append(bytes([0x00 | suite]) + d)                       # raw
        for d in inits:
            first, body = chain(d)
            seeds.append(bytes([0x04 | suite, first]) + body)             # inner
            seeds.append(bytes([0x08 | suite, first]) + body + b"\x00")   # padded, Pad Length 0
            seeds.append(bytes([0x0C | suite, first, 0x03, 0xFF]) + body)  # fragments round trip
        # Three SKF records of one message, numbered 1..3 of 3, then a duplicate.
        records = b"".join(bytes([41, n, 3, 8]) + bytes([0, 0, 0, 8, 0, 0, 0x40, 0]) for n in (1, 2, 3, 2))
        seeds.append(bytes([0x0C | suite, 1, 8, 0x20]) + records)
    return seeds


def esp_decap():
    seeds = []
    for suite in range(4):
        for flags in (0x0, 0x4, 0x8, 0xC):           # ESN, selectors
            s = suite | flags
            seeds.append(bytes([0x10 | s]) + ipv4(60))
            seeds.append(bytes([0x10 | s]) + ipv6(24))
            seeds.append(bytes([0x20 | s, 0, 0x41]) + ipv4(40))
        seeds.append(bytes([0x00 | suite]) + bytes([0xC0, 0xFF, 0xEE, 0x01, 0, 0, 0, 1]) + bytes(64))
    for esn in (0, 4):
        numbers = [1, 2, 64, 3, 200, 100, 2**32 - 1, 2**32 + 5, 5]
        seeds.append(bytes([0x30 | esn, 1]) + b"".join(n.to_bytes(8, "big") for n in numbers))
    return seeds


def ike_responder():
    seeds = []
    inits = [d for d in captures("IKE_SA_INIT-i-request")]
    auths = [d for d in captures("IKE_AUTH-i-request")]
    for d in inits:
        for flags in (0, 1):
            seeds.append(bytes([flags]) + d)
    for d, a in zip(inits, auths):
        seeds.append(bytes([0x02]) + d + a)
        seeds.append(bytes([0x03]) + d + a)
    return seeds


def config():
    files = [os.path.join(ROOT, "conf/iked.toml")] + sorted(glob.glob(os.path.join(ROOT, "lab/*/*.toml")))
    seeds = [open(f, "rb").read() for f in files]
    seeds.append(b'[tunnel.t]\nlocal_address = "192.0.2.1"\nremote_address = "198.51.100.1"\n'
                 b'psk = "a-shared-secret"\nlocal_ts = "10.1.0.0/16"\nremote_ts = "10.2.0.0/16"\n')
    seeds.append(b'[connection.vpn]\nprofile = "aws"\nlocal_address = "192.0.2.1"\n'
                 b'[[connection.vpn.tunnel]]\nremote_address = "198.51.100.1"\npsk = "secret-one"\n')
    return seeds


TARGETS = {"ike-decode": ike_decode, "sk-open": sk_open, "esp-decap": esp_decap,
           "ike-responder": ike_responder, "config": config}

if __name__ == "__main__":
    target, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for seed in TARGETS[target]():
        name = "seed-" + hashlib.sha1(seed).hexdigest()
        path = os.path.join(out, name)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(seed)
