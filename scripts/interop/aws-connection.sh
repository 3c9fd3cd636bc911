#!/usr/bin/env bash
# An AWS VPN connection (issue 8): iked with profile = "aws" and a [connection.NAME] of two
# tunnels stands in for the AWS endpoint (two outside addresses, two inside /30s, two keys);
# strongSwan is the customer gateway, configured as AWS's download for strongSwan describes it
# (a connection per tunnel, 0.0.0.0/0 selectors both ways, AES128/SHA1 with PFS, 8 h / 1 h
# lifetimes, DPD every 10 s with restart, retries forever), in swanctl form. Both tunnels come up,
# the VM host pings the EC2 host through tunnel 1; then tunnel 1's AWS outside address is cut in
# the middle namespace and the ping must come back through tunnel 2 once DPD has found tunnel 1
# dead on both sides; when the cut heals, tunnel 1 comes back and carries the traffic again.
#
#   icf-vm 10.1.1.4 -- icf-cgw (strongSwan, 198.51.100.1) -- icf-mid (router) --
#        icf-aws (iked, 192.0.2.1 and 192.0.2.2) -- icf-ec2 10.2.1.10
#
# With MODE ecmp the connection has `failover = "ecmp"`: both tunnels carry traffic through one
# equal-cost multipath route, which shrinks to tunnel 2 during the cut and grows back after.
#
# Usage (as root): scripts/interop/aws-connection.sh [BIN_DIR [active-standby|ecmp]]
# (default .build/debug active-standby)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${1:-$REPO/.build/debug}"
MODE="${2:-active-standby}"
case $MODE in active-standby|ecmp) ;; *) echo "unknown mode $MODE (active-standby, ecmp)" >&2; exit 2 ;; esac
WORK=/tmp/iked-aws-connection
NS_A=icf-aws NS_M=icf-mid NS_C=icf-cgw
T1=192.0.2.1 T2=192.0.2.2 CGW=198.51.100.1
# Keys that follow AWS's rule (8–64 of [A-Za-z0-9._], not starting with 0).
PSK1="tunnel1.key.$RANDOM$RANDOM" PSK2="tunnel2.key.$RANDOM$RANDOM"

[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }
[ -x "$BIN/iked" ] || { echo "missing $BIN/iked (swift build first)" >&2; exit 1; }
. "$REPO/scripts/lib/checks.sh"
. "$REPO/scripts/lib/strongswan.sh"
NAMESPACES=("$NS_A" "$NS_M" "$NS_C" icf-vm icf-ec2)
trap_cleanup
stop_all
rm -rf "$WORK"
mkdir -p "$WORK/swan"
chmod 700 "$WORK"

routed_sites "$NS_A" "$T1 $T2" 192.0.2.254 "$NS_M" "$NS_C" "$CGW" 198.51.100.254
add_host icf-ec2 "$NS_A" 10.2.1.10/24 10.2.1.1
add_host icf-vm "$NS_C" 10.1.1.4/24 10.1.1.1

cat >"$WORK/iked.toml" <<CONF
[daemon]
control_socket = "$WORK/iked.sock"
log_level = "debug"

# The AWS side: every value not written here is AWS's (profile = "aws").
[connection.vpn]
profile = "aws"
routes = ["10.1.0.0/16"]
failover = "$MODE"

[[connection.vpn.tunnel]]
local_address = "$T1"
remote_address = "$CGW"
inside_address = "169.254.10.1/30"
psk = "$PSK1"

[[connection.vpn.tunnel]]
local_address = "$T2"
remote_address = "$CGW"
inside_address = "169.254.11.1/30"
psk = "$PSK2"
CONF
chmod 600 "$WORK/iked.toml"

# The customer gateway, as AWS's strongSwan download sets it (ipsec.conf there, swanctl here).
# dpdtimeout 30 s becomes charon's retransmission schedule (4 + 5.6 + 7.8 + 11 s).
swan_conf "$WORK/swan" "retransmit_timeout = 4" "retransmit_base = 1.4" "retransmit_tries = 3"
{
  echo "connections {"
  swan_aws_tunnel tunnel1 $CGW $T1
  swan_aws_tunnel tunnel2 $CGW $T2
  echo "}"
  echo "secrets {"
  echo "  ike-1 { id = $T1"$'\n'"    secret = \"$PSK1\" }"
  echo "  ike-2 { id = $T2"$'\n'"    secret = \"$PSK2\" }"
  echo "}"
} >"$WORK/swan/swanctl.conf"
# kernel-libipsec routes 0.0.0.0/0 into its TUN in table 220: keep the AWS outside addresses
# and the LAN in the main table (what AWS's VTI and marks do on a real customer gateway).
ip -n "$NS_C" rule add to $T1/32 lookup main pref 100
ip -n "$NS_C" rule add to $T2/32 lookup main pref 100
ip -n "$NS_C" rule add to 10.1.0.0/16 lookup main pref 101
ip netns exec "$NS_C" sysctl -qw net.ipv4.conf.all.rp_filter=0

echo "== iked --check refuses what AWS would refuse, naming AWS's range"
sed -e 's/^failover = .*/&\nchild_lifetime = 7200\nike_proposals = "aes256-sha256-modp1536"/' "$WORK/iked.toml" >"$WORK/bad.toml"
chmod 600 "$WORK/bad.toml"
"$BIN/iked" --check --config "$WORK/bad.toml" >"$WORK/bad.out" 2>&1 && bad_rc=0 || bad_rc=$?
cat "$WORK/bad.out"
check "iked --check exits 1" test "$bad_rc" = 1
check "phase 2 lifetime 7200 s is refused with AWS's 900–3600 s" grep -q 'connection.vpn.tunnel\[0\].child_lifetime: 7200 s is outside what AWS allows for phase 2 (900–3600 s' "$WORK/bad.out"
check "DH group 5 in phase 1 is refused with AWS's groups 2, 14–24" grep -q 'ike_proposals: AWS does not allow DH group 5 (modp1536) in phase 1 (allowed: 2, 14–24)' "$WORK/bad.out"

