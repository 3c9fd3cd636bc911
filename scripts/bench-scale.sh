#!/usr/bin/env bash
# The 1,000-tunnel scale benchmark (issue 9): one iked (the hub, namespace ikbs-hub, 198.18.0.1)
# holding N tunnels to N peer addresses (198.18.1.1 ... on one veth in namespace ikbs-peers), each
# tunnel with its own TUN and route on both sides; another iked in ikbs-peers answers them all.
# It reports
#   - the time from the hub's start (start_action = start) until `ikectl status --json` shows N up;
#   - the hub's memory per tunnel: VmRSS with N up minus VmRSS of the same configuration with
#     start_action = add (TUNs and routes made, nothing started), divided by N; and, in a full
#     run, the slope between 100 tunnels up and N up;
#   - idle CPU of both daemons over 60 s once all are up (utime + stime from /proc/PID/stat) and
#     their voluntary context switches per second (wake-ups);
# and whether issue 9's targets hold: N up within 60 s, < 64 KiB per tunnel, < 2 % of a core idle.
#
# Usage (as root):
#   scripts/bench-scale.sh [--smoke] [N] [BIN_DIR]
# N defaults to 1000. Without BIN_DIR it builds release binaries (.build/release). --smoke: N = 20
# (unless given), a few seconds of idle sampling and no 100-tunnel slope, BIN_DIR's binaries as
# they are (a debug build is fine), well under a minute: scripts/test.sh uses it to check that the
# script works. A benchmark, not a test: no number makes it fail; it exits non-zero only when the
# tunnels could not be brought up at all. Logs and configs stay in /tmp/iked-bench-scale/.
# Namespaces are named ikbs-*; addresses are from 198.18.0.0/15 (RFC 2544) inside them only.
# Never run it next to the test suite or another benchmark: everything shares the CPUs.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }
SMOKE="" N="" BIN=""
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) SMOKE=1 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "bench-scale.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) if [[ $1 =~ ^[0-9]+$ ]]; then N=$1; else BIN=$(cd "$1" && pwd); fi ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "bench-scale.sh: run as root (network namespaces)" >&2; exit 1; }
if [ -z "$N" ]; then if [ -n "$SMOKE" ]; then N=20; else N=1000; fi; fi
[ "$N" -ge 1 ] && [ "$N" -le 60000 ] || { echo "bench-scale.sh: N must be 1-60000" >&2; exit 2; }
if [ -n "$SMOKE" ]; then SETTLE=1 IDLE=3 UP_LIMIT=60; else SETTLE=10 IDLE=60 UP_LIMIT=300; fi

WORK=/tmp/iked-bench-scale
HUB=ikbs-hub PEERS=ikbs-peers
HUB_IP=198.18.0.1
PIDS=()

# scale_down: stops what this script started (by PID, then whatever is left in an ikbs-*
# namespace) and deletes the ikbs-* namespaces (their TUNs and routes go with them).
scale_down() {
  local p ns pids="" i
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  PIDS=()
  for i in $(seq 1 50); do   # up to 5 s: iked sends its DELETEs and removes its TUNs
    pids=""
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^ikbs-' || true); do
      pids+=" $(ip netns pids "$ns" 2>/dev/null || true)"
    done
    [ -z "${pids// /}" ] && break
    [ "$i" = 1 ] && kill $pids 2>/dev/null || true
    sleep 0.1
  done
  [ -n "${pids// /}" ] && kill -9 $pids 2>/dev/null || true
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^ikbs-' || true); do
    ip netns del "$ns" 2>/dev/null || true
  done
}
trap 'scale_down' EXIT
trap 'exit 130' INT TERM

if [ -z "$BIN" ]; then
  BIN="$REPO/.build/release"
  echo "== building release binaries (swift build -c release)"
  flock /tmp/iked-swift-build.lock swift build -c release --product iked >/dev/null
  flock /tmp/iked-swift-build.lock swift build -c release --product ikectl >/dev/null
fi
for b in iked ikectl; do
  [ -x "$BIN/$b" ] || { echo "bench-scale.sh: missing $BIN/$b (swift build first)" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "bench-scale.sh: needs python3" >&2; exit 1; }

scale_down
rm -rf "$WORK"
mkdir -p "$WORK"
HZ=$(getconf CLK_TCK)

peer_ip() { echo "198.18.$((1 + ($1 - 1) / 250)).$((1 + ($1 - 1) % 250))"; }   # tunnel 1..N
remote_net() { echo "10.$((128 + $1 / 256)).$(($1 % 256)).0/24"; }

