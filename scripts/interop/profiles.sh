#!/usr/bin/env bash
# The cloud profiles against strongSwan and against each other, in the first story's topology:
#
#   ipf-vm 10.1.1.4/16 -- 10.1.0.1 ipf-azure 203.0.113.10 -- .1 ipf-mid .1 -- 198.51.100.10 ipf-aws 10.2.0.1 -- ipf-ec2 10.2.1.10/16
#   (the Azure VNet's VM)   (Azure VPN gateway)           (router; nftables      (AWS gateway)         (the VPC's EC2 instance)
#                                                          cuts the link here)
#
# 1. strongSwan configured from Azure's documented defaults (its IKE offers with DH group 2, its
#    ESP offers without PFS, its lifetimes) in ipf-aws against iked with `profile = "azure"` and
#    no proposals in ipf-azure, iked initiating (Azure's Default mode starts by itself) and then
#    strongSwan initiating: tunnel up, the chosen proposals, pings both ways.
# 2. The seed story: iked `profile = "azure"` against iked `profile = "aws"`, no proposals on
#    either side. Azure initiates (start_action start), AWS answers (add); pings both ways, a TCP
#    transfer with its content verified, the rekeys the clouds' lifetimes lead to (AWS's Child SA
#    rekey with PFS, IKE SA rekeys from both sides), both status tables.
# 3. DPD on the wire, on case 2's idle tunnel: a capture in ipf-mid shows AWS probing every 10 s
#    (dpd_delay) with every probe answered, and Azure (dpd_delay 30 s, kept fresh by AWS's probes)
#    silent; then the link is cut in ipf-mid and AWS must clear the tunnel 40 s (dpd_timeout)
#    after its first unanswered probe, not sooner, and at most 15 s later; once the link is back,
#    Azure (Default mode, DPD restart) must bring the tunnel back by itself.
# AWS's two-tunnel connection and its failover are in scripts/interop/aws-connection.sh.
#
# Checks read `ikectl status --json` (state "up"/"down"/"connecting"), not the table's labels.
# Every namespace is ipf-*; all of them and every process started here go on exit.
# Usage (as root): scripts/interop/profiles.sh [BIN_DIR [CASE...]]   (BIN_DIR default .build/debug,
# CASE 1 2 3, default all; 3 runs 2 first); about 2 minutes.
# IKED_INTEROP_KEEP=1 keeps /tmp/iked-profiles (configs, logs, capture) afterwards.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="$(cd "${1:-$REPO/.build/debug}" && pwd)"
WORK=/tmp/iked-profiles
TIMELINE="$REPO/scripts/interop/ike-timeline.py"
IP_AZ=203.0.113.10
IP_AWS=198.51.100.10
# AWS's rule for a pre-shared key: 8–64 of [A-Za-z0-9._], not starting with 0.
PSK="ipf.$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 28)"
# Azure's documented default offers (clouds.md), as strongSwan proposals, in Azure's order.
AZ_IKE="aes256-sha1-modp1024,aes256-sha256-modp1024,aes128-sha1-modp1024,aes128-sha256-modp1024"
AZ_ESP="aes256gcm16,aes256-sha1,aes256-sha256,aes128-sha1"

[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }
[ -x "$BIN/iked" ] || { echo "missing $BIN/iked (swift build first)" >&2; exit 1; }
command -v tcpdump >/dev/null || { echo "missing tcpdump (scripts/lib/deps.sh installs it)" >&2; exit 1; }

. "$REPO/scripts/lib/checks.sh"
. "$REPO/scripts/lib/strongswan.sh"
. "$REPO/scripts/lab/common.sh"
LAB_PREFIX=ipf-
LAB_RUN=$WORK
NAMESPACES=(ipf-vm ipf-ec2 ipf-azure ipf-aws ipf-mid)
lab_down # what an earlier, killed run left (ipf-* only)
trap_cleanup

# ---- topology and daemons -------------------------------------------------------------------

