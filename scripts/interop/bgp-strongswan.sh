#!/usr/bin/env bash
# BGP between iked (profile = "aws", the AWS VPN endpoint, a [connection.vpn] of two tunnels)
# and a customer gateway set up as AWS's download for a dynamically routed connection describes
# it: strongSwan for IPsec (a connection per tunnel, 0.0.0.0/0 selectors both ways, AES128/SHA1
# with PFS, DPD 10 s with restart, retries forever) and one BIRD 2 for BGP (customer ASN 65000 on
# each tunnel's inside .2, neighbor AWS's .1 as AS 64512, announcing the customer's network, ECMP
# over both tunnels). No static route to the other side exists on either gateway: each must learn
# the other's prefix through BGP over both tunnels. Then tunnel 1's AWS outside address is cut in
# the middle namespace and the ping must be back on tunnel 2 within the BGP hold time + 2 s; the
# cut heals and both tunnels carry BGP again; when iked stops, BIRD on both sides withdraws.
#
# AWS's download gives each tunnel a VTI (its own interface, steered by a mark). strongSwan's
# userspace ESP here (kernel-libipsec; this kernel has no XFRM) has one TUN per charon for all its
# SAs and picks the SA by policy, so two 0.0.0.0/0 tunnels in one charon cannot be steered apart.
# The customer gateway therefore runs two charon instances in its namespace, one per tunnel, each
# with its own TUN (the VTI's part) and private /run; the second uses IKE ports 501/4501, so both
# tunnels still come from the one customer gateway address, as in AWS's connection. One BIRD
# peers over both TUNs. The hold time is 6 s on the customer's BIRD (AWS: 30 s; BGP uses the
# lower one), so the cut is noticed in seconds.
#
#   ikb-vm 10.1.1.4 -- ikb-cgw (2 x strongSwan + BIRD, 198.51.100.1) -- ikb-mid (router) --
#        ikb-aws (iked aws + BIRD, 192.0.2.1 and 192.0.2.2) -- ikb-ec2 10.2.1.10
#
# Usage (as root): scripts/interop/bgp-strongswan.sh [BIN_DIR]   (default .build/debug)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${1:-$REPO/.build/debug}"
WORK=/tmp/iked-bgp-strongswan
NS_A=ikb-aws NS_M=ikb-mid NS_C=ikb-cgw
T1=192.0.2.1 T2=192.0.2.2 CGW=198.51.100.1
HOLD=6
PSK1="tunnel1.key.$RANDOM$RANDOM" PSK2="tunnel2.key.$RANDOM$RANDOM"

[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }
[ -x "$BIN/iked" ] || { echo "missing $BIN/iked (swift build first)" >&2; exit 1; }
. "$REPO/scripts/lib/checks.sh"
. "$REPO/scripts/lib/strongswan.sh"
. "$REPO/scripts/lib/deps.sh"
install_missing bird2 nftables
NAMESPACES=("$NS_A" "$NS_M" "$NS_C" ikb-vm ikb-ec2)
trap_cleanup
stop_all
rm -rf "$WORK"
mkdir -p "$WORK/aws/iked.d" "$WORK/swan1" "$WORK/swan2" "$WORK/cgw"
chmod 700 "$WORK"

routed_sites "$NS_A" "$T1 $T2" 192.0.2.254 "$NS_M" "$NS_C" "$CGW" 198.51.100.254
add_host ikb-ec2 "$NS_A" 10.2.1.10/24 10.2.1.1
add_host ikb-vm "$NS_C" 10.1.1.4/24 10.1.1.1
ip netns exec "$NS_C" sysctl -qw net.ipv4.conf.all.rp_filter=0

cat >"$WORK/aws/iked.toml" <<CONF
[daemon]
control_socket = "$WORK/aws/iked.sock"
log_level = "debug"
bird_config_dir = "$WORK/aws/iked.d"
bird_socket = "$WORK/aws/bird.ctl"

# AS 64512 and hold time 30 s are AWS's defaults (profile = "aws").
[connection.vpn]
profile = "aws"

[connection.vpn.bgp]
peer_asn = 65000
announce = ["10.2.0.0/16"]       # the VPC