# topology: the two namespaces on one veth, IPv6 off before any TUN exists (no router
# solicitations or MLD from 2N interfaces), the peers' N addresses and permanent neighbours
# (no ARP, and no neighbour-table garbage collection: permanent entries do not count toward
# gc_thresh) in one `ip -batch` per side.
topology() {
  local ns i mac_h mac_p
  for ns in $HUB $PEERS; do
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
  done
  ip link add ikbs-h netns $HUB type veth peer name ikbs-p netns $PEERS
  ip -n $HUB addr add $HUB_IP/15 dev ikbs-h
  mac_h=$(ip -n $HUB -br link show ikbs-h | awk '{print $3}')
  mac_p=$(ip -n $PEERS -br link show ikbs-p | awk '{print $3}')
  for i in $(seq 1 "$N"); do echo "address add $(peer_ip "$i")/15 dev ikbs-p"; done >"$WORK/peers.batch"
  echo "neigh replace $HUB_IP lladdr $mac_h dev ikbs-p nud permanent" >>"$WORK/peers.batch"
  for i in $(seq 1 "$N"); do echo "neigh replace $(peer_ip "$i") lladdr $mac_p dev ikbs-h nud permanent"; done >"$WORK/hub.batch"
  ip -n $PEERS -batch "$WORK/peers.batch"
  ip -n $HUB -batch "$WORK/hub.batch"
  ip -n $HUB link set ikbs-h up
  ip -n $PEERS link set ikbs-p up
}

# hub_conf FILE COUNT START_ACTION: the hub's first COUNT tunnels.
hub_conf() {
  local i
  {
    printf '[daemon]\ncontrol_socket = "%s"\nlog_level = "info"\n' "$WORK/hub.sock"
    for i in $(seq 1 "$2"); do
      printf '\n[tunnel.t%d]\nlocal_address = "%s"\nremote_address = "%s"\npsk_file = "%s"\n' "$i" $HUB_IP "$(peer_ip "$i")" "$WORK/scale.psk"
      printf 'local_ts = "10.100.0.0/16"\nremote_ts = "%s"\n' "$(remote_net "$i")"
      printf 'ike_proposals = ["aes256gcm16-prfsha256-x25519"]\nesp_proposals = ["aes256gcm16"]\n'
      printf 'interface = "ikt%d"\ndpd_delay = "30s"\nstart_action = "%s"\n' "$i" "$3"
    done
  } >"$1"
}

# peers_conf FILE: N responder tunnels, each on its own address; no routes (they would all be
# 10.100.0.0/16), and no cookies however many are half-open (the hub paces itself).
peers_conf() {
  local i
  {
    printf '[daemon]\ncontrol_socket = "%s"\nlog_level = "info"\ncookie_threshold = 1000000\n' "$WORK/peers.sock"
    for i in $(seq 1 "$N"); do
      printf '\n[tunnel.p%d]\nlocal_address = "%s"\nremote_address = "%s"\npsk_file = "%s"\n' "$i" "$(peer_ip "$i")" $HUB_IP "$WORK/scale.psk"
      printf 'local_ts = "%s"\nremote_ts = "10.100.0.0/16"\nroutes = []\n' "$(remote_net "$i")"
      printf 'ike_proposals = ["aes256gcm16-prfsha256-x25519"]\nesp_proposals = ["aes256gcm16"]\n'
      printf 'interface = "ikp%d"\ndpd_delay = "30s"\nstart_action = "add"\n' "$i"
    done
  } >"$1"
}

# start_iked NS CONFIG LOG: runs iked in NS; sets IKED_PID.
start_iked() {
  ip netns exec "$1" "$BIN/iked" --config "$2" >"$3" 2>&1 </dev/null &
  IKED_PID=$!
  PIDS+=($!)
}

# up_count SOCKET: how many tunnels `ikectl status --json` shows up (empty if it does not answer).
up_count() {
  timeout 20 "$BIN/ikectl" --socket "$1" status --json 2>/dev/null | python3 -c '
import json, sys
try:
    print(sum(1 for t in json.load(sys.stdin)["tunnels"] if t["state"] == "up"))
except Exception:
    pass'
}

# drops SOCKET: the daemon's nonzero IKE drop counters ("reason=count ..."), or "none".
drops() {
  timeout 20 "$BIN/ikectl" --socket "$1" status --json 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin).get("drops", {})
    print(" ".join(f"{k}={v}" for k, v in sorted(d.items()) if v) or "none")
except Exception:
    print("?")'
}

