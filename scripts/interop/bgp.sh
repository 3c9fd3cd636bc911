#!/usr/bin/env bash
# BGP over the tunnels' inside addresses with BIRD 2 (issue 11, docs/routing.md): iked with
# profile = "aws" (a [connection.vpn] of two tunnels, ASN 64512, AWS on .1 of each inside /30)
# against iked with profile = "azure" (a [connection.aws] of two tunnels from one address, ASN
# 65515 on the APIPA .2, passive), each gateway with its own BIRD whose bird.conf is the one
# docs/routing.md asks operators for (an include of iked's fragments, a kernel protocol with
# merge paths). No static route to the other side's prefix exists anywhere: each side must learn
# it through BGP, over both tunnels (ECMP). Then tunnel 1's AWS outside address is cut in the
# middle namespace and the ping must be back on tunnel 2 within the BGP hold time + 2 s; the
# test shortens the hold time to 6 s (keepalive 2 s) on both sides, where AWS uses 30 s and
# Azure 180 s. The cut heals and both sessions come back; finally iked stops and the routes it
# brought must be withdrawn on both sides.
#
#   ikb-vm 10.1.1.4 -- ikb-azure (iked azure + BIRD, 203.0.113.10) -- ikb-mid (router) --
#        ikb-aws (iked aws + BIRD, 192.0.2.1 and 192.0.2.2) -- ikb-ec2 10.2.1.10
#
# Usage (as root): scripts/interop/bgp.sh [BIN_DIR]   (default .build/debug)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${1:-$REPO/.build/debug}"
WORK=/tmp/iked-bgp
NS_A=ikb-aws NS_M=ikb-mid NS_Z=ikb-azure
T1=192.0.2.1 T2=192.0.2.2 AZ=203.0.113.10
HOLD=6
PSK1="tunnel1.key.$RANDOM$RANDOM" PSK2="tunnel2.key.$RANDOM$RANDOM"

[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }
[ -x "$BIN/iked" ] || { echo "missing $BIN/iked (swift build first)" >&2; exit 1; }
. "$REPO/scripts/lib/checks.sh"
. "$REPO/scripts/lib/deps.sh"
install_missing bird2 nftables iproute2 iputils-ping python3
NAMESPACES=("$NS_A" "$NS_M" "$NS_Z" ikb-vm ikb-ec2)
trap_cleanup
stop_all
rm -rf "$WORK"
mkdir -p "$WORK/aws/iked.d" "$WORK/azure/iked.d"
chmod 700 "$WORK"

routed_sites "$NS_A" "$T1 $T2" 192.0.2.254 "$NS_M" "$NS_Z" "$AZ" 203.0.113.254
add_host ikb-ec2 "$NS_A" 10.2.1.10/24 10.2.1.1
add_host ikb-vm "$NS_Z" 10.1.1.4/24 10.1.1.1

# The AWS side: one VPN connection, two tunnels, BGP on both (AWS's values but the hold time).
cat >"$WORK/aws/iked.toml" <<CONF
[daemon]
control_socket = "$WORK/aws/iked.sock"
log_level = "debug"
bird_config_dir = "$WORK/aws/iked.d"
bird_socket = "$WORK/aws/bird.ctl"

[connection.vpn]
profile = "aws"

[connection.vpn.bgp]
peer_asn = 65515
announce = ["10.2.0.0/16"]
hold_time = "${HOLD}s"           # AWS: 30 s; shortened so the test waits seconds, not half a minute

[[connection.vpn.tunnel]]
local_address = "$T1"
remote_address = "$AZ"
inside_address = "169.254.21.1/30"
psk = "$PSK1"

[[connection.vpn.tunnel]]
local_address = "$T2"
remote_address = "$AZ"
inside_address = "169.254.22.1/30"
psk = "$PSK2"
CONF

# The Azure side: an active-active gateway's two tunnels to the AWS connection's two addresses
# (here from one address), peering from the APIPA .2 of each /30 and waiting for AWS to connect.
cat >"$WORK/azure/iked.toml" <<CONF
[daemon]
control_socket = "$WORK/azure/iked.sock"
log_level = "debug"
bird_config_dir = "$WORK/azure/iked.d"
bird_socket = "$WORK/azure/bird.ctl"

[connection.aws]
profile = "azure"

[connection.aws.bgp]
peer_asn = 64512
announce = ["10.1.0.0/16"]
hold_time = "${HOLD}s"           # Azure: 180 s (keepalive 60 s); shortened for the test
keepalive = "2s"

[[connection.aws.tunnel]]
local_address = "$AZ"
remote_address = "$T1"
inside_address = "169.254.21.2/30"
psk = "$PSK1"

[[connection.aws.tunnel]]
local_address = "$AZ"
remote_address = "$T2"
inside_address = "169.254.22.2/30"
psk = "$PSK2"
CONF
chmod 600 "$WORK/aws/iked.toml" "$WORK/azure/iked.toml"

iked_bird_conf "$WORK/aws" $T1
iked_bird_conf "$WORK/azure" $AZ

