#!/usr/bin/env bash
# iked against real strongSwan over UDP (issues 4 and 5). Two network namespaces joined by a
# veth: ik-iked (192.0.2.1) runs the iked daemon, driven by ikectl; ik-swan (192.0.2.2) runs
# charon with kernel-libipsec. For each suite and each role it checks that `swanctl --list-sas`
# shows the IKE SA ESTABLISHED and the Child SA INSTALLED with the SPIs `ikectl status --json`
# reports (mirrored), then rekeys the Child SA and the IKE SA from both sides, checks again, and
# deletes the IKE SA from one side and sees the other follow.
#
# Usage (as root): scripts/interop/ike-core-vs-strongswan.sh [BIN_DIR]   (default .build/debug)
# Needs strongswan-charon, strongswan-swanctl, libcharon-extra-plugins, iproute2.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${1:-$REPO/.build/debug}"
WORK=/tmp/iked-interop-ike
NS_K=ik-iked
NS_S=ik-swan
IP_K=192.0.2.1
IP_S=192.0.2.2
PSK="iked-interop-psk-not-a-secret"
ID_K=iked.interop.example
ID_S=swan.interop.example

# IKE proposal | ESP proposal (with a group = PFS on rekey)
SUITES=(
  "aes256gcm16-prfsha256-ecp256|aes256gcm16-ecp256"
  "aes256-sha256-modp2048|aes256-sha256"
  "aes128-sha1-modp1024|aes128-sha1-modp1024"
)

[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }
[ -x "$BIN/iked" ] || { echo "missing $BIN/iked (swift build first)" >&2; exit 1; }

. "$REPO/scripts/lib/checks.sh"
. "$REPO/scripts/lib/strongswan.sh"
NAMESPACES=("$NS_K" "$NS_S")
trap_cleanup
cleanup() { stop_all; }

setup() {
  cleanup
  rm -rf "$WORK"
  mkdir -p "$WORK"
  ip netns add "$NS_K"
  ip netns add "$NS_S"
  ip link add ik-vk netns "$NS_K" type veth peer name ik-vs netns "$NS_S"
  ip -n "$NS_K" addr add "$IP_K/24" dev ik-vk
  ip -n "$NS_S" addr add "$IP_S/24" dev ik-vs
  # kernel-libipsec needs an address inside its local traffic selector to install the Child SA.
  ip -n "$NS_S" addr add 10.2.1.10/16 dev lo
  ip -n "$NS_K" addr add 10.1.1.4/16 dev lo
  ip -n "$NS_K" link set lo up
  ip -n "$NS_S" link set lo up
  ip -n "$NS_K" link set ik-vk up
  ip -n "$NS_S" link set ik-vs up
  printf '%s\n' "$PSK" >"$WORK/psk"
  chmod 600 "$WORK/psk"
}

write_charon_conf() { # IKE ESP
  swan_conf "$WORK"
  swan_connection "$WORK" "$IP_S" "$IP_K" "$1" "$2" 10.2.0.0/16 10.1.0.0/16 "$ID_S" "$ID_K" "$PSK"
}

sw() { swan "$WORK" "$@"; }
start_charon() { swan_start "$NS_S" "$WORK"; }

start_iked() { # REMOTE_ADDRESS
  cat >"$WORK/iked.toml" <<CONF
[daemon]
control_socket = "$WORK/iked.sock"
log_level = "trace"

[tunnel.swan]
local_address = "$IP_K"
remote_address = "$1"
local_id = "$ID_K"
remote_id = "$ID_S"
psk_file = "psk"
ike_proposals = "$IKE"
esp_proposals = "$ESP"
local_ts = "10.1.0.0/16"
remote_ts = "10.2.0.0/16"
CONF
  launch_iked "$NS_K" "$WORK/iked.toml" "$WORK/iked.log" "$WORK/iked.sock"
}

ctl() { "$BIN/ikectl" --socket "$WORK/iked.sock" "$@"; }
# iked's view of the tunnel, one field: state, child count, or "in=X out=Y" of its one Child SA.
iked_field() {
  ctl status --json swan | python3 -c "
import json, sys
t = json.load(sys.stdin)['tunnels'][0]
c = t['child_sas']
f = '$1'
if f == 'state': print(t['state'])
elif f == 'ike': print((t['ike_sa'] or {}).get('spi_i', '-'))
else: print('in=%s out=%s' % (c[0]['spi_in'], c[0]['spi_out']) if len(c) == 1 else 'children=%d' % len(c))
"
}
iked_drops() { ctl status --json | python3 -c "import json,sys; print(sum((json.load(sys.stdin).get('drops') or {}).values()))"; }