# wait_answering SOCKET SECONDS: until the daemon answers on its control socket (its TUNs are made).
wait_answering() {
  local i
  for i in $(seq 1 $(($2 * 10))); do
    [ -S "$1" ] && [ -n "$(up_count "$1")" ] && return 0
    sleep 0.1
  done
  return 1
}

# udp_overflows NS: datagrams the namespace's UDP sockets dropped for a full receive buffer.
udp_overflows() { ip netns exec "$1" awk '/^Udp:/ { if (h) { print $6; exit } h = 1 }' /proc/net/snmp; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
vcsw() { awk '/^voluntary_ctxt_switches:/ { print $2 }' "/proc/$1/status"; }
ticks() { local rest; rest=$(sed 's/.*) //' "/proc/$1/stat"); set -- $rest; echo $((${12} + ${13})); }
now() { date +%s.%N; }

# stop_hub: SIGTERM to the hub (it deletes its SAs), then wait for it.
stop_hub() {
  kill "$HUB_PID" 2>/dev/null || true
  local i
  for i in $(seq 1 100); do kill -0 "$HUB_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$HUB_PID" 2>/dev/null || true
  wait "$HUB_PID" 2>/dev/null || true
  rm -f "$WORK/hub.sock"
}

# hub_run COUNT START_ACTION NAME: starts the hub with its first COUNT tunnels; with start, waits
# until all are up and sets UP_SECONDS (empty when they were not all up within UP_LIMIT).
hub_run() {
  hub_conf "$WORK/hub-$3.toml" "$1" "$2"
  local t0 i
  up=0
  t0=$(now)
  start_iked $HUB "$WORK/hub-$3.toml" "$WORK/hub-$3.log"
  HUB_PID=$IKED_PID
  wait_answering "$WORK/hub.sock" 120 || { echo "   the hub did not answer (see $WORK/hub-$3.log)"; return 1; }
  UP_SECONDS=""
  [ "$2" = start ] || return 0
  for i in $(seq 1 $((UP_LIMIT * 2))); do
    up=$(up_count "$WORK/hub.sock"); up=${up:-0}
    if [ "$up" -ge "$1" ]; then UP_SECONDS=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'); break; fi
    sleep 0.5
  done
  echo "   $up of $1 up${UP_SECONDS:+ after $UP_SECONDS s}"
}

# ---- the run
echo "== machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), Linux $(uname -r)"
echo "== iked $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?') from $BIN; $N tunnels"
(umask 077; head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$WORK/scale.psk")
t=$(now)
topology
echo "   topology: 2 namespaces, $N peer addresses in $(awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s"
peers_conf "$WORK/peers.toml"
hub_conf "$WORK/hub.toml" "$N" start   # the configuration measured (kept for a look)
t=$(now)
start_iked $PEERS "$WORK/peers.toml" "$WORK/peers.log"
PEER_PID=$IKED_PID
wait_answering "$WORK/peers.sock" 300 || { echo "bench-scale.sh: the peers' iked did not start (see $WORK/peers.log)" >&2; tail -5 "$WORK/peers.log" >&2; exit 1; }
echo "   peers' iked ready with $N TUNs in $(awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s"

echo "== hub with $N tunnels configured, start_action = add (the memory baseline)"
hub_run "$N" add base || exit 1
sleep 2
RSS_BASE=$(rss_kib "$HUB_PID")
echo "   VmRSS $RSS_BASE KiB"
stop_hub

SLOPE=""
if [ -z "$SMOKE" ] && [ "$N" -gt 100 ]; then
  echo "== hub with 100 tunnels up (for the slope)"
  if hub_run 100 start n100 && [ -n "$UP_SECONDS" ]; then
    sleep 2
    RSS_100=$(rss_kib "$HUB_PID")
    echo "   VmRSS $RSS_100 KiB"
  fi
  stop_hub
  sleep 2   # the peers process the DELETEs
fi

echo "== hub with $N tunnels, start_action = start"
ov_h0=$(udp_overflows $HUB) ov_p0=$(udp_overflows $PEERS)
hub_run "$N" start all || exit 1
ov_h1=$(udp_overflows $HUB) ov_p1=$(udp_overflows $PEERS)
UP_AT_LIMIT=$up
if [ -z "$UP_SECONDS" ]; then
  echo "bench-scale.sh: not all $N tunnels came up within $UP_LIMIT s (see $WORK/hub-all.log); measuring the $up that did" >&2
  [ "$up" -gt 0 ] || exit 1
fi
echo "   settling $SETTLE s, then idle for $IDLE s"
sleep "$SETTLE"
h0=$(ticks "$HUB_PID") p0=$(ticks "$PEER_PID") hc0=$(vcsw "$HUB_PID") pc0=$(vcsw "$PEER_PID") t0=$(now)
sleep "$IDLE"
h1=$(ticks "$HUB_PID") p1=$(ticks "$PEER_PID") hc1=$(vcsw "$HUB_PID") pc1=$(vcsw "$PEER_PID") t1=$(now)
RSS_UP=$(rss_kib "$HUB_PID")
PEER_RSS=$(rss_kib "$PEER_PID")
STILL_UP=$(up_count "$WORK/hub.sock")
HUB_DROPS=$(drops "$WORK/hub.sock") PEER_DROPS=$(drops "$WORK/peers.sock")
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
cpu_pct() { awk -v t="$1" -v hz="$HZ" -v s="$secs" 'BEGIN { printf "%.2f", 100 * t / hz / s }'; }
per_s() { awk -v n="$1" -v s="$secs" 'BEGIN { printf "%.1f", n / s }'; }
HUB_CPU=$(cpu_pct $((h1 - h0))) PEER_CPU=$(cpu_pct $((p1 - p0)))
HUB_WAKE=$(per_s $((hc1 - hc0))) PEER_WAKE=$(per_s $((pc1 - pc0)))
PER_TUNNEL=$(awk -v a="$RSS_UP" -v b="$RSS_BASE" -v n="$UP_AT_LIMIT" 'BEGIN { printf "%.1f", (a - b) / n }')
if [ -n "${RSS_100:-}" ]; then SLOPE=$(awk -v a="$RSS_UP" -v b="$RSS_100" -v n="$N" 'BEGIN { printf "%.1f", (a - b) / (n - 100) }'); fi

met() { awk -v v="$1" -v t="$2" 'BEGIN { print (v != "" && v + 0 < t + 0) ? "met" : "not met" }'; }
echo
echo "==== bench-scale.sh: $N tunnels, one hub iked to $N peer addresses"
printf '%-44s %14s %10s\n' "measure" "value" "target"
if [ -n "$UP_SECONDS" ]; then
  printf '%-44s %14s %10s  %s\n' "time until all $N are up" "$UP_SECONDS s" "< 60 s" "$(met "$UP_SECONDS" 60)"
else
  printf '%-44s %14s %10s  %s\n' "time until all $N are up" "$UP_AT_LIMIT up at ${UP_LIMIT} s" "< 60 s" "not met"
fi
printf '%-44s %14s %10s\n' "hub VmRSS, configured (start_action add)" "$RSS_BASE KiB" ""
printf '%-44s %14s %10s\n' "hub VmRSS, all up, after ${IDLE} s idle" "$RSS_UP KiB" ""
printf '%-44s %14s %10s  %s\n' "hub memory per tunnel (up - configured) / up" "$PER_TUNNEL KiB" "< 64 KiB" "$(met "$PER_TUNNEL" 64)"
[ -n "$SLOPE" ] && printf '%-44s %14s %10s\n' "hub memory slope, 100 up -> $N up" "$SLOPE KiB" ""
printf '%-44s %14s %10s  %s\n' "hub idle CPU over $IDLE s" "$HUB_CPU %" "< 2 %" "$(met "$HUB_CPU" 2)"
printf '%-44s %14s %10s  %s\n' "peers' iked idle CPU over $IDLE s" "$PEER_CPU %" "< 2 %" "$(met "$PEER_CPU" 2)"
printf '%-44s %14s %10s\n' "hub wake-ups (voluntary switches) per s" "$HUB_WAKE" ""
printf '%-44s %14s %10s\n' "peers' iked wake-ups per s" "$PEER_WAKE" ""
printf '%-44s %14s %10s\n' "peers' iked VmRSS, all up" "$PEER_RSS KiB" ""
printf '%-44s %14s %10s\n' "tunnels still up at the end" "${STILL_UP:-?}" ""
printf '%-44s %14s %10s\n' "UDP receive-buffer drops in bring-up, hub" "$((ov_h1 - ov_h0))" ""
printf '%-44s %14s %10s\n' "UDP receive-buffer drops in bring-up, peers" "$((ov_p1 - ov_p0))" ""
echo "IKE datagrams dropped by the hub: $HUB_DROPS; by the peers' iked: $PEER_DROPS"
echo "idle: after all were up, $SETTLE s to settle, then utime+stime over $IDLE s (DPD every 30 s per tunnel, both sides)."
[ -n "$SMOKE" ] && echo "(smoke run: few tunnels and seconds; the numbers mean little)"
[ -n "$UP_SECONDS" ]