[[connection.vpn.tunnel]]
local_address = "$T1"
remote_address = "$CGW"
inside_address = "169.254.21.1/30"
psk = "$PSK1"

[[connection.vpn.tunnel]]
local_address = "$T2"
remote_address = "$CGW"
inside_address = "169.254.22.1/30"
psk = "$PSK2"
CONF
chmod 600 "$WORK/aws/iked.toml"
iked_bird_conf "$WORK/aws" $T1

# The customer gateway's strongSwan, as AWS's strongSwan download sets up each tunnel (swanctl
# form; dpdtimeout 30 s becomes charon's retransmission schedule), one charon per tunnel.
tunnel_conf() {  # NAME AWS_ADDRESS PSK
  echo "connections {"
  swan_aws_tunnel "$1" $CGW "$2"
  echo "}"
  echo "secrets { ike-1 { id = $2"$'\n'"  secret = \"$3\" } }"
}
retransmit=("retransmit_timeout = 4" "retransmit_base = 1.4" "retransmit_tries = 3")
swan_conf "$WORK/swan1" "${retransmit[@]}"
swan_conf "$WORK/swan2" "${retransmit[@]}" "port = 501" "port_nat_t = 4501"
tunnel_conf tunnel1 $T1 "$PSK1" >"$WORK/swan1/swanctl.conf"
tunnel_conf tunnel2 $T2 "$PSK2" >"$WORK/swan2/swanctl.conf"
# The customer gateway's BIRD, as AWS's download describes its BGP part: its own ASN 65000, each
# tunnel's AWS inside address as a neighbor with AS 64512, the customer's network announced, and
# both tunnels' routes installed as one multipath route (AWS: "ECMP over both tunnels").
bgp_tunnel() {  # NAME LOCAL NEIGHBOR
  cat <<CONF
protocol bgp $1 {
  local $2 as 65000;
  neighbor $3 as 64512;
  hold time $HOLD;                 # AWS's download: 30 s; shortened for the test
  keepalive time 2;
  connect retry time 2;
  ipv4 {
    import all;
    export where net = 10.1.0.0/16;
  };
}
CONF
}
{
  cat <<CONF
router id $CGW;
log "$WORK/cgw/bird.log" all;
protocol device {}
protocol kernel {
  ipv4 { export where proto != "lan"; };
  merge paths on;
}
protocol static lan {
  ipv4;
  route 10.1.0.0/16 blackhole;
}
CONF
  bgp_tunnel aws_tunnel1 169.254.21.2 169.254.21.1
  bgp_tunnel aws_tunnel2 169.254.22.2 169.254.22.1
} >"$WORK/cgw/bird.conf"
# kernel-libipsec routes 0.0.0.0/0 into its TUN in table 220 (ip rule 220): the main table comes
# first here, so only BIRD's routes steer traffic into a tunnel (what the VTIs do on AWS's setup).
ip -n "$NS_C" rule add lookup main pref 100

echo "== iked (AWS, two tunnels, BGP) and its BIRD; 2 x strongSwan + BIRD as the customer gateway"
for side in aws cgw; do
  ns=$NS_A; [ $side = cgw ] && ns=$NS_C
  start_bird "$ns" "$WORK/$side/bird.conf" "$WORK/$side/bird.ctl"
done
wait_sockets "$WORK/aws/bird.ctl" "$WORK/cgw/bird.ctl"
"$BIN/iked" --check --config "$WORK/aws/iked.toml"
launch_iked "$NS_A" "$WORK/aws/iked.toml" "$WORK/aws/iked.log" "$WORK/aws/iked.sock"
AWS_PID=$IKED_PID

ctl() { "$BIN/ikectl" --socket "$WORK/aws/iked.sock" "$@"; }
field() { tunnel_field "$WORK/aws/iked.sock" "$@"; }  # TUNNEL EXPR
up() { [ "$(field "$1" "t['state']")" = up ]; }
tuns() { ip -n "$NS_C" -o link show type tun | grep -oE 'ipsec[0-9]+' | sort | tr '\n' ' '; }

