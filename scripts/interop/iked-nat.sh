#!/usr/bin/env bash
# iked <-> iked across a NAT (issue 6): the "Azure" gateway (192.0.2.1) sits behind a middle
# namespace that masquerades it (nftables) as 198.51.100.254 towards the "AWS" gateway
# (198.51.100.1), which accepts any peer address (%any) proving the right identity. NAT
# detection moves both to UDP 4500, the tunnel comes up, and a ping and a TCP transfer with
# verified content cross it; NAT keepalives keep the mapping.
#
# Usage (as root): scripts/interop/iked-nat.sh [BIN_DIR]   (default .build/debug)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${1:-$REPO/.build/debug}"
WORK=/tmp/iked-nat
NS_A=ikn-azure
NS_M=ikn-nat
NS_B=ikn-aws
. "$REPO/scripts/lib/checks.sh"
NAMESPACES=("$NS_A" "$NS_M" "$NS_B")
trap_cleanup

stop_all
rm -rf "$WORK"
mkdir -p "$WORK"
for ns in "$NS_A" "$NS_M" "$NS_B"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add ikn-a netns "$NS_A" type veth peer name ikn-ma netns "$NS_M"
ip link add ikn-b netns "$NS_B" type veth peer name ikn-mb netns "$NS_M"
ip -n "$NS_A" addr add 192.0.2.1/24 dev ikn-a
ip -n "$NS_M" addr add 192.0.2.254/24 dev ikn-ma
ip -n "$NS_M" addr add 198.51.100.254/24 dev ikn-mb
ip -n "$NS_B" addr add 198.51.100.1/24 dev ikn-b
for l in "$NS_A ikn-a" "$NS_M ikn-ma" "$NS_M ikn-mb" "$NS_B ikn-b"; do set -- $l; ip -n "$1" link set "$2" up; done
ip -n "$NS_A" route add default via 192.0.2.254
ip -n "$NS_M" link set lo up
ip netns exec "$NS_M" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$NS_M" nft -f - <<'NFT'
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat;
    oifname "ikn-mb" masquerade
  }
}
NFT
ip -n "$NS_A" addr add 10.1.1.4/16 dev lo
ip -n "$NS_B" addr add 10.2.1.10/16 dev lo
printf 'nat-test-psk-%s\n' "$RANDOM$RANDOM" >"$WORK/shared.psk"
chmod 600 "$WORK/shared.psk"

cat >"$WORK/azure.toml" <<CONF
[daemon]
control_socket = "$WORK/azure.sock"
[tunnel.aws-vpc]
local_address = "192.0.2.1"
remote_address = "198.51.100.1"
local_id = "@azure-gw.example"
psk_file = "shared.psk"
local_ts = "10.1.0.0/16"
remote_ts = "10.2.0.0/16"
CONF
cat >"$WORK/aws.toml" <<CONF
[daemon]
control_socket = "$WORK/aws.sock"
[tunnel.azure-vnet]
local_address = "198.51.100.1"
remote_address = "%any"
remote_id = "@azure-gw.example"
psk_file = "shared.psk"
local_ts = "10.2.0.0/16"
remote_ts = "10.1.0.0/16"
CONF
ip netns exec "$NS_A" "$BIN/iked" --config "$WORK/azure.toml" 2>"$WORK/azure.log" &
PIDS+=($!)
ip netns exec "$NS_B" "$BIN/iked" --config "$WORK/aws.toml" 2>"$WORK/aws.log" &
PIDS+=($!)
wait_sockets "$WORK/azure.sock" "$WORK/aws.sock"
json() { "$BIN/ikectl" --socket "$1" status --json | python3 -c "import json,sys; t=json.load(sys.stdin)['tunnels'][0]; print($2)"; }

echo "== iked <-> iked across a NAT"
check "ikectl up across the NAT" "$BIN/ikectl" --socket "$WORK/azure.sock" up aws-vpc
check "both sides use UDP encapsulation" test "$(json "$WORK/azure.sock" "t['ike_sa']['udp_encapsulation']")$(json "$WORK/aws.sock" "t['ike_sa']['udp_encapsulation']")" = TrueTrue
check "the AWS side sees the NAT's address" grep -q '198.51.100.254' "$WORK/aws.log"
check "ping 10.1.1.4 -> 10.2.1.10 through the NAT (ESP in UDP)" ip netns exec "$NS_A" ping -c 5 -i 0.2 -W 2 -I 10.1.1.4 10.2.1.10
check "20 MB over TCP through the NAT, content verified" transfer_verified "$NS_B" 10.2.1.10 "$NS_A" 10.1.1.4 20000000
if [ "$FAILS" -gt 0 ] && [ -n "${IKED_INTEROP_VERBOSE:-}" ]; then tail -30 "$WORK/azure.log" "$WORK/aws.log"; fi
echo "== iked <-> iked across a NAT: $FAILS failed checks"
[ "$FAILS" = 0 ]
