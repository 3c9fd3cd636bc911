# Captures ESP packets arriving in this namespace and sends them again, as they were (replays)
# and with one bit flipped, to the local gateway: "esp-inject.py LOCAL_IP COUNT". The gateway
# must drop every copy and count it (replay, authFailure); the tunnel must keep working.
import socket, sys

local, count = sys.argv[1], int(sys.argv[2])
rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
rx.settimeout(10)
print("listening", flush=True)   # the caller starts its traffic only after this line
captured = []
while len(captured) < count:
    data, _ = rx.recvfrom(65535)
    ihl = (data[0] & 0x0F) * 4
    captured.append(data[ihl:])
tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
for esp in captured:
    tx.sendto(esp, (local, 0))                    # the same packet again: a replay
    flipped = bytearray(esp)
    flipped[len(flipped) // 2] ^= 0x10            # one bit in the ciphertext
    flipped[4:8] = (0xFFFFFFF0).to_bytes(4, "big")  # a fresh sequence number, so only the ICV can catch it
    tx.sendto(bytes(flipped), (local, 0))
print(len(captured))