topo_up() {
  stop_all
  rm -rf "$WORK"
  mkdir -p "$WORK"
  lab_ns ipf-azure ipf-mid ipf-aws
  lab_router ipf-mid
  lab_link ipf-azure ipf-az $IP_AZ/24 ipf-mid ipf-m-az 203.0.113.1/24
  lab_link ipf-aws ipf-aw $IP_AWS/24 ipf-mid ipf-m-aw 198.51.100.1/24
  ip -n ipf-azure route add default via 203.0.113.1
  ip -n ipf-aws route add default via 198.51.100.1
  add_host ipf-vm ipf-azure 10.1.1.4/16 10.1.0.1
  add_host ipf-ec2 ipf-aws 10.2.1.10/16 10.2.0.1
  printf '%s\n' "$PSK" >"$WORK/shared.psk"
  chmod 600 "$WORK/shared.psk"
}

# azure_conf TUNNEL [LINE...]: iked as the Azure VPN gateway, only what the portal asks for (the
# peer's address, the shared key) plus the route to the VPC; each LINE is one more TOML line.
azure_conf() {
  local extra
  extra=$(printf '%s\n' "${@:2}")
  cat >"$WORK/azure.toml" <<CONF
[daemon]
control_socket = "$WORK/azure.sock"
log_level = "debug"

[tunnel.$1]
profile = "azure"
local_address = "$IP_AZ"
remote_address = "$IP_AWS"
psk_file = "shared.psk"
routes = ["10.2.0.0/16"]
$extra
CONF
}

# aws_conf: iked as AWS's endpoint, tunnel 1 of a VPN connection with static routing to the VNet.
aws_conf() {
  cat >"$WORK/aws.toml" <<CONF
[daemon]
control_socket = "$WORK/aws.sock"
log_level = "debug"

[tunnel.azure-vnet]
profile = "aws"
local_address = "$IP_AWS"
remote_address = "$IP_AZ"
psk_file = "shared.psk"
inside_address = "169.254.10.1/30"
routes = ["10.1.0.0/16"]
CONF
}

# kjson SOCKET TUNNEL EXPR: a Python expression over the tunnel's status (t), its IKE SA (i, {}
# when none) and its Child SAs (c); "-" when the daemon does not answer.
kjson() {
  "$BIN/ikectl" --socket "$1" status --json "$2" 2>/dev/null | python3 -c "
import json, sys
t = json.load(sys.stdin)['tunnels'][0]; i = t.get('ike_sa') or {}; c = t['child_sas']
print($3)" 2>/dev/null || echo -
}

# is SOCKET TUNNEL EXPR VALUE: the expression's value is VALUE (else both are printed).
is() {
  local got
  got=$(kjson "$1" "$2" "$3")
  [ "$got" = "$4" ] && return 0
  echo "        $3: got '$got', expected '$4'"
  return 1
}

now() { date +%s.%N; }

# rekeyed TITLE SOCKET TUNNEL --child|--ike EXPR: `ikectl rekey` on that side; a check that EXPR
# (an SPI) changes within 10 s and that the tunnel stays up with one Child SA.
rekeyed() {
  local old cond i
  old=$(kjson "$WORK/$2" "$3" "$5")
  cond="($5) != '$old' and t['state'] == 'up' and len(c) == 1"
  "$BIN/ikectl" --socket "$WORK/$2" rekey "$3" "$4" >/dev/null
  for i in $(seq 1 50); do [ "$(kjson "$WORK/$2" "$3" "$cond")" = True ] && break; sleep 0.2; done
  check "$1" is "$WORK/$2" "$3" "$cond" True
}

# ---- 1. strongSwan from Azure's documented defaults <-> iked profile=azure -------------------