# One charon at a time, so each one's TUN is known: the first makes ipsec0, the second ipsec1.
# The customer's inside address of each tunnel goes on that tunnel's TUN, as on a VTI.
swan_start "$NS_C" "$WORK/swan1"
check "tunnel 1 comes up (the customer gateway initiates)" wait_for 30 up vpn-1
check "the first charon's TUN is ipsec0" wait_for 5 test "$(tuns)" = "ipsec0 "
swan_start "$NS_C" "$WORK/swan2"
check "tunnel 2 comes up from the same address (IKE ports 501/4501)" wait_for 30 up vpn-2
check "the second charon's TUN is ipsec1" wait_for 5 test "$(tuns)" = "ipsec0 ipsec1 "
check "iked has tunnel 1's peer at 198.51.100.1:4500 and tunnel 2's at 198.51.100.1:4501 (status ike_sa.remote)" \
  test "$(field vpn-1 "t['ike_sa']['remote']") $(field vpn-2 "t['ike_sa']['remote']")" = "198.51.100.1:4500 198.51.100.1:4501"
ip -n "$NS_C" addr add 169.254.21.2/30 dev ipsec0
ip -n "$NS_C" addr add 169.254.22.2/30 dev ipsec1

established_iked() { [ "$(field "$1" "(t['bgp'] or {}).get('state')")" = Established ]; }
established_cgw() { birdc -s "$WORK/cgw/bird.ctl" show protocols "$1" | grep -q Established; }
all_established() {
  established_iked vpn-1 && established_iked vpn-2 && established_cgw aws_tunnel1 && established_cgw aws_tunnel2
}
devs() { ip -n "$1" route show "$2" | grep -oE 'dev (ike-vpn-[12]|ipsec[01])' | sed 's/dev //' | sort | tr '\n' ' '; }
both_ways() { [ "$(devs $NS_A 10.1.0.0/16)" = "ike-vpn-1 ike-vpn-2 " ] && [ "$(devs $NS_C 10.2.0.0/16)" = "ipsec0 ipsec1 " ]; }
pings_ok() { ip netns exec ikb-vm ping -c "${1:-3}" -i 0.3 -W 1 10.2.1.10 >/dev/null 2>&1; }
start_ms=$(now_ms)
check "all four BGP sessions are Established (iked's status from its BIRD, and the customer's BIRD)" wait_for 40 all_established
echo "  BGP established $(( $(now_ms) - start_ms )) ms after both tunnels were up"
ctl status || true
check "each side learns the other's prefix from BIRD over both tunnels (kernel ECMP routes)" wait_for 10 both_ways
ip -n "$NS_C" route show 10.2.0.0/16
ip -n "$NS_A" route show 10.1.0.0/16
check "the customer's route to 10.2.0.0/16 is BIRD's, via both AWS inside addresses" \
  sh -c "ip -n $NS_C route show 10.2.0.0/16 | grep -q 'proto bird' && ip -n $NS_C route show 10.2.0.0/16 | grep -q 'via 169.254.21.1 dev ipsec0' && ip -n $NS_C route show 10.2.0.0/16 | grep -q 'via 169.254.22.1 dev ipsec1'"
check "iked's side learns 10.1.0.0/16 via both customer inside addresses" \
  sh -c "ip -n $NS_A route show 10.1.0.0/16 | grep -q 'via 169.254.21.2 dev ike-vpn-1' && ip -n $NS_A route show 10.1.0.0/16 | grep -q 'via 169.254.22.2 dev ike-vpn-2'"
check "status: vpn-1 imported 1 prefix and exported 1" test "$(field vpn-1 "(t['bgp']['imported'], t['bgp']['exported'])")" = "(1, 1)"
check "status: vpn-2 imported 1 prefix and exported 1" test "$(field vpn-2 "(t['bgp']['imported'], t['bgp']['exported'])")" = "(1, 1)"
check "ping VM 10.1.1.4 -> EC2 10.2.1.10 along the BGP routes" wait_for 10 pings_ok 5
ctl export vpn --format aws-generic >"$WORK/export.txt"
check "ikectl export aws-generic has the BGP part the customer side was set up from, for both tunnels" \
  sh -c "grep -q '#4: Border Gateway Protocol (BGP) Configuration' '$WORK/export.txt' && grep -q 'Neighbor IP Address *: 169.254.21.1' '$WORK/export.txt' && grep -q 'Neighbor IP Address *: 169.254.22.1' '$WORK/export.txt'"

