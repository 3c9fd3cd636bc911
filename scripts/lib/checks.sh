# Shared pieces of the namespace test scripts (sourced): PASS/FAIL checks, stopping what a test
# started and removing its namespaces, waiting for control sockets, and a TCP transfer whose
# content is checked end to end. The sourcing script sets NAMESPACES=(...) and WORK.
FAILS=0
PIDS=()
NAMESPACES=()

# check DESCRIPTION COMMAND...: runs the command, prints PASS or FAIL, counts failures.
check() {
  local what=$1
  shift
  if "$@"; then echo "  PASS  $what"; else echo "  FAIL  $what"; FAILS=$((FAILS + 1)); fi
}

# wait_for SECONDS COMMAND...: runs COMMAND once a second until it succeeds, at most SECONDS times.
wait_for() { local i; for i in $(seq 1 "$1"); do "${@:2}" && return 0; sleep 1; done; return 1; }

# now_ms: the clock in milliseconds, for measured intervals.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# cut_address ROUTER_NS ADDR: the router namespace drops every forwarded packet from or to ADDR
# (nftables table inet cut), the way a tunnel's outside address goes dark; sets CUT_MS.
# heal_cut ROUTER_NS removes the table.
cut_address() {
  ip netns exec "$1" nft -f - <<NFT
table inet cut {
  chain f {
    type filter hook forward priority 0;
    ip saddr $2 drop
    ip daddr $2 drop
  }
}
NFT
  CUT_MS=$(now_ms)
}
heal_cut() { ip netns exec "$1" nft delete table inet cut; }

# wait_moved LIMIT_MS MOVED_FN HOST_NS DEST: after cut_address, polls every 0.2 s for LIMIT_MS
# until MOVED_FN succeeds (the routes have left the cut tunnel) and then one ping from HOST_NS to
# DEST is answered. Sets MOVED_MS (routes moved) and BACK_MS (ping answered), in ms after the cut,
# or leaves them empty.
wait_moved() {
  MOVED_MS="" BACK_MS=""
  while [ $(( $(now_ms) - CUT_MS )) -lt "$1" ]; do
    if "$2"; then
      [ -n "$MOVED_MS" ] || MOVED_MS=$(( $(now_ms) - CUT_MS ))
      if ip netns exec "$3" ping -c 1 -W 1 "$4" >/dev/null 2>&1; then BACK_MS=$(( $(now_ms) - CUT_MS )); return 0; fi
    fi
    sleep 0.2
  done
  return 1
}

# tunnel_field SOCKET TUNNEL EXPR: prints the Python expression EXPR over tunnel TUNNEL's object t
# in `ikectl status --json` of the iked whose control socket is SOCKET.
tunnel_field() {
  "$BIN/ikectl" --socket "$1" status --json | python3 -c \
    "import json,sys; t=[t for t in json.load(sys.stdin)['tunnels'] if t['name']==sys.argv[1]][0]; print(eval(sys.argv[2]))" "$2" "$3"
}

# iked_bird_conf DIR ROUTER_ID: DIR/bird.conf as docs/routing.md asks an operator for (a kernel
# protocol with merge paths that leaves iked's announce routes out, and the include of iked's
# fragments in DIR/iked.d), plus a router ID and a log in DIR.
iked_bird_conf() {
  cat >"$1/bird.conf" <<CONF
router id $2;
log "$1/bird.log" all;
protocol device {}
protocol kernel {
  ipv4 { export where proto !~ "iked_*_announce"; };
  merge paths on;
}
include "$1/iked.d/*.conf";
CONF
}

# Stops every process in PIDS and deletes every namespace in NAMESPACES.
stop_all() {
  local p ns
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  PIDS=()
  for ns in "${NAMESPACES[@]:-}"; do [ -n "$ns" ] && ip netns del "$ns" 2>/dev/null || true; done
}

# Cleans up on exit; IKED_INTEROP_KEEP=1 keeps $WORK (logs, configs) for a look afterwards.
trap_cleanup() {
  trap 'stop_all; [ -n "${IKED_INTEROP_KEEP:-}" ] || rm -rf "$WORK"' EXIT
  trap 'exit 130' INT TERM
}