# The peer of an Azure gateway, set up from Azure's documentation: Azure's default IKE offers
# (DH group 2) and ESP offers (no PFS), IKE SA 28800 s, Child SA 27000 s and 102,400,000 KB.
# Nothing else of the connection differs from the shared helper's test defaults.
swan_azure_peer() {
  mkdir -p "$WORK/swan"
  swan_conf "$WORK/swan"
  swan_connection "$WORK/swan" $IP_AWS $IP_AZ "$AZ_IKE" "$AZ_ESP" 10.2.0.0/16 10.1.0.0/16 $IP_AWS $IP_AZ "$PSK" \
    conn:rekey_time=28800s child:rekey_time=27000s child:life_bytes=104857600000
  swan_start ipf-aws "$WORK/swan"
}
swan_sas() { swan "$WORK/swan" --list-sas 2>/dev/null; }

case1() { # ROLE of iked: initiator | responder
  echo "== 1. strongSwan from Azure's documented defaults <-> iked profile=azure, iked as $1"
  topo_up
  swan_azure_peer
  if [ "$1" = initiator ]; then
    azure_conf onprem
    lab_iked ipf-azure "$WORK/azure.toml" "$WORK/azure.sock"
    check "iked (Default mode) brings the tunnel up by itself: state up" lab_wait_up "$WORK/azure.sock" onprem
  else
    # ResponderOnly: Azure's connection mode that leaves the first exchange to the peer.
    azure_conf onprem 'connection_mode = "ResponderOnly"'
    lab_iked ipf-azure "$WORK/azure.toml" "$WORK/azure.sock"
    swan "$WORK/swan" --initiate --child net --ike iked >"$WORK/initiate.out" 2>&1 || true
    check "strongSwan initiates, iked answers: state up" lab_wait_up "$WORK/azure.sock" onprem
  fi
  swan_sas >"$WORK/swan-sas.out"
  check "swanctl --list-sas: ESTABLISHED, Child SA INSTALLED" sh -c "grep -q ESTABLISHED '$WORK/swan-sas.out' && grep -q INSTALLED '$WORK/swan-sas.out'"
  check "IKE SA: Azure's first offer, AES256/SHA1 with DH group 2" \
    is "$WORK/azure.sock" onprem "i.get('proposal')" AES_CBC_256/AUTH_HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024
  check "Child SA: Azure's first ESP offer, AES256-GCM without PFS" \
    is "$WORK/azure.sock" onprem "c[0]['proposal'] if c else '-'" AES_GCM_16_256/NO_EXT_SEQ
  check "strongSwan agrees: AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024 and ESP:AES_GCM_16-256" sh -c \
    "grep -q ' AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024\$' '$WORK/swan-sas.out' && grep -q 'ESP:AES_GCM_16-256\$' '$WORK/swan-sas.out'"
  check "ping VM 10.1.1.4 -> EC2 10.2.1.10" lab_ping ipf-vm 10.2.1.10
  check "ping EC2 10.2.1.10 -> VM 10.1.1.4" lab_ping ipf-ec2 10.1.1.4
  check "iked's Child SA counted them (ESP in and out)" lab_carried "$WORK/azure.sock" onprem
  lab_status "Azure VPN gateway (iked, profile azure)" "$WORK/azure.sock"
  echo
  echo "---- the peer (strongSwan, Azure's defaults): swanctl --list-sas"
  cat "$WORK/swan-sas.out"
  echo
  if [ "$FAILS" -gt 0 ] && [ -n "${IKED_INTEROP_VERBOSE:-}" ]; then tail -30 "$WORK/azure.toml.log"; tail -30 "$WORK/swan/charon.log"; fi
}

# ---- 2. the seed story: iked azure <-> iked aws, no proposals ---------------------------------

