#!/usr/bin/env bash
# Tunnel throughput side by side (issue 9): in one run, on the lab's topology (two gateways, a host
# behind each, every one a network namespace named ikb-*), iperf3 TCP from host to host through
#   plain        no tunnel (the gateways route)
#   iked-gcm     iked <-> iked, AES-256-GCM, ESP in UDP 4500 (encap = true)
#   iked-chacha  iked <-> iked, ChaCha20-Poly1305, ESP in UDP 4500
#   iked-esp     iked <-> iked, AES-256-GCM, raw ESP (IP protocol 50)
#   iked-swan    iked <-> strongSwan (charon, kernel-libipsec; ESP in UDP), AES-256-GCM
#   swan-swan    strongSwan <-> strongSwan (two charon instances, kernel-libipsec), AES-256-GCM
#   wg           wireguard-go <-> wireguard-go (Debian's package, userspace TUN, wg setconf)
# and, to show what each datapath technique gives (docs/performance.md), iked-gcm again with
# `[daemon] offloads` cut back: iked-none (one packet per system call), iked-batch (recvmmsg,
# sendmmsg), iked-tso (+ TUN super-packets split once), iked-gso (+ UDP GSO/GRO); iked-gcm has
# them all (+ TCP segments merged before the TUN write).
# For each: single-stream and 4-stream throughput (median of the repetitions), ping latency from
# host to host during the single-stream runs (median and p90 rtt), and CPU seconds per gigabyte
# carried: the gateway daemons' own (utime + stime from /proc/PID/stat) and the whole machine's
# non-idle time (/proc/stat, which also holds softirq, the kernel's forwarding and both iperf3s).
# Then the ESP datapath micro-benchmark (iked-bench: seal+open vs raw OpenSSL, allocations per
# packet), the IKE handshake rate (iked-bench --handshakes: ECP-256 and X25519 against their DH
# work alone), the 1,000-tunnel scale test (scripts/bench-scale.sh: time until all are up, memory
# per tunnel, idle CPU), one table, and issue 9's targets marked met or not met.
#
# Usage (as root):
#   scripts/bench.sh [--smoke] [--only ROW,...] [BIN_DIR]
#   scripts/bench.sh --scale [N] [BIN_DIR]    (only the 1,000-tunnel test: scripts/bench-scale.sh)
# Without BIN_DIR it installs what it needs and builds release binaries (.build/release). Full
# run: 10 s per measurement, 3 repetitions, every row, then the scale test, about 17 minutes.
# --smoke: 1 s, 1 repetition, rows plain, iked-none and iked-gcm only (unless --only), no scale
# test (test.sh runs bench-scale.sh --smoke itself), BIN_DIR's binaries as they are (a debug
# build is fine), about 20 s: scripts/test.sh uses it to check that the script works and
# produces numbers. A benchmark, not a test: no number makes it fail; it exits non-zero only when a row
# could not be set up or measured at all. Logs and configs stay in /tmp/iked-bench-sh/ROW/.
# Never run it next to the test suite or another benchmark: everything shares the CPUs.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

usage() { sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; }
ALL_ROWS=(plain iked-none iked-batch iked-tso iked-gso iked-gcm iked-chacha iked-esp iked-swan swan-swan wg)
declare -A TITLE=(
  [plain]="no tunnel (plain routing)"
  [iked-none]="  offloads none (1 packet/syscall)"
  [iked-batch]="  + batching (recvmmsg/sendmmsg)"
  [iked-tso]="  + TUN TSO (split once)"
  [iked-gso]="  + UDP GSO/GRO"
  [iked-gcm]="iked-iked AES-256-GCM, UDP 4500"
  [iked-chacha]="iked-iked ChaCha20-Poly1305, UDP"
  [iked-esp]="iked-iked AES-256-GCM, raw ESP"
  [iked-swan]="iked-strongSwan AES-256-GCM"
  [swan-swan]="strongSwan-strongSwan AES-256-GCM"
  [wg]="wireguard-go-wireguard-go"
)
SMOKE="" ONLY="" BIN=""
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) SMOKE=1 ;;
    --only) [ $# -ge 2 ] || { usage >&2; exit 2; }; ONLY=$2; shift ;;
    --only=*) ONLY=${1#--only=} ;;
    --scale) shift; exec scripts/bench-scale.sh ${SMOKE:+--smoke} "$@" ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "bench.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) BIN=$(cd "$1" && pwd) ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "bench.sh: run as root (network namespaces)" >&2; exit 1; }

