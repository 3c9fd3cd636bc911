#!/usr/bin/env bash
# BGP between iked (profile = "aws", the AWS VPN endpoint) and a customer gateway set up as AWS's
# download for a dynamically routed connection describes it: strongSwan for IPsec (0.0.0.0/0
# selectors both ways, AES128/SHA1 with PFS, DPD 10 s with restart) and BIRD 2 for BGP (customer
# ASN 65000 on the inside address .2, neighbor AWS's .1 as AS 64512, announcing the customer's
# network). No static route to the other side exists on either gateway: each must learn the other's
# prefix through BGP, and the ping must cross; when iked stops, BIRD on both sides must withdraw.
#
# One tunnel: strongSwan's userspace ESP here (kernel-libipsec, this kernel has no XFRM) has one
# TUN for all its SAs and picks the SA by policy, so two 0.0.0.0/0 tunnels cannot be told apart
# the way AWS's download does it with a VTI and a mark per tunnel. The two-tunnel failover is
# scripts/interop/bgp.sh (iked against iked). The hold time is 6 s on the customer's BIRD (AWS:
# 30 s; BGP uses the lower one), so a withdrawal by timeout would take seconds.
#
#   ikb-vm 10.1.1.4 -- ikb-cgw (strongSwan + BIRD, 198.51.100.1) -- ikb-mid (router) --
#        ikb-aws (iked aws + BIRD, 192.0.2.1) -- ikb-ec2 10.2.1.10
#
# Usage (as root): scripts/interop/bgp-strongswan.sh [BIN_DIR]   (default .build/debug)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${1:-$REPO/.build/debug}"
WORK=/tmp/iked-bgp-strongswan
NS_A=ikb-aws NS_M=ikb-mid NS_C=ikb-cgw
T1=192.0.2.1 CGW=198.51.100.1
PSK="tunnel1.key.$RANDOM$RANDOM"

[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }
[ -x "$BIN/iked" ] || { echo "missing $BIN/iked (swift build first)" >&2; exit 1; }
. "$REPO/scripts/lib/checks.sh"
. "$REPO/scripts/lib/strongswan.sh"
. "$REPO/scripts/lib/deps.sh"
install_missing bird2
NAMESPACES=("$NS_A" "$NS_M" "$NS_C" ikb-vm ikb-ec2)
trap_cleanup
stop_all
rm -rf "$WORK"
mkdir -p "$WORK/aws/iked.d" "$WORK/swan" "$WORK/cgw"
chmod 700 "$WORK"

routed_sites "$NS_A" "$T1" 192.0.2.254 "$NS_M" "$NS_C" "$CGW" 198.51.100.254
add_host ikb-ec2 "$NS_A" 10.2.1.10/24 10.2.1.1
add_host ikb-vm "$NS_C" 10.1.1.4/24 10.1.1.1
ip netns exec "$NS_C" sysctl -qw net.ipv4.conf.all.rp_filter=0

cat >"$WORK/aws/iked.toml" <<CONF
[daemon]
control_socket = "$WORK/aws/iked.sock"
log_level = "debug"
bird_config_dir = "$WORK/aws/iked.d"
bird_socket = "$WORK/aws/bird.ctl"

[tunnel.vpn]
profile = "aws"
local_address = "$T1"
remote_address = "$CGW"
inside_address = "169.254.21.1/30"
psk = "$PSK"

[tunnel.vpn.bgp]
peer_asn = 65000
announce = ["10.2.0.0/16"]       # the VPC; AS 64512 and hold time 30 s are AWS's defaults
CONF
chmod 600 "$WORK/aws/iked.toml"
cat >"$WORK/aws/bird.conf" <<CONF
router id $T1;
log "$WORK/aws/bird.log" all;
protocol device {}
protocol kernel {
  ipv4 { export where proto !~ "iked_*_announce"; };
  merge paths on;
}
include "$WORK/aws/iked.d/*.conf";
CONF

# The customer gateway's strongSwan, as AWS's strongSwan download sets it up (swanctl form).
swan_conf "$WORK/swan" "retransmit_timeout = 4" "retransmit_base = 1.4" "retransmit_tries = 3"
cat >"$WORK/swan/swanctl.conf" <<CONF
connections {
  tunnel1 {
    version = 2
    local_addrs = $CGW
    remote_addrs = $T1
    proposals = aes128-sha1-modp2048
    rekey_time = 8h
    dpd_delay = 10s
    keyingtries = 0
    encap = yes
    local { auth = psk
      id = $CGW }
    remote { auth = psk
      id = $T1 }
    children {
      tunnel1 {
        local_ts = 0.0.0.0/0
        remote_ts = 0.0.0.0/0
        esp_proposals = aes128-sha1-modp2048
        rekey_time = 1h
        dpd_action = restart
        start_action = start
      }
    }
  }
}
secrets { ike-1 { id = $T1
  secret = "$PSK" } }
CONF
# The customer gateway's BIRD, as AWS's download describes its BGP part: its own ASN 65000,
# AWS's inside address as neighbor with AS 64512, the customer's network announced.
cat >"$WORK/cgw/bird.conf" <<CONF
router id $CGW;
log "$WORK/cgw/bird.log" all;
protocol device {}
protocol kernel {
  ipv4 { export where proto != "lan"; };
}
protocol static lan {
  ipv4;
  route 10.1.0.0/16 blackhole;
}
protocol bgp aws_tunnel1 {
  local 169.254.21.2 as 65000;
  neighbor 169.254.21.1 as 64512;
  hold time 6;                     # AWS's download: 30 s; shortened for the test
  keepalive time 2;
  connect retry time 2;
  ipv4 {
    import all;
    export where net = 10.1.0.0/16;
  };
}
CONF