echo "== iked (profile aws, one connection of two tunnels, $MODE) and strongSwan (AWS's download)"
"$BIN/iked" --check --config "$WORK/iked.toml"
launch_iked "$NS_A" "$WORK/iked.toml" "$WORK/iked.log" "$WORK/iked.sock"
swan_start "$NS_C" "$WORK/swan"

ctl() { "$BIN/ikectl" --socket "$WORK/iked.sock" "$@"; }
field() { tunnel_field "$WORK/iked.sock" "$@"; }  # TUNNEL EXPR
both_up() { [ "$(field vpn-1 "t['state']")" = up ] && [ "$(field vpn-2 "t['state']")" = up ]; }
packets_in() { field "$1" "sum(c['packets_in'] for c in t['child_sas'])"; }
pings_ok() { ip netns exec icf-vm ping -c "${1:-3}" -i 0.3 -W 1 10.2.1.10 >/dev/null 2>&1; }

check "both tunnels of the connection come up (customer gateway initiates; AWS waits: start_action add)" wait_for 40 both_up
ctl status || true
swan "$WORK/swan" --list-sas >"$WORK/sas.txt" 2>&1 || true
check "strongSwan has both IKE SAs ESTABLISHED" test "$(grep -c ESTABLISHED "$WORK/sas.txt")" = 2
check "status names AWS's states (UP)" sh -c "'$BIN/ikectl' --socket '$WORK/iked.sock' status | grep -q '^vpn-1 \* *UP'"
# preferred_route: the interfaces of the metric-100 route to the customer's network.
preferred_route() { ip -n "$NS_A" route show 10.1.0.0/16 metric 100 | grep -oE 'dev ike-vpn-[12]' | sed 's/dev //' | sort | tr '\n' ' '; }
if [ "$MODE" = ecmp ]; then
  check "both tunnels carry the traffic: one multipath route over ike-vpn-1 and ike-vpn-2" test "$(preferred_route)" = "ike-vpn-1 ike-vpn-2 "
  check "status marks both tunnels preferred" test "$(field vpn-1 "t['preferred']") $(field vpn-2 "t['preferred']")" = "True True"
else
  check "tunnel 1 carries the traffic (preferred)" test "$(field vpn-1 "t['preferred']")" = True
  check "the preferred route goes through ike-vpn-1 only" test "$(preferred_route)" = "ike-vpn-1 "
fi
check "ping VM 10.1.1.4 -> EC2 10.2.1.10" pings_ok 5
check "the IKE SA uses the customer's AES128/SHA1/MODP_2048, one of AWS's combinations" \
  test "$(field vpn-1 "t['ike_sa']['proposal']")" = AES_CBC_128/AUTH_HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048
ctl export vpn --format aws-generic >"$WORK/export.txt"
check "ikectl export vpn --format aws-generic lists both tunnels" sh -c "grep -q 'IPSec Tunnel #1' '$WORK/export.txt' && grep -q 'IPSec Tunnel #2' '$WORK/export.txt'"

echo "== cut tunnel 1's AWS outside address ($T1) in the middle namespace"
before2=$(packets_in vpn-2)
cut_address "$NS_M" $T1
cut_at=$(date +%s)
# One ping a second until 5 in a row pass through (DPD: 10 s idle + 40 s on the AWS side).
back=""
for i in $(seq 1 100); do
  if ip netns exec icf-vm ping -c 1 -W 1 10.2.1.10 >/dev/null 2>&1; then
    streak=$(( ${streak:-0} + 1 )); [ "$streak" -ge 5 ] && { back=$(( $(date +%s) - cut_at )); break; }
  else streak=0; sleep 0.5; fi
done
echo "  ping back after ${back:-never} s"
check "the ping comes back through tunnel 2 within 100 s of the cut" test -n "$back"
check "iked found tunnel 1 dead (DPD): the preferred route goes through ike-vpn-2 only" test "$(preferred_route)" = "ike-vpn-2 "
check "tunnel 2's Child SA counted the pings" test "$(packets_in vpn-2)" -gt "$before2"
check "tunnel 2 is the preferred one in status" test "$(field vpn-2 "t['preferred']")" = True
ctl status || true

echo "== heal the cut: tunnel 1 returns (the customer gateway retries forever) and takes the traffic back"
heal_cut "$NS_M"
check "both tunnels are up again" wait_for 60 both_up
expected_route() { [ "$(preferred_route)" = "$1" ]; }
if [ "$MODE" = ecmp ]; then
  check "the multipath route covers both tunnels again" wait_for 5 expected_route "ike-vpn-1 ike-vpn-2 "
else
  check "tunnel 1 is preferred again" wait_for 5 expected_route "ike-vpn-1 "
fi
check "ping VM -> EC2 after the heal" wait_for 20 pings_ok 3
check "no key in iked's log" sh -c "! grep -qF '$PSK1' '$WORK/iked.log' && ! grep -qF '$PSK2' '$WORK/iked.log'"

[ "$FAILS" = 0 ] || { echo "aws-connection: $FAILS checks failed; logs in $WORK (IKED_INTEROP_KEEP=1 keeps them)"; tail -30 "$WORK/iked.log"; exit 1; }
echo "aws-connection ($MODE): all checks passed"
