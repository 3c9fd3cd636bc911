#!/usr/bin/env bash
# iked <-> iked over IPv6 outer addresses (issue 5: "UDP sockets on 500 and 4500, IPv4 and IPv6"):
# IKE over UDP/IPv6, ESP in UDP 4500 over IPv6 (encap = true; raw ESP is IPv4-only for now),
# IPv4 inside. Checks that the tunnel comes up and a ping crosses it.
#
# Usage (as root): scripts/interop/iked-ipv6.sh [BIN_DIR]   (default .build/debug)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${1:-$REPO/.build/debug}"
WORK=/tmp/iked-ipv6
NS_A=ik6-azure
NS_B=ik6-aws
. "$REPO/scripts/lib/checks.sh"
NAMESPACES=("$NS_A" "$NS_B")
trap_cleanup

stop_all
rm -rf "$WORK"
mkdir -p "$WORK"
ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add ik6-a netns "$NS_A" type veth peer name ik6-b netns "$NS_B"
ip -n "$NS_A" addr add 2001:db8::1/64 dev ik6-a nodad
ip -n "$NS_B" addr add 2001:db8::2/64 dev ik6-b nodad
for ns in "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; done
ip -n "$NS_A" link set ik6-a up
ip -n "$NS_B" link set ik6-b up
ip -n "$NS_A" addr add 10.1.1.4/16 dev lo
ip -n "$NS_B" addr add 10.2.1.10/16 dev lo
write() { # FILE SOCK LOCAL REMOTE LTS RTS
  cat >"$1" <<CONF
[daemon]
control_socket = "$2"
[tunnel.t]
local_address = "$3"
remote_address = "$4"
psk = "ipv6-test-key"
local_ts = "$5"
remote_ts = "$6"
encap = true
CONF
}
write "$WORK/a.toml" "$WORK/a.sock" 2001:db8::1 2001:db8::2 10.1.0.0/16 10.2.0.0/16
write "$WORK/b.toml" "$WORK/b.sock" 2001:db8::2 2001:db8::1 10.2.0.0/16 10.1.0.0/16
ip netns exec "$NS_A" "$BIN/iked" --config "$WORK/a.toml" 2>"$WORK/a.log" &
PIDS+=($!)
ip netns exec "$NS_B" "$BIN/iked" --config "$WORK/b.toml" 2>"$WORK/b.log" &
PIDS+=($!)
wait_sockets "$WORK/a.sock" "$WORK/b.sock"

echo "== iked <-> iked over IPv6"
check "ikectl up over IPv6" "$BIN/ikectl" --socket "$WORK/a.sock" up t
check "IKE over [2001:db8::2]:4500" grep -q '\[2001:db8::2\]:4500' "$WORK/a.log"
check "ping 10.1.1.4 -> 10.2.1.10 through ESP in UDP over IPv6" ip netns exec "$NS_A" ping -c 3 -i 0.2 -W 2 -I 10.1.1.4 10.2.1.10
if [ "$FAILS" -gt 0 ] && [ -n "${IKED_INTEROP_VERBOSE:-}" ]; then tail -30 "$WORK/a.log" "$WORK/b.log"; fi
echo "== iked <-> iked over IPv6: $FAILS failed checks"
[ "$FAILS" = 0 ]