echo "== iked (AWS, BGP) and its BIRD; strongSwan + BIRD as the customer gateway"
for side in aws cgw; do
  ns=$NS_A; [ $side = cgw ] && ns=$NS_C
  start_bird "$ns" "$WORK/$side/bird.conf" "$WORK/$side/bird.ctl"
done
wait_sockets "$WORK/aws/bird.ctl" "$WORK/cgw/bird.ctl"
"$BIN/iked" --check --config "$WORK/aws/iked.toml"
launch_iked "$NS_A" "$WORK/aws/iked.toml" "$WORK/aws/iked.log" "$WORK/aws/iked.sock"
AWS_PID=$IKED_PID
swan_start "$NS_C" "$WORK/swan"

ctl() { "$BIN/ikectl" --socket "$WORK/aws/iked.sock" "$@"; }
field() { ctl status --json | python3 -c "import json,sys; t=json.load(sys.stdin)['tunnels'][0]; print($1)"; }
wait_for() { local i; for i in $(seq 1 "$1"); do "${@:2}" && return 0; sleep 1; done; return 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
up() { [ "$(field "t['state']")" = up ]; }
check "the tunnel comes up (the customer gateway initiates)" wait_for 30 up
# kernel-libipsec's TUN carries every SA; the customer's inside address goes on it, as on a VTI.
check "kernel-libipsec's TUN is there" wait_for 5 ip -n "$NS_C" link show ipsec0
ip -n "$NS_C" addr add 169.254.21.2/30 dev ipsec0
# kernel-libipsec routes 0.0.0.0/0 into its TUN in table 220: only BGP's routes may steer here.
ip -n "$NS_C" route flush table 220 2>/dev/null || true
ip -n "$NS_C" rule del table 220 2>/dev/null || true
ip -n "$NS_C" route show table all | grep -E '^(default|0.0.0.0|10\.)' || true

established_iked() { [ "$(field "(t['bgp'] or {}).get('state')")" = Established ]; }
established_cgw() { birdc -s "$WORK/cgw/bird.ctl" show protocols aws_tunnel1 | grep -q Established; }
start_ms=$(now_ms)
check "the BGP session is Established (iked's status from its BIRD)" wait_for 40 established_iked
check "the BGP session is Established (the customer's BIRD)" wait_for 5 established_cgw
echo "  BGP established $(( $(now_ms) - start_ms )) ms after the tunnel was up"
ctl status || true
learned() { ip -n "$1" route show "$2" | grep -q "proto bird"; }
check "the customer gateway learns the VPC 10.2.0.0/16 from iked's BIRD (via 169.254.21.1)" \
  wait_for 10 sh -c "ip -n $NS_C route show 10.2.0.0/16 | grep -q 'via 169.254.21.1 dev ipsec0 proto bird'"
check "iked's side learns the customer's 10.1.0.0/16 (via 169.254.21.2 on ike-vpn)" \
  wait_for 10 sh -c "ip -n $NS_A route show 10.1.0.0/16 | grep -q 'via 169.254.21.2 dev ike-vpn proto bird'"
check "status: 1 prefix imported, 1 exported" test "$(field "(t['bgp']['imported'], t['bgp']['exported'])")" = "(1, 1)"
check "ping VM 10.1.1.4 -> EC2 10.2.1.10 along the BGP routes" \
  wait_for 10 ip netns exec ikb-vm ping -c 3 -i 0.3 -W 1 10.2.1.10
ctl export vpn --format aws-generic >"$WORK/export.txt"
check "ikectl export aws-generic has the BGP part the customer side was set up from" \
  sh -c "grep -q '#4: Border Gateway Protocol (BGP) Configuration' '$WORK/export.txt' && grep -q 'Neighbor IP Address *: 169.254.21.1' '$WORK/export.txt'"

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
echo "  routes withdrawn on both sides ${gone:-never} ms after SIGTERM (hold time 6 s)"
check "the customer's route to 10.2.0.0/16 and iked's to 10.1.0.0/16 are withdrawn within the hold time + 2 s" \
  test -n "$gone" -a "${gone:-99999}" -le 8000
check "iked's BIRD told the customer's as it stopped, while the tunnel still stood (no wait for the hold time)" \
  sh -c "birdc -s '$WORK/cgw/bird.ctl' show protocols all aws_tunnel1 | grep -q 'Received: Peer de-configured'"
wait "$AWS_PID" 2>/dev/null && rc=0 || rc=$?
check "iked exited 0 and left no fragment" sh -c "[ $rc = 0 ] && [ -z \"\$(ls '$WORK/aws/iked.d')\" ]"
check "no key in iked's log" sh -c "! grep -qF '$PSK' '$WORK/aws/iked.log'"

[ "$FAILS" = 0 ] || {
  echo "bgp-strongswan: $FAILS checks failed; logs in $WORK (IKED_INTEROP_KEEP=1 keeps them)"
  tail -20 "$WORK/aws/iked.log"; tail -20 "$WORK/cgw/bird.log"; tail -20 "$WORK/swan/charon.log"
  exit 1
}
echo "bgp-strongswan: all checks passed"