echo "== cut tunnel 1's AWS outside address ($T1) in the middle namespace"
before2=$(field vpn-2 "sum(c['packets_in'] for c in t['child_sas'])")
cut_address "$NS_M" $T1
on_tunnel2() { [ "$(devs $NS_A 10.1.0.0/16)" = "ike-vpn-2 " ] && [ "$(devs $NS_C 10.2.0.0/16)" = "ipsec1 " ]; }
wait_moved 30000 on_tunnel2 ikb-vm 10.2.1.10 || true
echo "  both sides' routes on tunnel 2 only after ${MOVED_MS:-never} ms; ping through tunnel 2 after ${BACK_MS:-never} ms (hold time ${HOLD} s)"
check "the ping is back on tunnel 2 within the hold time + 2 s ($(( HOLD + 2 )) s): ${BACK_MS:-never} ms" \
  test -n "$BACK_MS" -a "${BACK_MS:-99999}" -le $(( (HOLD + 2) * 1000 ))
check "tunnel 2's Child SA carried the pings" test "$(field vpn-2 "sum(c['packets_in'] for c in t['child_sas'])")" -gt "$before2"
check "the customer's BIRD has tunnel 1's session down" sh -c "! birdc -s '$WORK/cgw/bird.ctl' show protocols aws_tunnel1 | grep -q Established"
not_established() { ! established_iked "$@"; }
check "iked's status: tunnel 1's session is no longer Established" not_established vpn-1

echo "== heal the cut: both tunnels carry BGP again"
heal_cut "$NS_M"
heal_ms=$(now_ms)
# The IPsec SAs outlive the short cut; BGP is back when the customer's BIRD takes a session again:
# its error wait time is BIRD's default (60 s after the hold timer fired), as AWS's download leaves it.
check "all four BGP sessions are Established again" wait_for 90 all_established
check "the routes go through both tunnels again (ECMP)" wait_for 10 both_ways
echo "  both tunnels carry BGP again $(( $(now_ms) - heal_ms )) ms after the heal"
check "ping VM -> EC2 after the heal" wait_for 10 pings_ok 3

echo "== stop iked: BIRD withdraws on both sides"
kill "$AWS_PID"
stop_ms=$(now_ms)
gone=""
for i in $(seq 1 150); do
  if [ -z "$(ip -n $NS_C route show 10.2.0.0/16)" ] && [ -z "$(ip -n $NS_A route show 10.1.0.0/16)" ]; then
    gone=$(( $(now_ms) - stop_ms )); break
  fi
  sleep 0.1
done
echo "  routes withdrawn on both sides ${gone:-never} ms after SIGTERM (hold time ${HOLD} s)"
check "the customer's route to 10.2.0.0/16 and iked's to 10.1.0.0/16 are withdrawn within the hold time + 2 s" \
  test -n "$gone" -a "${gone:-99999}" -le $(( (HOLD + 2) * 1000 ))
for p in aws_tunnel1 aws_tunnel2; do
  check "iked's BIRD told the customer's ($p) as it stopped, while the tunnel still stood" \
    sh -c "birdc -s '$WORK/cgw/bird.ctl' show protocols all $p | grep -q 'Received: Peer de-configured'"
done
wait "$AWS_PID" 2>/dev/null && rc=0 || rc=$?
check "iked exited 0 and left no fragment" sh -c "[ $rc = 0 ] && [ -z \"\$(ls '$WORK/aws/iked.d')\" ]"
check "no key in iked's log" sh -c "! grep -qF '$PSK1' '$WORK/aws/iked.log' && ! grep -qF '$PSK2' '$WORK/aws/iked.log'"

[ "$FAILS" = 0 ] || {
  echo "bgp-strongswan: $FAILS checks failed; logs in $WORK (IKED_INTEROP_KEEP=1 keeps them)"
  tail -20 "$WORK/aws/iked.log"; tail -20 "$WORK/cgw/bird.log"
  tail -20 "$WORK/swan1/charon.log"; tail -20 "$WORK/swan2/charon.log"
  exit 1
}
echo "bgp-strongswan: all checks passed"
