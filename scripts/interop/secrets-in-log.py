# Reads charon's key dumps ("TITLE => N bytes @ 0x..." followed by hex lines, logged with
# ike = 4 / chd = 4) and reports any of those secrets that appears in another log, as hex with
# or without separators: "secrets-in-log.py CHARON_LOG OTHER_LOG". Exit 0 when none is found
# (and at least one secret was read, so the check cannot pass vacuously).
import re, sys

WANTED = re.compile(r"secret|key|Sk_|SKEYSEED|nonce", re.I)
# AUTH's signed octets start with the plaintext IKE_SA_INIT message (SPIs iked logs): public.
PUBLIC = re.compile(r"octets", re.I)
TITLE = re.compile(r"^(.*?)\s*=> (\d+) bytes @ ")
HEXLINE = re.compile(r"^\s*\d+: ((?:[0-9A-F]{2} ?)+)")

secrets, current, want, collected = [], None, 0, ""
for raw in open(sys.argv[1], errors="replace"):
    line = raw.split("]", 1)[-1] if "]" in raw else raw
    m = TITLE.search(line)
    if m:
        if current and len(collected) >= 32:
            secrets.append((current, collected))
        current, want, collected = (m.group(1).strip() if WANTED.search(m.group(1)) and not PUBLIC.search(m.group(1)) else None), int(m.group(2)), ""
        continue
    h = HEXLINE.search(line)
    if current and h:
        collected += h.group(1).replace(" ", "").lower()
if current and len(collected) >= 32:
    secrets.append((current, collected))

other = open(sys.argv[2], errors="replace").read().lower()
flat = re.sub(r"[^0-9a-f]", "", other)
found = [(t, s) for t, s in secrets if any(s[i:i + 32] in other or s[i:i + 32] in flat for i in range(0, len(s) - 31, 16))]
print(f"{len(secrets)} secrets from charon's log; {len(found)} found in {sys.argv[2]}")
for t, s in found:
    print("  leaked:", t)
sys.exit(0 if secrets and not found else 1)
