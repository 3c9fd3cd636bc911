#!/usr/bin/env bash
# iked <-> iked over IPv6 outer addresses (issue 5: "UDP sockets on 500 and 4500, IPv4 and IPv6";
# issue 6: IPv6 inside the tunnel). Two runs between the same two namespaces:
#   raw    ESP as IP protocol 50 straight over IPv6 (no encapsulation)
#   encap  ESP in UDP 4500 over IPv6 (encap = true)
# Each tunnel is dual-stack inside: traffic selectors 10.1.0.0/16 + fd00:1::/64 <-> 10.2.0.0/16 +
# fd00:2::/64, IPv4 and IPv6 routes on the TUN, and an IPv6 inside address on each TUN
# (fd00:1::1, fd00:2::1); in A, interfaces start with IPv6 disabled, so iked has to turn it on
# for its TUN. Each run checks that the tunnel comes up with the expected
# encapsulation, that the outer packets on the wire are what it says (tcpdump), an IPv4 ping and
# two IPv6 pings (between addresses on lo and between the TUNs' inside addresses), and a 5 MB TCP
# transfer over IPv6 inside whose length and SHA-256 are compared end to end.
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
# The networks "behind" each gateway, on lo: the VM side 10.1.1.4 / fd00:1::4, the EC2 side
# 10.2.1.10 / fd00:2::10.
ip -n "$NS_A" addr add 10.1.1.4/16 dev lo
ip -n "$NS_B" addr add 10.2.1.10/16 dev lo
ip -n "$NS_A" addr add fd00:1::4/64 dev lo nodad
ip -n "$NS_B" addr add fd00:2::10/64 dev lo nodad
# Interfaces made from now on in A start with IPv6 off (as on hosts that disable it by default):
# iked must turn it on for its TUN, or the IPv6 routes, inside address and packets are refused.
ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.default.disable_ipv6=1

write() { # FILE SOCK LOCAL REMOTE LTS RTS INSIDE ENCAP
  cat >"$1" <<CONF
[daemon]
control_socket = "$2"
[tunnel.t]
local_address = "$3"
remote_address = "$4"
psk = "ipv6-test-key"
local_ts = $5
remote_ts = $6
inside_address = $7
encap = $8
CONF
}

# Stops the daemons of one run (the TUNs, their addresses and routes go with them).
stop_daemons() {
  local p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  PIDS=()
}

# outer_packets FILE FILTER: how many packets in the capture FILE match FILTER.
outer_packets() { tcpdump -nr "$1" "$2" 2>/dev/null | wc -l; }