echo "== iked --check refuses an Azure tunnel that would initiate BGP, naming the key"
sed -e 's/^keepalive = "2s"/&\npassive = false/' "$WORK/azure/iked.toml" >"$WORK/bad.toml"
chmod 600 "$WORK/bad.toml"
"$BIN/iked" --check --config "$WORK/bad.toml" >"$WORK/bad.out" 2>&1 && bad_rc=0 || bad_rc=$?
check "iked --check exits 1" test "$bad_rc" = 1
check "connection.aws.tunnel[0].bgp.passive is named with Azure's rule" \
  grep -q 'connection.aws.tunnel\[0\].bgp.passive: false: Azure VPN Gateway never initiates BGP on its APIPA addresses' "$WORK/bad.out"

echo "== BIRD 2 in both gateway namespaces, then iked (aws waits, azure initiates)"
bird --version 2>&1 | head -1
for side in aws azure; do
  ns=$NS_A; [ $side = azure ] && ns=$NS_Z
  start_bird "$ns" "$WORK/$side/bird.conf" "$WORK/$side/bird.ctl"
done
wait_sockets "$WORK/aws/bird.ctl" "$WORK/azure/bird.ctl"
"$BIN/iked" --check --config "$WORK/aws/iked.toml"
"$BIN/iked" --check --config "$WORK/azure/iked.toml"
launch_iked "$NS_A" "$WORK/aws/iked.toml" "$WORK/aws/iked.log" "$WORK/aws/iked.sock"
AWS_PID=$IKED_PID
launch_iked "$NS_Z" "$WORK/azure/iked.toml" "$WORK/azure/iked.log" "$WORK/azure/iked.sock"
AZURE_PID=$IKED_PID

ctl() { local side=$1; shift; "$BIN/ikectl" --socket "$WORK/$side/iked.sock" "$@"; }
field() { local side=$1; shift; tunnel_field "$WORK/$side/iked.sock" "$@"; }  # SIDE TUNNEL EXPR
birdc_() { local side=$1; shift; birdc -s "$WORK/$side/bird.ctl" "$@"; }
# devs NS PREFIX: the tunnel interfaces the kernel route to PREFIX goes through, sorted.
devs() { ip -n "$1" route show "$2" | grep -oE 'dev ike-[a-z0-9-]+' | sed 's/dev //' | sort | tr '\n' ' '; }
established() {  # SIDE TUNNEL
  [ "$(field "$1" "$2" "(t['bgp'] or {}).get('state')")" = Established ]
}
all_established() {
  established aws vpn-1 && established aws vpn-2 && established azure aws-1 && established azure aws-2
}
both_ways() { [ "$(devs $NS_A 10.1.0.0/16)" = "ike-vpn-1 ike-vpn-2 " ] && [ "$(devs $NS_Z 10.2.0.0/16)" = "ike-aws-1 ike-aws-2 " ]; }
pings_ok() { ip netns exec ikb-vm ping -c "${1:-3}" -i 0.3 -W 1 10.2.1.10 >/dev/null 2>&1; }
both_up() { [ "$(field aws vpn-1 "t['state']")" = up ] && [ "$(field aws vpn-2 "t['state']")" = up ]; }

check "both tunnels come up (Azure initiates, AWS waits)" wait_for 30 both_up
start_ms=$(now_ms)
check "all four BGP sessions are Established (ikectl status, from birdc)" wait_for 30 all_established
echo "  BGP established $(( $(now_ms) - start_ms )) ms after both tunnels were up"
ctl aws status || true
ctl azure status || true
check "each side learns the other's prefix from BIRD over both tunnels (kernel ECMP routes)" wait_for 10 both_ways
ip -n "$NS_A" route show 10.1.0.0/16
ip -n "$NS_Z" route show 10.2.0.0/16
birdc_ azure show route 10.2.0.0/16 >"$WORK/azure-route.txt" || true
cat "$WORK/azure-route.txt"
check "BIRD on the Azure side has 10.2.0.0/16 from both AWS inside addresses" \
  sh -c "grep -q '169.254.21.1' '$WORK/azure-route.txt' && grep -q '169.254.22.1' '$WORK/azure-route.txt'"
check "the kernel routes are BIRD's (proto bird), not static ones" \
  sh -c "ip -n $NS_A route show 10.1.0.0/16 | grep -q 'proto bird' && ip -n $NS_Z route show 10.2.0.0/16 | grep -q 'proto bird'"
check "iked installed no static route to the other side (routes default to none with bgp)" \
  test -z "$(ip -n $NS_A route show proto boot 10.1.0.0/16; ip -n $NS_Z route show proto boot 10.2.0.0/16)"
check "the announce routes stay out of the kernel (no blackhole for 10.2.0.0/16 on the AWS side)" \
  sh -c "! ip -n $NS_A route show type blackhole | grep -q 10.2.0.0/16"
check "status: vpn-1 imported 1 prefix and exported 1" test "$(field aws vpn-1 "(t['bgp']['imported'], t['bgp']['exported'])")" = "(1, 1)"
check "status: the Azure side peers from the APIPA .2 as AS 65515 to AS 64512" \
  test "$(field azure aws-1 "(t['bgp']['local_asn'], t['bgp']['peer_asn'], t['bgp']['neighbor'])")" = "(65515, 64512, '169.254.21.1')"