# The SPIs of iked's current Child SA ("in=... out=..." of its last install or rekey event).
peer_child() { iked_field child; }
# charon's view: "in=<its inbound> out=<its outbound>", only for INSTALLED Child SAs.
swan_children() { sw --list-sas 2>/dev/null | awk '/INSTALLED/{on=1; next} on && $1=="in"{i=$2} on && $1=="out"{print "in=" substr(i,1,8) " out=" substr($2,1,8); on=0}'; }
swan_established() { sw --list-sas 2>/dev/null | grep -q 'ESTABLISHED'; }
mirrored() { # iked's "in=X out=Y" must be charon's "in=Y out=X", and charon has one INSTALLED
  local k s kin kout
  k=$(peer_child)
  s=$(swan_children)
  kin=${k#in=}; kin=${kin%% *}; kout=${k##*out=}
  [ -n "$k" ] && [ "$s" = "in=$kout out=$kin" ] && return 0
  echo "        iked: '$k'  charon: '$(echo $s)'"
  return 1
}
settled() { sleep "${1:-1.5}"; }

changed() { # FIELD OLD: wait up to 10 s for iked's FIELD to differ from OLD
  local i
  for i in $(seq 1 50); do [ "$(iked_field "$1")" != "$2" ] && return 0; sleep 0.2; done
  return 1
}
becomes() { # FIELD VALUE
  local i
  for i in $(seq 1 50); do [ "$(iked_field "$1")" = "$2" ] && return 0; sleep 0.2; done
  return 1
}

# The datapath against libipsec (first suite only, for time): 100 MB of TCP with the content
# verified (in both roles), and a Child SA rekey every 5 s (alternating sides) during a 60 s ping
# at 10/s (iked initiating).
transfer_check() {
  local mb=${IKED_XFER_MB:-100}
  check "$mb MB over TCP iked -> strongSwan, content verified" \
    transfer_verified "$NS_S" 10.2.1.10 "$NS_K" 10.1.1.4 $((mb * 1000000))
}
rekey_ping_checks() {
  local secs=${IKED_REKEY_SECONDS:-60}
  ip netns exec "$NS_K" ping -q -c $((secs * 10)) -i 0.1 -W 2 -I 10.1.1.4 10.2.1.10 >"$WORK/rekey-ping.out" 2>&1 &
  local ping=$! i
  for i in $(seq 1 $((secs / 5 - 1))); do
    sleep 5
    if [ $((i % 2)) = 1 ]; then ctl rekey swan --child >/dev/null; else sw --rekey --child net >/dev/null 2>&1 || true; fi
  done
  wait "$ping" || true
  echo "        $(grep -E 'packets transmitted' "$WORK/rekey-ping.out")"
  check "$((secs / 5 - 1)) Child SA rekeys (both sides) during a $secs s ping: no packet lost" grep -q ' 0% packet loss' "$WORK/rekey-ping.out"
  check "after them: one INSTALLED Child SA, SPIs mirrored" mirrored
}

run_case() { # ROLE
  local role=$1 child ike
  echo "== $IKE / $ESP, iked as $role"
  setup
  write_charon_conf "$IKE" "$ESP"
  start_charon
  if [ "$role" = initiator ]; then
    start_iked "$IP_S"
    check "ikectl up succeeds" sh -c "'$BIN/ikectl' --socket '$WORK/iked.sock' up swan >'$WORK/up.out' 2>&1"
  else
    start_iked %any
    sw --initiate --child net --ike iked >"$WORK/initiate.out" 2>&1 || true
    check "iked reports the tunnel up" becomes state up
  fi
  check "swanctl --list-sas: ESTABLISHED" swan_established
  check "swanctl --list-sas: Child SA INSTALLED with iked's SPIs mirrored" mirrored
  check "ping 10.1.1.4 -> 10.2.1.10 through the tunnel (ESP in UDP)" \
    ip netns exec "$NS_K" ping -c 3 -i 0.2 -W 2 -I 10.1.1.4 10.2.1.10
  child=$(iked_field child)
  ctl rekey swan --child >/dev/null
  check "iked rekeyed the Child SA" changed child "$child"
  ike=$(iked_field ike)
  ctl rekey swan --ike >/dev/null
  check "iked rekeyed the IKE SA" changed ike "$ike"
  settled 2
  check "after iked's rekeys: one INSTALLED Child SA, SPIs mirrored" mirrored
  child=$(iked_field child)
  sw --rekey --child net >>"$WORK/steps.out" 2>&1 || true
  check "charon rekeyed the Child SA" changed child "$child"
  ike=$(iked_field ike)
  sw --rekey --ike iked >>"$WORK/steps.out" 2>&1 || true
  check "charon rekeyed the IKE SA" changed ike "$ike"
  settled 2
  check "after charon's rekeys: ESTABLISHED" swan_established
  check "after charon's rekeys: one INSTALLED Child SA, SPIs mirrored" mirrored
  check "ping still crosses after all four rekeys" ip netns exec "$NS_K" ping -c 3 -i 0.2 -W 2 -I 10.1.1.4 10.2.1.10
  check "iked dropped no IKE datagram" test "$(iked_drops)" = 0
  if [ "$IKE" = "${SUITES[0]%%|*}" ]; then
    transfer_check
    if [ "$role" = initiator ]; then rekey_ping_checks; fi
  fi
  check "no key, nonce or secret charon logged appears in iked's trace log" \
    python3 "$REPO/scripts/interop/secrets-in-log.py" "$WORK/charon.log" "$WORK/iked.log"
  if [ "$role" = initiator ]; then
    sw --terminate --ike iked >>"$WORK/steps.out" 2>&1 || true
    check "charon's DELETE takes iked's tunnel down" becomes state down
  else
    ctl down swan >/dev/null
    check "ikectl down takes iked's tunnel down" becomes state down
    settled 1
    check "... and swanctl --list-sas is empty" sh -c "! swanctl --list-sas --uri unix://$WORK/charon.vici | grep -q ESTABLISHED"
  fi
  kill -TERM "$IKED_PID"
  check "iked exits 0 on SIGTERM" wait "$IKED_PID"
  if [ "$FAILS" -gt 0 ] && [ -n "${IKED_INTEROP_VERBOSE:-}" ]; then
    tail -40 "$WORK/iked.log"; tail -50 "$WORK/charon.log"
  fi
  cleanup
}

T0=$SECONDS
for spec in "${SUITES[@]}"; do
  IFS='|' read -r IKE ESP <<<"$spec"
  run_case initiator
  run_case responder
done
echo "== iked vs strongSwan: $FAILS failed checks in $((SECONDS - T0)) s"
[ "$FAILS" = 0 ]