run() { # MODE: raw | encap
  local mode=$1 encap=false
  [ "$mode" = encap ] && encap=true
  write "$WORK/a-$mode.toml" "$WORK/a.sock" 2001:db8::1 2001:db8::2 '["10.1.0.0/16", "fd00:1::/64"]' \
    '["10.2.0.0/16", "fd00:2::/64"]' '["169.254.21.1/30", "fd00:1::1/128"]' "$encap"
  write "$WORK/b-$mode.toml" "$WORK/b.sock" 2001:db8::2 2001:db8::1 '["10.2.0.0/16", "fd00:2::/64"]' \
    '["10.1.0.0/16", "fd00:1::/64"]' '["169.254.21.2/30", "fd00:2::1/128"]' "$encap"
  rm -f "$WORK/a.sock" "$WORK/b.sock"
  ip netns exec "$NS_A" "$BIN/iked" --config "$WORK/a-$mode.toml" 2>"$WORK/a-$mode.log" &
  PIDS+=($!)
  ip netns exec "$NS_B" "$BIN/iked" --config "$WORK/b-$mode.toml" 2>"$WORK/b-$mode.log" &
  PIDS+=($!)
  wait_sockets "$WORK/a.sock" "$WORK/b.sock"

  echo "== iked <-> iked over IPv6, $mode ESP, IPv4 and IPv6 inside"
  check "ikectl up over IPv6" "$BIN/ikectl" --socket "$WORK/a.sock" up t
  "$BIN/ikectl" --socket "$WORK/a.sock" status --json t >"$WORK/a-$mode.json"
  check "status: udp_encapsulation = $encap" test "$(python3 -c "import json; t=json.load(open('$WORK/a-$mode.json'))['tunnels'][0]; print(str(t['ike_sa']['udp_encapsulation']).lower())")" = "$encap"
  check "Child SA selectors are dual-stack" python3 -c "
import json, sys; c = json.load(open('$WORK/a-$mode.json'))['tunnels'][0]['child_sas'][0]
sys.exit(not ('fd00:1::/64' in c['local_ts'] and 'fd00:2::/64' in c['remote_ts'] and '10.2.0.0/16' in c['remote_ts']))"
  check "IPv6 turned on for the TUN although the namespace's default is off" \
    test "$(ip netns exec "$NS_A" cat /proc/sys/net/ipv6/conf/ike-t/disable_ipv6)" = 0
  check "IPv6 route fd00:2::/64 on the TUN" sh -c "ip -n $NS_A -6 route show dev ike-t | grep -q '^fd00:2::/64'"
  check "IPv6 inside address fd00:1::1/128 on the TUN" sh -c "ip -n $NS_A -6 addr show dev ike-t | grep -q 'inet6 fd00:1::1/128'"
  check "IPv4 inside address 169.254.21.1/30 on the TUN" sh -c "ip -n $NS_A -4 addr show dev ike-t | grep -q 'inet 169.254.21.1/30'"

  # What crosses the veth while the pings run: raw ESP is "ip6 proto 50", encap is UDP 4500.
  ip netns exec "$NS_B" timeout 15 tcpdump -i ik6-b -nU -w "$WORK/wire-$mode.pcap" 'ip6' 2>/dev/null &
  local dump=$!
  sleep 1
  check "ping 10.1.1.4 -> 10.2.1.10 (IPv4 inside)" ip netns exec "$NS_A" ping -c 3 -i 0.2 -W 2 -I 10.1.1.4 10.2.1.10
  check "ping -6 fd00:1::4 -> fd00:2::10 (IPv6 inside)" ip netns exec "$NS_A" ping -6 -c 3 -i 0.2 -W 2 -I fd00:1::4 fd00:2::10
  check "ping -6 fd00:2::10 -> fd00:1::4 (IPv6 inside, the other way)" ip netns exec "$NS_B" ping -6 -c 3 -i 0.2 -W 2 -I fd00:2::10 fd00:1::4
  check "ping -6 between the TUNs' inside addresses fd00:1::1 -> fd00:2::1" \
    ip netns exec "$NS_A" ping -6 -c 3 -i 0.2 -W 2 -I fd00:1::1 fd00:2::1
  sleep 0.5
  kill "$dump" 2>/dev/null || true
  wait "$dump" 2>/dev/null || true
  local esp udp
  esp=$(outer_packets "$WORK/wire-$mode.pcap" 'ip6 proto 50')
  udp=$(outer_packets "$WORK/wire-$mode.pcap" 'ip6 and udp port 4500')
  echo "        on the wire: $esp raw ESP, $udp UDP 4500"
  if [ "$mode" = raw ]; then
    check "the pings crossed as raw ESP over IPv6, nothing on UDP 4500" test "$esp" -ge 24 -a "$udp" = 0
  else
    check "the pings crossed as ESP in UDP 4500 over IPv6, no raw ESP" test "$udp" -ge 24 -a "$esp" = 0
  fi
  check "5 MB TCP over IPv6 inside fd00:1::4 -> fd00:2::10, content verified" \
    transfer_verified "$NS_B" fd00:2::10 "$NS_A" fd00:1::4 5000000
  "$BIN/ikectl" --socket "$WORK/a.sock" status --json >"$WORK/a-$mode-after.json"
  python3 -c "import json; print('        ESP drops:', json.load(open('$WORK/a-$mode-after.json')).get('esp_drops'))"
  # The TUN's own router solicitations (fe80:: -> ff02::2) are counted as linkLocal, nothing else.
  check "no ESP drops on the initiator but the TUN's link-local chatter" python3 -c "
import json, sys; d = json.load(open('$WORK/a-$mode-after.json'))
sys.exit(bool(set(d.get('esp_drops') or {}) - {'linkLocal'}))"
  if [ "$FAILS" -gt 0 ] && [ -n "${IKED_INTEROP_VERBOSE:-}" ]; then tail -30 "$WORK/a-$mode.log" "$WORK/b-$mode.log"; fi
  stop_daemons
}

run raw
run encap
echo "== iked <-> iked over IPv6: $FAILS failed checks"
[ "$FAILS" = 0 ]