if [ -n "$SMOKE" ]; then T=1 REPS=1 ROWS=(plain iked-none iked-gcm); else T=10 REPS=3 ROWS=("${ALL_ROWS[@]}"); fi
if [ -n "$ONLY" ]; then
  IFS=, read -r -a ROWS <<<"$ONLY"
  for r in "${ROWS[@]}"; do
    [ -n "${TITLE[$r]:-}" ] || { echo "bench.sh: unknown row '$r' (rows: ${ALL_ROWS[*]})" >&2; exit 2; }
  done
fi

WORK=/tmp/iked-bench-sh
PREFIX=ikb-
. scripts/lib/checks.sh       # PIDS, add_host, launch_iked, wait_sockets
. scripts/lib/strongswan.sh   # swan_conf, swan_connection, swan_start, swan
. scripts/lib/deps.sh

# bench_down: stops what this script started (PIDS, then every process left in an ikb-*
# namespace, by PID), deletes the ikb-* namespaces and wireguard-go's stale UAPI sockets.
bench_down() {
  local p ns pids="" i
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  PIDS=()
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX" || true); do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -n "$pids" ] && kill $pids 2>/dev/null || true
  done
  for i in $(seq 1 20); do   # up to 2 s to exit (iked sends its DELETE and removes its TUN)
    pids=""
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX" || true); do
      pids+=" $(ip netns pids "$ns" 2>/dev/null || true)"
    done
    [ -z "${pids// /}" ] && break
    sleep 0.1
  done
  [ -n "${pids// /}" ] && kill -9 $pids 2>/dev/null || true
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX" || true); do
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -f /var/run/wireguard/ikb-wga.sock /var/run/wireguard/ikb-wgb.sock
}
trap 'bench_down' EXIT
trap 'exit 130' INT TERM

# ---- what it needs
if [ -z "$BIN" ]; then
  install_deps
  install_bench_deps
  BIN="$REPO/.build/release"
  echo "== building release binaries (swift build -c release)"
  flock /tmp/iked-swift-build.lock swift build -c release --product iked >/dev/null
  flock /tmp/iked-swift-build.lock swift build -c release --product ikectl >/dev/null
  flock /tmp/iked-swift-build.lock swift build -c release --product iked-bench >/dev/null
else
  install_bench_deps
fi
for b in iked ikectl iked-bench; do
  [ -x "$BIN/$b" ] || { echo "bench.sh: missing $BIN/$b (swift build first)" >&2; exit 1; }
done

bench_down
rm -rf "$WORK"
mkdir -p "$WORK"
HZ=$(getconf CLK_TCK)

# ---- helpers

# stats iperf FILE: "BITS_PER_SECOND BYTES" received, from iperf3 -J (empty on an error).
# stats median|p90 VALUE...: the median (nearest-rank p90) of the values, empty if none.
stats() {
  python3 - "$@" <<'PY'
import json, math, sys
cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "iperf":
    try:
        s = json.load(open(args[0]))["end"]["sum_received"]
        print(f'{s["bits_per_second"]:.0f} {s["bytes"]:.0f}')
    except Exception:
        pass
else:
    v = sorted(float(x) for x in args)
    if v:
        if cmd == "median":
            m = len(v) // 2
            print(v[m] if len(v) % 2 else (v[m - 1] + v[m]) / 2)
        else:
            print(v[max(0, math.ceil(0.9 * len(v)) - 1)])
PY
}

# ticks_of PID...: utime + stime of the processes (all their threads), in clock ticks.
ticks_of() {
  local p total=0 rest
  for p in "$@"; do
    rest=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    set -- $rest
    total=$((total + ${12} + ${13}))   # fields 14 and 15 of /proc/PID/stat
  done
  echo "$total"
}

# cpu_ticks: "BUSY STEAL TOTAL" of all CPUs in clock ticks, from /proc/stat's cpu line. BUSY is
# user + nice + system + irq + softirq: the work done here; STEAL is the time the hypervisor gave
# to someone else, left out of BUSY and reported on its own, since it makes a VM's numbers noisy.
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }

# topology: gateways ikb-gwa 192.0.2.1 and ikb-gwb 192.0.2.2 on one veth; host ikb-ha
# 10.1.1.4/16 behind A (gateway 10.1.0.1), host ikb-hb 10.2.1.10/16 behind B (10.2.0.1).
topology() {
  ip netns add ikb-gwa
  ip netns add ikb-gwb
  ip link add ikb-a netns ikb-gwa type veth peer name ikb-b netns ikb-gwb
  ip -n ikb-gwa addr add 192.0.2.1/24 dev ikb-a
  ip -n ikb-gwb addr add 192.0.2.2/24 dev ikb-b
  for l in "ikb-gwa lo" "ikb-gwb lo" "ikb-gwa ikb-a" "ikb-gwb ikb-b"; do set -- $l; ip -n "$1" link set "$2" up; done
  # kernel-libipsec needs an address inside its local selector: the gateways' 10.x.0.1 are.
  add_host ikb-ha ikb-gwa 10.1.1.4/16 10.1.0.1
  add_host ikb-hb ikb-gwb 10.2.1.10/16 10.2.0.1
}

# ---- the setups; each sets GW_PIDS (the gateway daemons, for CPU) and returns non-zero on failure

setup_plain() {
  ip -n ikb-gwa route add 10.2.0.0/16 via 192.0.2.2 || return 1
  ip -n ikb-gwb route add 10.1.0.0/16 via 192.0.2.1
  GW_PIDS=()
}

# iked_conf FILE SIDE(a|b) ESP_PROPOSAL ENCAP: one iked gateway's configuration.
iked_conf() {
  local me peer mine theirs
  if [ "$2" = a ]; then me=192.0.2.1 peer=192.0.2.2 mine=10.1.0.0/16 theirs=10.2.0.0/16
  else me=192.0.2.2 peer=192.0.2.1 mine=10.2.0.0/16 theirs=10.1.0.0/16; fi
  cat >"$1" <<CONF
[daemon]
control_socket = "$DIR/$2.sock"
log_level = "info"
${IKED_OFFLOADS:+offloads = $IKED_OFFLOADS}

[tunnel.bench]
local_address = "$me"
remote_address = "$peer"
psk_file = "$WORK/bench.psk"
local_ts = "$mine"
remote_ts = "$theirs"
ike_proposals = ["aes256gcm16-prfsha256-ecp256"]
esp_proposals = ["$3"]
encap = $4
interface = "ikb-tun"
CONF
}

# iked_gateway SIDE ESP ENCAP: writes SIDE's config and starts iked in ikb-gwSIDE.
iked_gateway() {
  iked_conf "$DIR/$1.toml" "$1" "$2" "$3"
  launch_iked "ikb-gw$1" "$DIR/$1.toml" "$DIR/$1.log" "$DIR/$1.sock"
  [ -S "$DIR/$1.sock" ] || { echo "iked in ikb-gw$1 did not start:" >&2; tail -5 "$DIR/$1.log" >&2; return 1; }
  GW_PIDS+=("$IKED_PID")
}

# setup_iked ESP ENCAP: iked on both gateways; A brings the tunnel up with ikectl.
setup_iked() {
  GW_PIDS=()
  iked_gateway b "$1" "$2" || return 1
  iked_gateway a "$1" "$2" || return 1
  timeout 30 "$BIN/ikectl" --socket "$DIR/a.sock" up bench >"$DIR/up.out" 2>&1
}
setup_iked-gcm() { IKED_OFFLOADS="" setup_iked aes256gcm16 true; }
setup_iked-none() { IKED_OFFLOADS='"none"' setup_iked aes256gcm16 true; }
setup_iked-batch() { IKED_OFFLOADS='["batching"]' setup_iked aes256gcm16 true; }
setup_iked-tso() { IKED_OFFLOADS='["batching", "tun-tso"]' setup_iked aes256gcm16 true; }
setup_iked-gso() { IKED_OFFLOADS='["batching", "tun-tso", "udp-gso", "udp-gro"]' setup_iked aes256gcm16 true; }
setup_iked-chacha() { setup_iked chacha20poly1305 true; }
setup_iked-esp() { setup_iked aes256gcm16 false; }