check "ikectl status (table) shows the session" sh -c "'$BIN/ikectl' --socket '$WORK/aws/iked.sock' status | grep -q '^vpn-1: bgp Established, AS 64512 -> 65515 at 169.254.21.2, 1 imported, 1 exported (iked_vpn_1)'"
check "iked wrote one fragment per tunnel, mode 644" \
  test "$(cd "$WORK/aws/iked.d" && stat -c '%n %a' -- * | tr '\n' ' ')" = "iked_vpn_1.conf 644 iked_vpn_2.conf 644 "
check "ping VM 10.1.1.4 -> EC2 10.2.1.10" pings_ok 5

echo "== cut tunnel 1's AWS outside address ($T1) in the middle namespace"
before2=$(field aws vpn-2 "sum(c['packets_in'] for c in t['child_sas'])")
cut_address "$NS_M" $T1
on_tunnel2() { [ "$(devs $NS_A 10.1.0.0/16)" = "ike-vpn-2 " ] && [ "$(devs $NS_Z 10.2.0.0/16)" = "ike-aws-2 " ]; }
wait_moved 30000 on_tunnel2 ikb-vm 10.2.1.10 || true
echo "  both sides' routes on tunnel 2 only after ${MOVED_MS:-never} ms; ping through tunnel 2 after ${BACK_MS:-never} ms (hold time ${HOLD} s)"
check "the ping is back on tunnel 2 within the hold time + 2 s ($(( HOLD + 2 )) s): ${BACK_MS:-never} ms" \
  test -n "$BACK_MS" -a "${BACK_MS:-99999}" -le $(( (HOLD + 2) * 1000 ))
check "tunnel 2's Child SA carried the pings" test "$(field aws vpn-2 "sum(c['packets_in'] for c in t['child_sas'])")" -gt "$before2"
not_established() { ! established "$@"; }
check "status: tunnel 1's session is no longer Established (AWS side)" not_established aws vpn-1
ctl aws status || true

echo "== heal the cut: both tunnels carry BGP again"
heal_cut "$NS_M"
heal_ms=$(now_ms)
check "all four BGP sessions are Established again" wait_for 60 all_established
check "the routes go through both tunnels again (ECMP)" wait_for 10 both_ways
echo "  both tunnels carry BGP again $(( $(now_ms) - heal_ms )) ms after the heal"
check "ping VM -> EC2 after the heal" wait_for 10 pings_ok 3

echo "== stop iked on the AWS side: BIRD withdraws what the sessions brought, on both sides"
kill "$AWS_PID"
stop_ms=$(now_ms)
gone() { [ -z "$(ip -n $NS_A route show 10.1.0.0/16)" ] && [ -z "$(ip -n $NS_Z route show 10.2.0.0/16)" ]; }
withdrawn=""
for i in $(seq 1 100); do gone && { withdrawn=$(( $(now_ms) - stop_ms )); break; }; sleep 0.1; done
echo "  routes withdrawn on both sides ${withdrawn:-never} ms after SIGTERM"
check "10.1.0.0/16 (AWS side) and 10.2.0.0/16 (Azure side) are gone from the kernel within 10 s" test -n "$withdrawn"
wait "$AWS_PID" 2>/dev/null && aws_rc=0 || aws_rc=$?
check "iked (AWS) exited 0" test "$aws_rc" = 0
check "iked (AWS) removed its fragments" test -z "$(ls "$WORK/aws/iked.d")"
no_iked_protocols() { ! birdc_ "$1" show protocols | grep -q iked_; }
check "BIRD (AWS) has no iked protocol left" no_iked_protocols aws
check "BIRD (Azure) has no route to 10.2.0.0/16 left" sh -c "! birdc -s '$WORK/azure/bird.ctl' show route 10.2.0.0/16 | grep -q 10.2.0.0"
check "the Azure side removed its fragments when the tunnels went (peer deleted the IKE SAs)" wait_for 5 test -z "$(ls "$WORK/azure/iked.d")"
kill "$AZURE_PID"; wait "$AZURE_PID" 2>/dev/null || true
check "no BIRD configure failed" sh -c "! grep -qE 'BGP: (birdc|cannot)' '$WORK/aws/iked.log' '$WORK/azure/iked.log'"
check "BIRD (Azure) has no iked protocol left" no_iked_protocols azure
check "no key in iked's logs" sh -c "! grep -qF '$PSK1' '$WORK'/*/iked.log && ! grep -qF '$PSK2' '$WORK'/*/iked.log"

[ "$FAILS" = 0 ] || {
  echo "bgp: $FAILS checks failed; logs in $WORK (IKED_INTEROP_KEEP=1 keeps them)"
  tail -20 "$WORK/aws/iked.log"; tail -20 "$WORK/azure/iked.log"; tail -20 "$WORK/aws/bird.log"
  exit 1
}
echo "bgp: all checks passed"
