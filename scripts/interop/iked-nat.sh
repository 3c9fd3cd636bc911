#!/usr/bin/env bash
# Across a real NAT (issue 6): the "Azure" gateway (192.0.2.1, the VNet VM 10.1.1.4 behind it)
# sits behind a middle namespace that masquerades it (nftables) as 198.51.100.254 towards the
# "AWS" gateway (198.51.100.1, the EC2 instance 10.2.1.10 behind it). Three pairs cross it, each
# with a ping both ways between the hosts and a 100 MB TCP transfer with verified content:
#   1. iked <-> iked, the Azure side initiating; NAT detection moves both to ESP in UDP 4500;
#   2. strongSwan (Azure side, behind the NAT) initiating, iked responding with remote %any;
#   3. iked (Azure side, behind the NAT) initiating, strongSwan responding.
#
# Usage (as root): scripts/interop/iked-nat.sh [BIN_DIR]   (default .build/debug)
# IKED_XFER_MB sets the transfer size (default 100).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${1:-$REPO/.build/debug}"
WORK=/tmp/iked-nat
NS_A=ikn-azure
NS_M=ikn-nat
NS_B=ikn-aws
NS_VM=ikn-vm
NS_EC2=ikn-ec2
MB=${IKED_XFER_MB:-100}
. "$REPO/scripts/lib/checks.sh"
. "$REPO/scripts/lib/strongswan.sh"
NAMESPACES=("$NS_A" "$NS_M" "$NS_B" "$NS_VM" "$NS_EC2")
trap_cleanup

stop_all
rm -rf "$WORK"
mkdir -p "$WORK/azure" "$WORK/aws"
routed_sites "$NS_A" 192.0.2.1 192.0.2.254 "$NS_M" "$NS_B" 198.51.100.1 198.51.100.254
ip netns exec "$NS_M" nft -f - <<'NFT'
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat;
    oifname "m1" masquerade
  }
}
NFT
add_host "$NS_VM" "$NS_A" 10.1.1.4/16 10.1.0.1
add_host "$NS_EC2" "$NS_B" 10.2.1.10/16 10.2.0.1
PSK="nat-test-psk-$RANDOM$RANDOM"
printf '%s\n' "$PSK" >"$WORK/azure/shared.psk"
cp "$WORK/azure/shared.psk" "$WORK/aws/shared.psk"
chmod 600 "$WORK"/*/shared.psk
ID_A=azure-gw.example
ID_B=aws-gw.example
IKE=aes256gcm16-prfsha256-ecp256
ESP=aes256gcm16

# iked_start SIDE NS LOCAL REMOTE LOCAL_TS REMOTE_TS LOCAL_ID REMOTE_ID: iked for one side, its
# control socket at $WORK/SIDE/iked.sock, its log at $WORK/SIDE/iked.log.
iked_start() {
  cat >"$WORK/$1/iked.toml" <<CONF
[daemon]
control_socket = "$WORK/$1/iked.sock"
[tunnel.peer]
local_address = "$3"
remote_address = "$4"
local_id = "@$7"
remote_id = "@$8"
psk_file = "shared.psk"
local_ts = "$5"
remote_ts = "$6"
ike_proposals = "$IKE"
esp_proposals = "$ESP"
CONF
  launch_iked "$2" "$WORK/$1/iked.toml" "$WORK/$1/iked.log" "$WORK/$1/iked.sock"
}
ctl() { local side=$1; shift; "$BIN/ikectl" --socket "$WORK/$side/iked.sock" "$@"; }
encapsulated() { ctl "$1" status --json | python3 -c "import json,sys; t=json.load(sys.stdin)['tunnels'][0]; sys.exit(0 if t['state'] == 'up' and t['ike_sa']['udp_encapsulation'] else 1)"; }
becomes_up() { local i; for i in $(seq 1 50); do encapsulated "$1" && return 0; sleep 0.2; done; return 1; }

# swan_side SIDE NS LOCAL REMOTE LOCAL_TS REMOTE_TS LOCAL_ID REMOTE_ID: charon for one side.
swan_side() {
  swan_conf "$WORK/$1"
  swan_connection "$WORK/$1" "$3" "$4" "$IKE" "$ESP" "$5" "$6" "$7" "$8" "$PSK"
  swan_start "$2" "$WORK/$1"
}
azure_iked() { iked_start azure "$NS_A" 192.0.2.1 198.51.100.1 10.1.0.0/16 10.2.0.0/16 "$ID_A" "$ID_B"; }
aws_iked() { iked_start aws "$NS_B" 198.51.100.1 %any 10.2.0.0/16 10.1.0.0/16 "$ID_B" "$ID_A"; }
azure_swan() { swan_side azure "$NS_A" 192.0.2.1 198.51.100.1 10.1.0.0/16 10.2.0.0/16 "$ID_A" "$ID_B"; }
aws_swan() { swan_side aws "$NS_B" 198.51.100.1 %any 10.2.0.0/16 10.1.0.0/16 "$ID_B" "$ID_A"; }

# The hosts talk across the tunnel: a ping each way and the verified transfer VM -> EC2.
traffic_checks() { # LABEL
  check "$1: ping VM 10.1.1.4 -> EC2 10.2.1.10 through the NAT" ip netns exec "$NS_VM" ping -q -c 5 -i 0.2 -W 2 10.2.1.10
  check "$1: ping EC2 -> VM" ip netns exec "$NS_EC2" ping -q -c 3 -i 0.2 -W 2 10.1.1.4
  check "$1: $MB MB over TCP VM -> EC2 through the NAT, content verified" \
    transfer_verified "$NS_EC2" 10.2.1.10 "$NS_VM" 10.1.1.4 $((MB * 1000000))
}
# Stops the daemons of one case; the namespaces stay for the next one.
end_case() {
  if [ "$FAILS" -gt 0 ] && [ -n "${IKED_INTEROP_VERBOSE:-}" ]; then tail -30 "$WORK"/*/iked.log "$WORK"/*/charon.log 2>/dev/null || true; fi
  local p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  PIDS=()
  rm -f "$WORK"/*/iked.sock "$WORK"/*/charon.vici
}

echo "== iked <-> iked across a NAT"
azure_iked
aws_iked
check "ikectl up across the NAT" ctl azure up peer
both_encapsulated() { encapsulated azure && encapsulated aws; }
check "both sides use UDP encapsulation" both_encapsulated
check "the AWS side sees the NAT's address" grep -q '198.51.100.254' "$WORK/aws/iked.log"
traffic_checks "iked <-> iked"
end_case

echo "== strongSwan behind the NAT initiates, iked responds"
aws_iked
azure_swan
swan "$WORK/azure" --initiate --child net --ike iked >"$WORK/azure/initiate.out" 2>&1 || true
check "iked reports the tunnel up, UDP-encapsulated" becomes_up aws
check "swanctl --list-sas: ESTABLISHED behind the NAT" sh -c "swanctl --list-sas --uri unix://$WORK/azure/charon.vici | grep -q ESTABLISHED"
traffic_checks "strongSwan -> iked"
end_case

echo "== iked behind the NAT initiates, strongSwan responds"
aws_swan
azure_iked
check "ikectl up across the NAT to strongSwan" ctl azure up peer
check "iked uses UDP encapsulation" encapsulated azure
traffic_checks "iked -> strongSwan"
end_case

echo "== across a NAT: $FAILS failed checks"
[ "$FAILS" = 0 ]