# swan_gateway SIDE: charon (kernel-libipsec) in ikb-gwSIDE with connection "iked", child "net".
swan_gateway() {
  local d="$DIR/swan-$1"
  mkdir -p "$d"
  swan_conf "$d"
  if [ "$1" = a ]; then
    swan_connection "$d" 192.0.2.1 192.0.2.2 aes256gcm16-prfsha256-ecp256 aes256gcm16 \
      10.1.0.0/16 10.2.0.0/16 192.0.2.1 192.0.2.2 "$(cat "$WORK/bench.psk")"
  else
    swan_connection "$d" 192.0.2.2 192.0.2.1 aes256gcm16-prfsha256-ecp256 aes256gcm16 \
      10.2.0.0/16 10.1.0.0/16 192.0.2.2 192.0.2.1 "$(cat "$WORK/bench.psk")"
  fi
  swan_start "ikb-gw$1" "$d" || { cat "$d/load.out" >&2; return 1; }
  GW_PIDS+=("${PIDS[-1]}")   # ip netns exec, unshare and sh all exec: this PID is charon's
}

# swan_routes SIDE REMOTE_NET: the route into kernel-libipsec's TUN (install_routes = no).
swan_routes() { ip -n "ikb-gw$1" route replace "$2" dev ipsec0; }

setup_iked-swan() {
  GW_PIDS=()
  swan_gateway b || return 1
  iked_gateway a aes256gcm16 true || return 1
  timeout 30 "$BIN/ikectl" --socket "$DIR/a.sock" up bench >"$DIR/up.out" 2>&1 || return 1
  swan_routes b 10.1.0.0/16
}

setup_swan-swan() {
  GW_PIDS=()
  swan_gateway b || return 1
  swan_gateway a || return 1
  timeout 30 swanctl --initiate --child net --ike iked --uri "unix://$DIR/swan-a/charon.vici" >"$DIR/initiate.out" 2>&1 || return 1
  swan_routes a 10.2.0.0/16 && swan_routes b 10.1.0.0/16
}

# wg_gateway SIDE PEER_PUB ENDPOINT REMOTE_NET: wireguard-go in ikb-gwSIDE (TUN ikb-wgSIDE).
wg_gateway() {
  local ns="ikb-gw$1" ifc="ikb-wg$1"
  ip netns exec "$ns" env WG_PROCESS_FOREGROUND=1 WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 \
    wireguard-go "$ifc" >"$DIR/$ifc.log" 2>&1 </dev/null &
  PIDS+=($!)
  GW_PIDS+=($!)
  wait_sockets "/var/run/wireguard/$ifc.sock"
  [ -S "/var/run/wireguard/$ifc.sock" ] || { cat "$DIR/$ifc.log" >&2; return 1; }
  cat >"$DIR/$ifc.conf" <<CONF
[Interface]
PrivateKey = $(cat "$DIR/$1.key")
ListenPort = 51820

[Peer]
PublicKey = $2
Endpoint = $3:51820
AllowedIPs = $4
CONF
  ip netns exec "$ns" wg setconf "$ifc" "$DIR/$ifc.conf" || return 1
  ip -n "$ns" link set "$ifc" mtu 1420 up || return 1
  ip -n "$ns" route add "$4" dev "$ifc"
}

setup_wg() {
  GW_PIDS=()
  local s
  for s in a b; do (umask 077; wg genkey >"$DIR/$s.key"); wg pubkey <"$DIR/$s.key" >"$DIR/$s.pub"; done
  wg_gateway a "$(cat "$DIR/b.pub")" 192.0.2.2 10.2.0.0/16 || return 1
  wg_gateway b "$(cat "$DIR/a.pub")" 192.0.2.1 10.1.0.0/16
}

# ---- measuring one row

declare -A R1 R4 PMED PP90 GWCPU SYSCPU STEAL FAILED

# iperf_run P OUT: one iperf3 client run from host A to host B, P streams, T seconds.
iperf_run() {
  ip netns exec ikb-ha timeout $((T + 30)) iperf3 -c 10.2.1.10 -t "$T" -P "$1" -J >"$2" 2>&1 || true
}

