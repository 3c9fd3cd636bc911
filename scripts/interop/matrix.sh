#!/usr/bin/env bash
# The strongSwan interop matrix (issue 7): iked against real strongSwan (charon with
# kernel-libipsec) in many cases, each bringing a tunnel up and passing a ping each way and a TCP
# transfer with its content verified between two hosts, with iked initiating and responding in
# turn unless a case has a direction by nature. docs/interop.md has the table, what each case
# checks, and the strongSwan configuration of each.
#
# Topology, made afresh for each case and role (so no route, rule or NAT leaks between them):
#
#   ikm-hk 10.1.1.4/16        ikm-gk          ikm-mid               ikm-gs        ikm-hs 10.2.1.10/16
#   (+10.11.1.4/16) --- 10.1.1.1  iked  192.0.2.1 -- .254 | .254 -- 198.51.100.1 charon 10.2.1.1 --- (+10.12.1.10/16)
#
# ikm-mid routes between the gateways and masquerades one side (nftables) when a case asks.
#
# Usage (as root): scripts/interop/matrix.sh [BIN_DIR] [CASE...]   (BIN_DIR default .build/debug)
#   scripts/interop/matrix.sh --list   prints the case names.
# IKED_MATRIX_MB sets the transfer size (default 5), IKED_INTEROP_KEEP=1 keeps /tmp/iked-matrix,
# IKED_INTEROP_VERBOSE=1 prints the logs' tails after a failed case.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="$REPO/.build/debug"
if [ $# -gt 0 ] && [ -d "$1" ]; then BIN="$(cd "$1" && pwd)"; shift; fi
WORK=/tmp/iked-matrix
MB=${IKED_MATRIX_MB:-5}
NS_GK=ikm-gk
NS_M=ikm-mid
NS_GS=ikm-gs
NS_HK=ikm-hk
NS_HS=ikm-hs
IP_K=192.0.2.1
IP_S=198.51.100.1
ID_K=iked.matrix.example
ID_S=swan.matrix.example
PSK="matrix-psk-$RANDOM$RANDOM"

ALL_CASES=(gcm-ecp256 cbc-modp2048-pfs azure-default chacha-x25519 ecp384-gcm128 nat-iked nat-swan
  ts-any narrow-iked narrow-swan multi-prefix fragmentation rekey-traffic dpd-clear dpd-restart
  dpd-none wrong-psk iked-restart)
if [ "${1:-}" = --list ]; then printf '%s\n' "${ALL_CASES[@]}"; exit 0; fi
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=("${ALL_CASES[@]}")
for c in "${CASES[@]}"; do
  [[ " ${ALL_CASES[*]} " == *" $c "* ]] || { echo "unknown case $c (known: ${ALL_CASES[*]})" >&2; exit 2; }
done

[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }
[ -x "$BIN/iked" ] || { echo "missing $BIN/iked (swift build first)" >&2; exit 1; }

. "$REPO/scripts/lib/checks.sh"
. "$REPO/scripts/lib/strongswan.sh"
NAMESPACES=("$NS_HK" "$NS_HS" "$NS_GK" "$NS_GS" "$NS_M")
trap_cleanup

# ---- topology ------------------------------------------------------------------------------

# topo_up: the five namespaces; $NAT (none, iked, swan) says which gateway ikm-mid masquerades.
topo_up() {
  stop_all
  rm -rf "$WORK"
  mkdir -p "$WORK/iked" "$WORK/swan"
  local ns l
  for ns in "$NS_GK" "$NS_M" "$NS_GS"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
  ip link add ikm-k netns "$NS_GK" type veth peer name ikm-mk netns "$NS_M"
  ip link add ikm-s netns "$NS_GS" type veth peer name ikm-ms netns "$NS_M"
  ip -n "$NS_GK" addr add $IP_K/24 dev ikm-k
  ip -n "$NS_GK" addr add 192.0.2.2/24 dev ikm-k # a second tunnel's address (wrong-psk)
  ip -n "$NS_M" addr add 192.0.2.254/24 dev ikm-mk
  ip -n "$NS_M" addr add 198.51.100.254/24 dev ikm-ms
  ip -n "$NS_GS" addr add $IP_S/24 dev ikm-s
  for l in "$NS_GK ikm-k" "$NS_M ikm-mk" "$NS_M ikm-ms" "$NS_GS ikm-s"; do set -- $l; ip -n "$1" link set "$2" up; done
  ip -n "$NS_GK" route add default via 192.0.2.254
  ip -n "$NS_GS" route add default via 198.51.100.254
  ip netns exec "$NS_M" sysctl -qw net.ipv4.ip_forward=1
  case $NAT in
    iked) nat_out ikm-ms ;; # iked's gateway appears as 198.51.100.254
    swan) nat_out ikm-mk ;; # charon's gateway appears as 192.0.2.254
  esac
  add_host "$NS_HK" "$NS_GK" 10.1.1.4/16 10.1.1.1
  add_host "$NS_HS" "$NS_GS" 10.2.1.10/16 10.2.1.1
  # The second prefix of each side (multi-prefix), on the same links.
  ip -n "$NS_HK" addr add 10.11.1.4/16 dev "$NS_HK"
  ip -n "$NS_GK" addr add 10.11.1.1/16 dev "${NS_HK}g"
  ip -n "$NS_HS" addr add 10.12.1.10/16 dev "$NS_HS"
  ip -n "$NS_GS" addr add 10.12.1.1/16 dev "${NS_HS}g"
  printf '%s\n' "$PSK" >"$WORK/iked/shared.psk"
  printf '%s\n' "wrong-$PSK" >"$WORK/iked/wrong.psk"
  chmod 600 "$WORK"/iked/*.psk
}
nat_out() {
  ip netns exec "$NS_M" nft -f - <<NFT
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat;
    oifname "$1" masquerade
  }
}
NFT
}

# ---- the two daemons -----------------------------------------------------------------------

# Per-case settings, reset by defaults(): suites, selectors (iked: TOML list items; charon:
# comma-separated), extra iked keys (TOML lines), extra swanctl.conf options (swan_connection's
# OPTIONs) and strongswan.conf lines, the NAT side, and each side's idea of the peer's address.
defaults() {
  IKE=aes256gcm16-prfsha256-ecp256
  ESP=aes256gcm16
  K_IKE='' K_ESP='' # iked's lists when they differ from charon's (TOML list items)
  K_LTS='"10.1.0.0/16"' K_RTS='"10.2.0.0/16"'
  S_LTS=10.2.0.0/16 S_RTS=10.1.0.0/16
  K_EXTRA=''
  S_OPTS=()
  S_CONF=()
  NAT=none
  K_REMOTE=$IP_S
  S_REMOTE=$IP_K
}

# iked_conf: $WORK/iked/iked.toml, tunnel "peer" (plus $K_MORE, more [tunnel.X] tables).
iked_conf() {
  cat >"$WORK/iked/iked.toml" <<CONF
[daemon]
control_socket = "$WORK/iked/iked.sock"
log_level = "${IKED_MATRIX_LOG:-debug}"

[tunnel.peer]
local_address = "$IP_K"
remote_address = "$K_REMOTE"
local_id = "@$ID_K"
remote_id = "@$ID_S"
psk_file = "${K_PSK_FILE:-shared.psk}"
local_ts = [$K_LTS]
remote_ts = [$K_RTS]
ike_proposals = [${K_IKE:-\"$IKE\"}]
esp_proposals = [${K_ESP:-\"$ESP\"}]
$K_EXTRA
${K_MORE:-}
CONF
}
iked_run() {
  rm -f "$WORK/iked/iked.sock"
  ip netns exec "$NS_GK" "$BIN/iked" --config "$WORK/iked/iked.toml" 2>>"$WORK/iked/iked.log" &
  IKED_PID=$!
  PIDS+=($IKED_PID)
  wait_sockets "$WORK/iked/iked.sock"
}
swan_setup() {
  swan_conf "$WORK/swan" "${S_CONF[@]}"
  swan_connection "$WORK/swan" "$IP_S" "$S_REMOTE" "$IKE" "$ESP" "$S_LTS" "$S_RTS" "$ID_S" "$ID_K" "$PSK" "${S_OPTS[@]}"
}
swan_run() {
  rm -f "$WORK/swan/charon.vici"
  swan_start "$NS_GS" "$WORK/swan"
  SWAN_PID=${PIDS[-1]}
}
ctl() { "$BIN/ikectl" --socket "$WORK/iked/iked.sock" "$@"; }
sw() { swan "$WORK/swan" "$@"; }

# kfield EXPR [TUNNEL]: a Python expression over t, iked's status of the tunnel (default peer).
kfield() {
  ctl status --json "${2:-peer}" 2>/dev/null | python3 -c "
import json, sys
t = json.load(sys.stdin)['tunnels'][0]
c = t.get('child_sas') or []
print($1)"
}
k_up() { [ "$(kfield "t['state']" "${1:-peer}")" = up ] && [ "$(kfield 'len(c)' "${1:-peer}")" -ge 1 ]; }
k_down() { [ "$(kfield "t['state']")" != up ]; }
k_child_spi() { kfield "c[0]['spi_in'] if c else '-'"; }
k_ike_spi() { kfield "(t['ike_sa'] or {}).get('spi_i', '-') + (t['ike_sa'] or {}).get('spi_r', '-')"; }
k_encapsulated() { [ "$(kfield "bool((t['ike_sa'] or {}).get('udp_encapsulation'))")" = True ]; }
swan_established() { sw --list-sas 2>/dev/null | grep -q ESTABLISHED && sw --list-sas 2>/dev/null | grep -q INSTALLED; }
swan_ike_count() { sw --list-sas 2>/dev/null | grep -c 'ESTABLISHED' || true; }
# within SECONDS CMD...: retries CMD every 0.2 s for up to SECONDS.
within() {
  local n=$(($1 * 5)) i
  shift
  for i in $(seq 1 $n); do "$@" && return 0; sleep 0.2; done
  return 1
}

# establish ROLE: the initiator (iked or swan) brings the tunnel up; both sides must agree.
establish() {
  if [ "$1" = iked ]; then
    check "ikectl up peer" quiet ctl up peer
  else
    sw --initiate --child net --ike iked >"$WORK/swan/initiate.out" 2>&1 || true
    check "swanctl --initiate; iked reports the tunnel up" within 10 k_up
  fi
  check "iked: tunnel up with a Child SA" k_up
  check "charon: IKE SA ESTABLISHED, Child SA INSTALLED" within 5 swan_established
}

quiet() { "$@" >/dev/null 2>&1; }
# ping_from NS SRC DST: three pings from SRC to DST, all answered.
ping_from() { quiet ip netns exec "$1" ping -q -c 3 -i 0.2 -W 2 -I "$2" "$3"; }

# traffic [SRC_K DST_S]: pings both ways between the hosts and the verified TCP transfer.
traffic() {
  local src=${1:-10.1.1.4} dst=${2:-10.2.1.10}
  check "ping $src -> $dst" ping_from "$NS_HK" "$src" "$dst"
  check "ping $dst -> $src" ping_from "$NS_HS" "$dst" "$src"
  check "$MB MB over TCP $src -> $dst, content verified" \
    transfer_verified "$NS_HS" "$dst" "$NS_HK" "$src" $((MB * 1000000))
}

# ---- running the cases ---------------------------------------------------------------------

RESULTS=()
# run CASE ROLE: one case in one role (iked = iked initiates, swan = charon initiates).
run() {
  local name=$1 role=$2 before=$FAILS t0=$SECONDS
  echo "-- $name, $([ "$role" = iked ] && echo iked initiates || echo strongSwan initiates)"
  defaults
  "setup_$name"
  topo_up
  swan_setup
  iked_conf
  [ "$(type -t "pre_$name")" = function ] && "pre_$name" "$role"
  swan_run
  iked_run
  "case_$name" "$role"
  local result=PASS
  [ "$FAILS" = "$before" ] || result=FAIL
  if [ "$result" = FAIL ] && [ -n "${IKED_INTEROP_VERBOSE:-}" ]; then
    tail -40 "$WORK/iked/iked.log" "$WORK/swan/charon.log" 2>/dev/null || true
  fi
  if [ "$result" = FAIL ] && [ -n "${IKED_INTEROP_KEEP:-}" ]; then
    rm -rf "$WORK.$name.$role"
    cp -a "$WORK" "$WORK.$name.$role"
  fi
  RESULTS+=("$(printf '%-18s %-10s %s %3ds' "$name" "$role" "$result" $((SECONDS - t0)))")
  stop_all
}
# The usual body: up, both sides agree, traffic.
basic() { establish "$1"; traffic; }

# 1. AES-GCM-256 + ECP-256.
setup_gcm-ecp256() { IKE=aes256gcm16-prfsha256-ecp256; ESP=aes256gcm16; }
case_gcm-ecp256() { basic "$1"; }

# 2. AES-CBC-256/SHA-256 + MODP-2048, PFS on the Child SA rekey, rekeyed by each side.
setup_cbc-modp2048-pfs() { IKE=aes256-sha256-modp2048; ESP=aes256-sha256-modp2048; }
case_cbc-modp2048-pfs() {
  basic "$1"
  rekey_child iked
  rekey_child swan
  check "the rekeys ran with a KE payload (PFS, MODP-2048)" pfs_seen
  traffic
}
pfs_seen() { [ "$(grep -c 'CREATE_CHILD_SA request .* KE ' "$WORK/swan/charon.log" || true)" -ge 2 ]; }
# rekey_child SIDE: SIDE rekeys the Child SA; iked's inbound SPI must change and both agree.
rekey_child() {
  local old
  old=$(k_child_spi)
  if [ "$1" = iked ]; then ctl rekey peer --child >/dev/null; else sw --rekey --child net >/dev/null; fi
  check "Child SA rekey by $1: new SPIs" within 10 spi_changed "$old"
  check "after the rekey: one Child SA on each side" within 5 one_child_each
}
spi_changed() { local s; s=$(k_child_spi); [ "$s" != "$1" ] && [ "$s" != - ]; }
one_child_each() { [ "$(kfield 'len(c)')" = 1 ] && [ "$(sw --list-sas 2>/dev/null | grep -c INSTALLED)" = 1 ]; }

# 3. Azure's default policy-based suite: aes256-sha1-modp1024, ESP aes256-sha1, no PFS.
setup_azure-default() { IKE=aes256-sha1-modp1024; ESP=aes256-sha1; }
case_azure-default() { basic "$1"; }

# 4. X25519 + ChaCha20-Poly1305.
setup_chacha-x25519() { IKE=chacha20poly1305-prfsha256-x25519; ESP=chacha20poly1305; }
case_chacha-x25519() { basic "$1"; }

# 5. ECP-384 + AES-GCM-128.
setup_ecp384-gcm128() { IKE=aes128gcm16-prfsha384-ecp384; ESP=aes128gcm16; }
case_ecp384-gcm128() { basic "$1"; }

# 6. NAT on the iked side (iked initiates: a masquerade lets nothing in) and on the strongSwan
#    side (charon initiates; iked answers on a %any tunnel).
setup_nat-iked() { NAT=iked; S_REMOTE=%any; }
case_nat-iked() {
  basic "$1"
  check "iked: UDP encapsulation" k_encapsulated
  check "charon received iked's packets from the NAT's address 198.51.100.254" grep -q 'received packet: from 198.51.100.254\[' "$WORK/swan/charon.log"
}
setup_nat-swan() { NAT=swan; K_REMOTE=%any; }
case_nat-swan() {
  basic "$1"
  check "iked: UDP encapsulation" k_encapsulated
  check "iked saw the NAT's address 192.0.2.254" grep -q '192.0.2.254' "$WORK/iked/iked.log"
}

# 7. 0.0.0.0/0 on both sides (route-based). iked routes only 10.2.0.0/16 into its tunnel;
#    charon's table 220 default route would capture its own packets to iked and to its LAN.
setup_ts-any() {
  K_LTS='"0.0.0.0/0"' K_RTS='"0.0.0.0/0"' K_EXTRA='routes = ["10.2.0.0/16"]'
  S_LTS=0.0.0.0/0 S_RTS=0.0.0.0/0
}
pre_ts-any() {
  ip -n "$NS_GS" rule add to $IP_K/32 lookup main pref 100
  ip -n "$NS_GS" rule add to 10.2.0.0/16 lookup main pref 101
}
case_ts-any() {
  basic "$1"
  check "Child SA selectors 0.0.0.0/0 <-> 0.0.0.0/0" ts_are "0.0.0.0/0" "0.0.0.0/0"
}
# ts_are LOCAL REMOTE: iked's Child SA selectors (comma-joined, as status --json lists them).
ts_are() {
  local got
  got="$(kfield "','.join(c[0]['local_ts']) + ' ' + ','.join(c[0]['remote_ts']) if c else '-'")"
  [ "$got" = "$1 $2" ] && return 0
  echo "        iked's Child SA: $got (expected $1 $2)"
  return 1
}

# 8. Narrowing. narrow-iked: charon asks for 10.2.0.0/16 <-> 10.1.0.0/16, iked allows only
#    10.1.1.0/24 <-> 10.2.1.0/24. narrow-swan: the reverse.
setup_narrow-iked() { K_LTS='"10.1.1.0/24"' K_RTS='"10.2.1.0/24"'; }
case_narrow-iked() {
  basic "$1"
  check "iked's Child SA narrowed to 10.1.1.0/24 <-> 10.2.1.0/24" ts_are 10.1.1.0/24 10.2.1.0/24
  check "charon's Child SA narrowed too" swan_ts_are 10.2.1.0/24 10.1.1.0/24
  check "10.11.1.4 (outside the selectors) does not get through" not_through 10.11.1.4 10.2.1.10
}
not_through() { ! quiet ip netns exec "$NS_HK" ping -q -c 2 -i 0.2 -W 1 -I "$1" "$2"; }
setup_narrow-swan() { S_LTS=10.2.1.0/24 S_RTS=10.1.1.0/24; }
case_narrow-swan() { case_narrow-iked "$1"; }
# swan_ts_are LOCAL REMOTE: charon's Child SA selectors (its "local" and "remote" lines).
swan_ts_are() {
  local got
  got="$(sw --list-sas 2>/dev/null | awk '($1 == "local" || $1 == "remote") && $2 ~ /\// {printf "%s ", $2}')"
  [ "$got" = "$1 $2 " ] && return 0
  echo "        charon's Child SA: $got(expected $1 $2)"
  return 1
}

# 9. Several prefixes per side in one Child SA.
setup_multi-prefix() {
  K_LTS='"10.1.0.0/16", "10.11.0.0/16"' K_RTS='"10.2.0.0/16", "10.12.0.0/16"'
  S_LTS=10.2.0.0/16,10.12.0.0/16 S_RTS=10.1.0.0/16,10.11.0.0/16
}
case_multi-prefix() {
  basic "$1"
  check "ping 10.11.1.4 -> 10.12.1.10 (the second pair)" ping_from "$NS_HK" 10.11.1.4 10.12.1.10
  check "ping 10.12.1.10 -> 10.11.1.4" ping_from "$NS_HS" 10.12.1.10 10.11.1.4
  check "iked's Child SA has both prefixes each side" ts_are 10.1.0.0/16,10.11.0.0/16 10.2.0.0/16,10.12.0.0/16
}

# 10. IKE fragmentation: charon fragments above 576 bytes, iked above 1232. Both offer a long ESP
#     proposal list with MODP-4096 (iked's twice as long), so that IKE_AUTH (the SA payload) and CREATE_CHILD_SA (the
#     SA and a 512-byte KE) exceed those sizes; the Child SA is rekeyed by each side.
setup_fragmentation() {
  IKE=aes256gcm16-prfsha256-modp4096
  local e list=aes256gcm16-modp4096
  for e in aes128gcm16 chacha20poly1305 aes256-sha512 aes256-sha384 aes256-sha256 \
    aes128-sha256 aes256-sha1 aes128-sha1 aes192gcm16 aes192-sha256 aes128-sha512; do
    list+=",$e-modp4096-modp3072-modp2048-ecp384-ecp256"
  done
  ESP=$list
  # iked's own IKE_AUTH request must pass 1232 bytes without the DH transforms, which IKE_AUTH
  # leaves out: twice as many proposals, some with several ciphers and integrity algorithms.
  for e in aes128gcm16 chacha20poly1305 aes256-sha512 aes256-sha384 aes256-sha256 \
    aes128-sha256 aes256-sha1 aes128-sha1 aes192gcm16 aes192-sha256 aes128-sha512 \
    aes256-aes192-aes128-sha512-sha384-sha256-sha1 aes128-aes192-aes256-sha1-sha256-sha384-sha512 \
    aes192-aes128-aes256-sha256-sha1-sha512-sha384 aes256-aes128-sha384-sha512-sha1-sha256; do
    list+=",$e-modp3072-modp4096-ecp521-x25519-modp2048s256"
  done
  K_ESP="\"${list//,/\", \"}\""
  K_EXTRA='fragmentation = true'
  S_CONF=("fragment_size = 576")
  S_OPTS=(conn:fragmentation=yes)
}
case_fragmentation() {
  establish "$1"
  rekey_child iked
  rekey_child swan
  local log=$WORK/swan/charon.log
  check "IKE_AUTH went in fragments" grep -qE '(generating|parsed) IKE_AUTH (request|response) 1 \[ EF\(' "$log"
  check "charon split its messages into fragments" grep -q 'splitting IKE message' "$log"
  check "charon received and reassembled iked's fragments" grep -q 'reassembled fragmented IKE message' "$log"
  traffic
}

# 11. Child and IKE SA rekeys, by each side, under a running ping: no loss.
case_rekey-traffic() {
  establish "$1"
  ip netns exec "$NS_HK" ping -i 0.05 -c 240 -W 1 10.2.1.10 >"$WORK/ping.out" 2>&1 &
  local ping=$! old
  sleep 1
  rekey_child iked
  sleep 1
  rekey_child swan
  sleep 1
  old=$(k_ike_spi)
  ctl rekey peer --ike >/dev/null
  check "IKE SA rekey by iked: new SPIs" within 10 ike_changed "$old"
  sleep 1
  old=$(k_ike_spi)
  sw --rekey --ike iked >/dev/null
  check "IKE SA rekey by strongSwan: new SPIs" within 10 ike_changed "$old"
  check "after the rekeys: one IKE SA at charon" within 5 one_ike_sa
  wait $ping || true
  echo "        $(grep -E 'packets transmitted' "$WORK/ping.out")"
  check "no ping lost during the four rekeys" grep -q ' 0% packet loss' "$WORK/ping.out"
  traffic
}
setup_rekey-traffic() { :; }
ike_changed() { local s; s=$(k_ike_spi); [ "$s" != "$1" ] && [ "$s" != -- ] && [ "$s" != - ]; }
one_ike_sa() { [ "$(swan_ike_count)" = 1 ]; }

# 12. DPD with the peer killed (kill -9 charon): iked probes after 2 s idle, gives up after 10 s.
dpd_keys() { K_EXTRA="dpd_delay = \"2s\"
dpd_timeout = \"10s\"
dpd_action = \"$1\""; }
kill_charon() { kill -9 "$SWAN_PID"; wait "$SWAN_PID" 2>/dev/null || true; }
tun_and_route_stay() { ip -n "$NS_GK" link show ike-peer >/dev/null && ip -n "$NS_GK" route show 10.2.0.0/16 | grep -q ike-peer; }
setup_dpd-clear() { dpd_keys clear; }
case_dpd-clear() {
  basic "$1"
  kill_charon
  check "iked declares the peer dead and clears the tunnel" within 25 k_down
  check "the TUN interface and its route stay" tun_and_route_stay
  sleep 5
  check "and stays down (clear does not re-initiate)" k_down
  check "iked logged the dead peer" grep -q 'no response to the liveness check' "$WORK/iked/iked.log"
}
setup_dpd-restart() { dpd_keys restart; }
case_dpd-restart() {
  basic "$1"
  kill_charon
  check "iked declares the peer dead" within 25 k_down
  swan_run
  check "charon back: iked re-initiates and the tunnel comes back" within 40 k_up
  check "charon: ESTABLISHED, INSTALLED" within 5 swan_established
  traffic
}
setup_dpd-none() { dpd_keys none; }
case_dpd-none() {
  basic "$1"
  kill_charon
  check "iked warns that the liveness check went unanswered" within 25 grep -q 'dpd_action none keeps the SAs' "$WORK/iked/iked.log"
  check "and keeps the tunnel up" k_up
}

# 13. Wrong PSK: a clean failure, and iked still serves (status, and a second tunnel "good"
#     from 192.0.2.2 with the right key comes up and carries traffic).
setup_wrong-psk() {
  K_PSK_FILE=wrong.psk
  K_EXTRA='routes = []'
  S_REMOTE="$IP_K,192.0.2.2"
  K_MORE="[tunnel.good]
local_address = \"192.0.2.2\"
remote_address = \"$IP_S\"
local_id = \"@$ID_K\"
remote_id = \"@$ID_S\"
psk_file = \"shared.psk\"
local_ts = \"10.1.0.0/16\"
remote_ts = \"10.2.0.0/16\"
ike_proposals = \"$IKE\"
esp_proposals = \"$ESP\""
}
case_wrong-psk() {
  if [ "$1" = iked ]; then
    local rc=0
    ctl up peer >"$WORK/up.out" 2>&1 || rc=$?
    echo "        ikectl up peer: exit $rc: $(head -c 200 "$WORK/up.out")"
    check "ikectl up exits non-zero" test "$rc" != 0
    check "and says AUTHENTICATION_FAILED" grep -q AUTHENTICATION_FAILED "$WORK/up.out"
  else
    local rc=0
    sw --initiate --child net --ike iked >"$WORK/swan/initiate.out" 2>&1 || rc=$?
    check "swanctl --initiate fails" test "$rc" != 0
    check "charon received AUTHENTICATION_FAILED from iked" grep -q 'received AUTHENTICATION_FAILED' "$WORK/swan/charon.log"
    check "iked logged the PSK mismatch" grep -q 'PSK mismatch' "$WORK/iked/iked.log"
  fi
  check "iked: the tunnel is not up" k_down
  check "iked still answers status" quiet ctl status
  check "iked still runs" kill -0 "$IKED_PID"
  check "ikectl up good (the right key, from 192.0.2.2)" quiet ctl up good
  check "charon: ESTABLISHED, INSTALLED" within 5 swan_established
  traffic
}

# 14. Peer restart: iked (start_action = start) is killed with -9 and started again; the tunnel
#     comes back by itself and INITIAL_CONTACT makes charon drop the old IKE SA.
setup_iked-restart() { K_EXTRA='start_action = "start"'; }
case_iked-restart() {
  check "start_action = start: the tunnel comes up by itself" within 15 k_up
  check "charon: ESTABLISHED, INSTALLED" within 5 swan_established
  traffic
  kill -9 "$IKED_PID"
  wait "$IKED_PID" 2>/dev/null || true
  iked_run
  check "iked restarted: the tunnel comes back by itself" within 15 k_up
  check "charon has exactly one IKE SA (INITIAL_CONTACT dropped the old one)" within 10 one_ike_sa
  check "charon logged INITIAL_CONTACT" grep -q 'INITIAL_CONTACT' "$WORK/swan/charon.log"
  traffic
}

roles_of() {
  case $1 in
    nat-iked | dpd-none | iked-restart) echo iked ;;
    nat-swan) echo swan ;;
    *) echo iked swan ;;
  esac
}

T0=$SECONDS
for c in "${CASES[@]}"; do
  echo "== $c"
  for role in $(roles_of "$c"); do
    run "$c" "$role"
    unset K_PSK_FILE K_MORE
  done
done
echo "== interop matrix: $((SECONDS - T0)) s"
printf '   %s\n' "${RESULTS[@]}"
echo "== interop matrix: $FAILS failed checks"
[ "$FAILS" = 0 ]