# launch_iked NS CONFIG LOG SOCKET: runs iked in NS with CONFIG (its output to LOG, stdin closed,
# so no pipe of the caller stays open), adds it to PIDS, sets IKED_PID, and waits for SOCKET.
launch_iked() {
  ip netns exec "$1" "$BIN/iked" --config "$2" >"$3" 2>&1 </dev/null &
  IKED_PID=$!
  PIDS+=($!)
  wait_sockets "$4"
}

# start_bird NS CONF CTL: checks CONF with `bird -p`, then runs BIRD 2 in the foreground in NS in
# the background (its pid in PIDS, for stop_all) with control socket CTL; pid file and output
# beside CTL (CTL without .ctl, plus .pid and .out). Wait for CTL with wait_sockets.
start_bird() {
  local base=${3%.ctl}
  bird -p -c "$2"
  ip netns exec "$1" bird -f -c "$2" -s "$3" -P "$base.pid" >"$base.out" 2>&1 </dev/null &
  PIDS+=($!)
}

# wait_sockets PATH...: up to 5 s for each unix socket to appear.
wait_sockets() {
  local f i
  for f in "$@"; do
    for i in $(seq 1 50); do [ -S "$f" ] && break; sleep 0.1; done
  done
}

# transfer_verified RECV_NS RECV_IP SEND_NS SEND_IP BYTES: sends BYTES of random data over TCP
# and succeeds when what arrived has the same length and SHA-256 as what was sent.
transfer_verified() {
  local tool
  tool="$(cd "$(dirname "${BASH_SOURCE[0]}")/../interop" && pwd)/tcp-transfer.py"
  ip netns exec "$1" python3 "$tool" recv "$2" 5001 >"$WORK/recv.out" &
  local recv=$!
  sleep 0.5
  ip netns exec "$3" timeout 120 python3 "$tool" send "$2" 5001 "$4" "$5" >"$WORK/send.out" || true
  wait "$recv" || true
  echo "        $(cat "$WORK/send.out")"
  test -s "$WORK/recv.out" && test "$(cut -d' ' -f1,2 "$WORK/send.out")" = "$(cat "$WORK/recv.out")"
}

# routed_sites NS_A "A_ADDRS" A_GW NS_M NS_Z Z_ADDR Z_GW: two gateway namespaces on either side of
# a router namespace NS_M, each on its own /24: NS_A's veth a0 (one or more addresses) to NS_M's
# m0 (A_GW), NS_Z's veth z0 (Z_ADDR) to NS_M's m1 (Z_GW); NS_M forwards, the gateways route
# everything through it.
routed_sites() {
  local a=$1 a_addrs=$2 a_gw=$3 m=$4 z=$5 z_addr=$6 z_gw=$7 ip
  for ns in "$a" "$m" "$z"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
  ip link add a0 netns "$a" type veth peer name m0 netns "$m"
  ip link add z0 netns "$z" type veth peer name m1 netns "$m"
  for ip in $a_addrs; do ip -n "$a" addr add "$ip/24" dev a0; done
  ip -n "$m" addr add "$a_gw/24" dev m0
  ip -n "$m" addr add "$z_gw/24" dev m1
  ip -n "$z" addr add "$z_addr/24" dev z0
  ip -n "$a" link set a0 up; ip -n "$m" link set m0 up; ip -n "$m" link set m1 up; ip -n "$z" link set z0 up
  ip netns exec "$m" sysctl -qw net.ipv4.ip_forward=1
  ip -n "$a" route add default via "$a_gw"
  ip -n "$z" route add default via "$z_gw"
}

# add_host HOST_NS GW_NS HOST_CIDR GW_IP: a host (the VNet VM, the EC2 instance) in namespace
# HOST_NS behind the gateway namespace GW_NS: a veth pair named HOST_NS / HOST_NS"g", the host at
# HOST_CIDR with its default route via GW_IP, the gateway at GW_IP with forwarding on.
add_host() {
  local prefix=${3#*/}
  ip netns add "$1"
  ip link add "$1" netns "$1" type veth peer name "${1}g" netns "$2"
  ip -n "$1" addr add "$3" dev "$1"
  ip -n "$2" addr add "$4/$prefix" dev "${1}g"
  ip -n "$1" link set lo up
  ip -n "$1" link set "$1" up
  ip -n "$2" link set "${1}g" up
  ip -n "$1" route add default via "$4"
  ip netns exec "$2" sysctl -qw net.ipv4.ip_forward=1
}