# measure ROW: fresh topology, the row's setup, then the measurements; fills the arrays.
measure() {
  local row=$1 rep p f r bytes=0 b1=() b4=() gw0 gw1 sys0 sys1 ping_count
  DIR="$WORK/$row"
  mkdir -p "$DIR"
  echo "== $row: ${TITLE[$row]}"
  bench_down
  topology
  if ! "setup_$row" >"$DIR/setup.log" 2>&1; then
    FAILED[$row]="setup failed (see $DIR/)"; echo "   ${FAILED[$row]}"; bench_down; return
  fi
  if ! ip netns exec ikb-ha ping -q -c 5 -i 0.2 -W 2 10.2.1.10 >"$DIR/ping-check.out" 2>&1; then
    FAILED[$row]="no path from host to host (see $DIR/)"; echo "   ${FAILED[$row]}"; bench_down; return
  fi
  ip netns exec ikb-hb iperf3 -s -B 10.2.1.10 >"$DIR/iperf3-server.log" 2>&1 </dev/null &
  PIDS+=($!)
  for f in $(seq 1 50); do ip netns exec ikb-hb ss -Hltn 'sport = :5201' | grep -q . && break; sleep 0.1; done
  ping_count=$(( T * 5 - 5 )); [ "$ping_count" -ge 2 ] || ping_count=2
  : >"$DIR/ping.txt"
  gw0=$(ticks_of "${GW_PIDS[@]}") sys0=($(cpu_ticks))
  for rep in $(seq 1 "$REPS"); do
    for p in 1 4; do
      f="$DIR/iperf-P$p-$rep.json"
      if [ "$p" = 1 ]; then
        # Latency under load: ping host to host while the single stream saturates the path.
        iperf_run 1 "$f" &
        local load=$!
        sleep 0.5
        ip netns exec ikb-ha ping -n -i 0.2 -W 2 -c "$ping_count" 10.2.1.10 >"$DIR/ping-$rep.out" 2>&1 || true
        wait "$load" || true
        sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' "$DIR/ping-$rep.out" >>"$DIR/ping.txt"
      else
        iperf_run "$p" "$f"
      fi
      r=$(stats iperf "$f")
      if [ -z "$r" ]; then echo "   iperf3 -P $p run $rep: no result ($f)"; continue; fi
      set -- $r
      bytes=$((bytes + $2))
      if [ "$p" = 1 ]; then b1+=("$1"); else b4+=("$1"); fi
      printf '   run %d, %d stream(s): %8.1f Mbit/s\n' "$rep" "$p" "$(echo "$1" | awk '{print $1 / 1e6}')"
    done
  done
  gw1=$(ticks_of "${GW_PIDS[@]}") sys1=($(cpu_ticks))
  STEAL[$row]=$(awk -v s=$((sys1[1] - sys0[1])) -v t=$((sys1[2] - sys0[2])) 'BEGIN { printf "%.1f", (t > 0 ? 100 * s / t : 0) }')
  echo "   hypervisor steal during the row: ${STEAL[$row]} % of all CPU time"
  if [ ${#b1[@]} -gt 0 ]; then R1[$row]=$(stats median "${b1[@]}" | awk '{printf "%.1f", $1 / 1e6}'); fi
  if [ ${#b4[@]} -gt 0 ]; then R4[$row]=$(stats median "${b4[@]}" | awk '{printf "%.1f", $1 / 1e6}'); fi
  PMED[$row]=$(stats median $(cat "$DIR/ping.txt") | awk '{printf "%.2f", $1}')
  PP90[$row]=$(stats p90 $(cat "$DIR/ping.txt") | awk '{printf "%.2f", $1}')
  if [ "$bytes" -gt 0 ]; then
    SYSCPU[$row]=$(awk -v t=$((sys1[0] - sys0[0])) -v hz="$HZ" -v b="$bytes" 'BEGIN { printf "%.2f", t / hz / (b / 1e9) }')
    if [ ${#GW_PIDS[@]} -gt 0 ]; then
      GWCPU[$row]=$(awk -v t=$((gw1 - gw0)) -v hz="$HZ" -v b="$bytes" 'BEGIN { printf "%.2f", t / hz / (b / 1e9) }')
    fi
  fi
  if [ -z "${R1[$row]:-}${R4[$row]:-}" ]; then FAILED[$row]="iperf3 produced no result (see $DIR/)"; fi
  bench_down
}

# ---- the run

echo "== machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), Linux $(uname -r)"
echo "== iked $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?') from $BIN; $(iperf3 --version | head -1);" \
  "strongSwan $(dpkg-query -W -f='${Version}' strongswan-charon 2>/dev/null || echo '?');" \
  "wireguard-go $(dpkg-query -W -f='${Version}' wireguard-go 2>/dev/null || echo '?')"
echo "== $T s per measurement, $REPS repetition(s), rows: ${ROWS[*]}"
(umask 077; head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$WORK/bench.psk")
for row in "${ROWS[@]}"; do measure "$row"; done

echo "== datapath micro-benchmark (iked-bench, AES-256-GCM and ChaCha20-Poly1305, 1400 bytes)"
DP_ARGS=(--sizes 1400 --suite AES-256-GCM --suite ChaCha20)
if [ -n "$SMOKE" ]; then DP_ARGS+=(--quick); fi
DP_OK=1
"$BIN/iked-bench" "${DP_ARGS[@]}" >"$WORK/iked-bench.log" 2>&1 || DP_OK=0
cat "$WORK/iked-bench.log"

echo "== IKE handshake rate (iked-bench --handshakes)"
HS_OK=1
"$BIN/iked-bench" --handshakes ${SMOKE:+--quick} >"$WORK/handshakes.log" 2>&1 || HS_OK=0
cat "$WORK/handshakes.log"

# The scale test belongs to a full run (issue 9: every target from one run of bench.sh).
SCALE_OK=1 SCALE_RAN=""
if [ -z "$SMOKE" ] && [ -z "$ONLY" ]; then
  echo "== 1,000 tunnels (scripts/bench-scale.sh)"
  SCALE_RAN=1
  scripts/bench-scale.sh 1000 "$BIN" >"$WORK/scale.log" 2>&1 || SCALE_OK=0
  cat "$WORK/scale.log"
fi

# ---- the table
ratio() { # A B: A / B with two decimals, or "-" when either is missing
  [ -n "${1:-}" ] && [ -n "${2:-}" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }' || printf -- "-"
}
met() { awk -v v="$1" -v t="$2" 'BEGIN { print (v != "-" && v + 0 >= t + 0) ? "met" : "not met" }'; }
echo
echo "==== bench.sh: TCP host to host through each setup ($T s per run, median of $REPS; ping during the 1-stream runs)"
printf '%-35s %10s %10s %17s %9s %9s %8s %8s\n' "setup" "1-stream" "4-stream" "ping under load" "gateway" "system" "1-str.x" "1-str.x"
printf '%-35s %10s %10s %17s %9s %9s %8s %8s\n' "" "Mbit/s" "Mbit/s" "median/p90 ms" "CPU s/GB" "CPU s/GB" "wg-go" "swan"
for row in "${ROWS[@]}"; do
  if [ -n "${FAILED[$row]:-}" ]; then printf '%-35s %s\n' "${TITLE[$row]}" "${FAILED[$row]}"; continue; fi
  printf '%-35s %10s %10s %17s %9s %9s %8s %8s\n' "${TITLE[$row]}" "${R1[$row]:--}" "${R4[$row]:--}" \
    "${PMED[$row]:--}/${PP90[$row]:--}" "${GWCPU[$row]:--}" "${SYSCPU[$row]:--}" \
    "$(ratio "${R1[$row]:-}" "${R1[wg]:-}")" "$(ratio "${R1[$row]:-}" "${R1[swan-swan]:-}")"
done
echo "gateway CPU: utime+stime of both gateway daemons (none for plain routing); system CPU: all"
echo "non-idle time of the machine (both iperf3s, softirq, forwarding); both per GB received by iperf3."
steal=""
for row in "${ROWS[@]}"; do [ -n "${STEAL[$row]:-}" ] && steal+=" $row ${STEAL[$row]} %,"; done
echo "hypervisor steal (CPU time this VM did not get; high values mean noisy rows):${steal%,}"
echo
echo "issue 9's targets, iked-iked AES-256-GCM over UDP 4500 (numbers, not a verdict on the run):"
vs_wg=$(ratio "${R1[iked-gcm]:-}" "${R1[wg]:-}")
vs_swan=$(ratio "${R1[iked-gcm]:-}" "${R1[swan-swan]:-}")
if [ "$vs_wg" = - ]; then echo "  single stream vs wireguard-go:          - (a row is missing)"
else echo "  single stream vs wireguard-go:          ${vs_wg}x (target >= 2x): $(met "$vs_wg" 2)"; fi
if [ "$vs_swan" = - ]; then echo "  single stream vs strongSwan-strongSwan: - (a row is missing)"
else echo "  single stream vs strongSwan-strongSwan: ${vs_swan}x (target >= 20x): $(met "$vs_swan" 20)"; fi
if [ -n "${PMED[iked-gcm]:-}" ] && [ -n "${PMED[wg]:-}" ]; then
  echo "  ping median under load: iked ${PMED[iked-gcm]} ms, wireguard-go ${PMED[wg]} ms (target: no worse):" \
    "$(awk -v a="${PMED[iked-gcm]}" -v b="${PMED[wg]}" 'BEGIN { print (a <= b) ? "met" : "not met" }')"
else
  echo "  ping median under load vs wireguard-go: - (a row is missing)"
fi
dp_ratio=$(sed -n 's/^lowest seal+open ratio at 1400 bytes: \([0-9.]*\).*/\1/p' "$WORK/iked-bench.log")
dp_allocs=$(sed -n 's/^iked-bench: done; steady-state allocations per packet: //p' "$WORK/iked-bench.log")
echo "  datapath, lowest seal+open ratio to raw OpenSSL at 1400 bytes: ${dp_ratio:--} (target >= 0.85): $(met "${dp_ratio:--}" 0.85)"
hs_ratio=$(awk '$1 ~ /^(ECP-256|X25519)$/ { r = (r == "" || $4 < r) ? $4 : r } END { print r }' "$WORK/handshakes.log")
echo "  IKE handshakes, lowest rate relative to the DH work alone: ${hs_ratio:--} (target >= 0.5): $(met "${hs_ratio:--}" 0.5)"
if [ -n "$SCALE_RAN" ]; then
  # bench-scale.sh's own verdict lines: time until all are up, memory per tunnel, idle CPU.
  grep -E '(met|not met)$' "$WORK/scale.log" | sed 's/^/  1,000 tunnels: /' || echo "  1,000 tunnels: - (no result, see $WORK/scale.log)"
else
  echo "  1,000 tunnels: not part of this run (full runs only; or scripts/bench.sh --scale)"
fi
case $dp_allocs in
  0) echo "  datapath, steady-state heap allocations per packet: 0 (target 0): met" ;;
  [0-9]*|NOT*) echo "  datapath, steady-state heap allocations per packet: $dp_allocs (target 0): not met" ;;
  *) echo "  datapath, steady-state heap allocations per packet: ${dp_allocs:--} (a debug build's times and counts mean nothing)" ;;
esac

# Only a setup that produced no numbers fails the run; a slow number never does.
bad=0
for row in "${ROWS[@]}"; do
  if [ -n "${FAILED[$row]:-}" ] || [ -z "${R1[$row]:-}" ] || [ -z "${R4[$row]:-}" ] || [ -z "${PMED[$row]:-}" ] || [ -z "${SYSCPU[$row]:-}" ]; then
    echo "bench.sh: row $row produced no numbers (logs in $WORK/$row/)" >&2; bad=1
  fi
done
[ "$DP_OK" = 1 ] && grep -q '^iked-bench: done' "$WORK/iked-bench.log" || { echo "bench.sh: iked-bench failed" >&2; bad=1; }
[ "$SCALE_OK" = 1 ] || { echo "bench.sh: the scale test failed (see $WORK/scale.log)" >&2; bad=1; }
[ "$HS_OK" = 1 ] && grep -qE '^X25519 +[0-9]' "$WORK/handshakes.log" || { echo "bench.sh: iked-bench --handshakes failed" >&2; bad=1; }
exit "$bad"