case2() {
  echo "== 2. the seed story: iked profile=azure <-> iked profile=aws, no proposals configured at all"
  topo_up
  aws_conf
  azure_conf aws-vpc
  lab_iked ipf-aws "$WORK/aws.toml" "$WORK/aws.sock"         # AWS waits (start_action add)
  lab_iked ipf-azure "$WORK/azure.toml" "$WORK/azure.sock"   # Azure starts (start_action start)
  check "Azure initiates by itself: state up" lab_wait_up "$WORK/azure.sock" aws-vpc
  check "AWS answers: state up" lab_wait_up "$WORK/aws.sock" azure-vnet
  check "IKE SA, Azure's view: its first offer, AES256/SHA1 with DH group 2" \
    is "$WORK/azure.sock" aws-vpc "i.get('proposal')" AES_CBC_256/AUTH_HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024
  check "IKE SA, AWS's view: the same" \
    is "$WORK/aws.sock" azure-vnet "i.get('proposal')" AES_CBC_256/AUTH_HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024
  # As responder AWS's own order wins (iked's rule, strongSwan's default): its CBC proposal comes
  # first, and Azure's first CBC offer is AES256/SHA1 (no PFS: the first Child SA has no KE).
  check "Child SA, AWS's view: AES256/SHA1, Azure's first offer in AWS's proposal order" \
    is "$WORK/aws.sock" azure-vnet "c[0]['proposal'] if c else '-'" AES_CBC_256/AUTH_HMAC_SHA1_96/NO_EXT_SEQ
  check "Child SA, Azure's view: the same" \
    is "$WORK/azure.sock" aws-vpc "c[0]['proposal'] if c else '-'" AES_CBC_256/AUTH_HMAC_SHA1_96/NO_EXT_SEQ
  check "ping VM 10.1.1.4 -> EC2 10.2.1.10" lab_ping ipf-vm 10.2.1.10
  check "ping EC2 10.2.1.10 -> VM 10.1.1.4" lab_ping ipf-ec2 10.1.1.4
  check "the AWS gateway's Child SA counted them (ESP in and out)" lab_carried "$WORK/aws.sock" azure-vnet
  check "4 MB over TCP VM -> EC2, content verified" transfer_verified ipf-ec2 10.2.1.10 ipf-vm 10.1.1.4 4000000
  # The rekeys the two clouds' lifetimes lead to: AWS rekeys the Child SA first (3600 s against
  # Azure's 27000 s), with PFS, which Azure accepts as responder; either side may rekey the IKE SA
  # (28800 s both).
  rekeyed "AWS rekeys the Child SA (PFS): Azure accepts" aws.sock azure-vnet --child "c[0]['spi_in'] if c else '-'"
  check "... the new Child SA has a DH group (AWS's PFS)" \
    is "$WORK/azure.sock" aws-vpc "'MODP' in c[0]['proposal'] if c else '-'" True
  rekeyed "AWS rekeys the IKE SA" aws.sock azure-vnet --ike "i.get('spi_i')"
  rekeyed "Azure rekeys the IKE SA" azure.sock aws-vpc --ike "i.get('spi_i')"
  check "ping VM -> EC2 after the rekeys" lab_ping ipf-vm 10.2.1.10
  lab_status "Azure VPN gateway (iked, profile azure, ipf-azure)" "$WORK/azure.sock"
  lab_status "AWS virtual private gateway (iked, profile aws, ipf-aws)" "$WORK/aws.sock"
  echo
}

# ---- 3. DPD timing on the wire ----------------------------------------------------------------

# aws_down_at: polls the AWS side until its tunnel is down (at most about 75 s) and prints when
# it saw that (Unix seconds), or nothing.
aws_down_at() {
  local i
  for i in $(seq 1 300); do
    if [ "$(kjson "$WORK/aws.sock" azure-vnet "t['state']")" = down ]; then now; return 0; fi
    sleep 0.25
  done
}

# wait_up_both SECONDS: both gateways report the tunnel up.
wait_up_both() {
  local i
  for i in $(seq 1 $(($1 * 4))); do
    lab_tunnel_up "$WORK/azure.sock" aws-vpc && lab_tunnel_up "$WORK/aws.sock" azure-vnet && return 0
    sleep 0.25
  done
  return 1
}

# within FROM TO MIN MAX: MIN <= TO - FROM <= MAX (seconds, fractional).
within() {
  python3 -c "import sys; d = $2 - $1; print('        %.1f s (allowed %s–%s s)' % (d, $3, $4)); sys.exit(0 if $3 <= d <= $4 else 1)"
}

case3() {
  echo "== 3. DPD timing on the wire (case 2's tunnel, idle)"
  local cap="$WORK/ike.pcap" t0 t1 tcut tprobe tdown
  ip netns exec ipf-mid tcpdump -Z root -U -n -i ipf-m-aw -w "$cap" 'udp port 500 or udp port 4500' \
    >"$WORK/tcpdump.out" 2>&1 </dev/null &
  local dump=$!
  PIDS+=($dump)
  sleep 1
  t0=$(now)
  echo "        capturing IKE between the gateways for 35 s, no traffic in the tunnel"
  sleep 35
  t1=$(now)
  check "AWS sends an INFORMATIONAL request every 10 s (± 1.5 s)" python3 "$TIMELINE" gaps "$cap" $IP_AWS "$t0" "$t1" 10 1.5
  check "every AWS probe is answered" python3 "$TIMELINE" answered "$cap" $IP_AWS "$t0" "$t1"
  check "Azure (dpd_delay 30 s) sends none: AWS's probes keep it fresh" python3 "$TIMELINE" none "$cap" $IP_AZ "$t0" "$t1"
  echo "        cutting the link in ipf-mid (nftables drops both gateways' addresses)"
  tcut=$(now)
  ip netns exec ipf-mid nft -f - <<NFT
table ip ipf_cut {
  chain forward {
    type filter hook forward priority filter; policy accept;
    ip saddr { $IP_AZ, $IP_AWS } drop
  }
}
NFT
  tdown=$(aws_down_at)
  kill -INT "$dump" 2>/dev/null || true
  wait "$dump" 2>/dev/null || true
  tprobe=$(python3 "$TIMELINE" first-unanswered "$cap" $IP_AWS "$tcut" || true)
  check "AWS sent a probe that went unanswered" test -n "$tprobe"
  check "AWS cleared the tunnel (ikectl status --json: state down)" test -n "$tdown"
  if [ -n "$tprobe" ] && [ -n "$tdown" ]; then
    check "... 40–55 s after its first unanswered probe (dpd_timeout 40 s)" within "$tprobe" "$tdown" 40 55
  fi
  lab_status "AWS virtual private gateway after the cut" "$WORK/aws.sock"
  ip netns exec ipf-mid nft delete table ip ipf_cut
  echo "        link restored; Azure gives up on AWS about 75 s after AWS's last probe reached it"
  # A Default-mode Azure gateway keeps connecting while NotConnected; AWS (add) never initiates.
  check "Azure (Default mode) brings the tunnel back by itself once the link is back" wait_up_both 60
  check "ping VM -> EC2 through the new tunnel" lab_ping ipf-vm 10.2.1.10
  lab_status "Azure VPN gateway after the link came back" "$WORK/azure.sock"
  echo
  if [ "$FAILS" -gt 0 ] && [ -n "${IKED_INTEROP_VERBOSE:-}" ]; then python3 "$TIMELINE" list "$cap"; fi
}

# ---- run --------------------------------------------------------------------------------------

CASES=("${@:2}")
[ ${#CASES[@]} -gt 0 ] || CASES=(1 2 3)
T0=$SECONDS
for c in "${CASES[@]}"; do
  case $c in
    1) case1 initiator; case1 responder ;;
    2) case2 ;;
    3) [[ " ${CASES[*]} " == *" 2 "* ]] || case2; case3 ;;
    *) echo "unknown case $c (1 2 3)" >&2; exit 2 ;;
  esac
done
stop_all
echo "== cloud profiles: $FAILS failed checks in $((SECONDS - T0)) s"
[ "$FAILS" = 0 ]
