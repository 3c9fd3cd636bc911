# Pieces the lab scenarios share (sourced by scripts/lab.sh after scripts/lib/checks.sh and
# scripts/lib/strongswan.sh): namespaces and links, the "internet" between the clouds, iked
# daemons started from the configuration files under lab/, their status tables, and teardown.
# Every lab namespace is named lab-*, so teardown finds all of them, even after --keep.
LAB_RUN=/tmp/iked-lab
LAB_PREFIX=lab-

# lab_ns NAME...: new namespaces with loopback up.
lab_ns() {
  local ns
  for ns in "$@"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
}

# lab_link NS_A IF_A CIDR_A NS_B IF_B CIDR_B: a veth pair between two namespaces, addressed, up.
lab_link() {
  ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
  ip -n "$1" addr add "$3" dev "$2"
  ip -n "$4" addr add "$6" dev "$5"
  ip -n "$1" link set "$2" up
  ip -n "$4" link set "$5" up
}

# lab_router NS: IP forwarding on (the internet, a hub router, a transit gateway).
lab_router() { ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1; }

# lab_config SCENARIO: copies lab/SCENARIO/ to $LAB_RUN/SCENARIO/ and writes the connection's
# shared key there as lab.psk (random per run, mode 600), which every iked config there reads.
lab_config() {
  local dir="$LAB_RUN/$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -r "$REPO/lab/$1/." "$dir/"
  LAB_PSK="lab$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"
  printf '%s\n' "$LAB_PSK" >"$dir/lab.psk"
  chmod 600 "$dir/lab.psk"
}

# lab_iked NS CONFIG SOCKET: checks CONFIG with `iked --check`, starts iked in NS with it (log
# next to it, CONFIG.log) and waits for its control socket.
lab_iked() {
  "$BIN/iked" --check --config "$2" >/dev/null || { echo "iked --check refused $2" >&2; return 1; }
  launch_iked "$1" "$2" "$2.log" "$3"
  [ -S "$3" ] || { echo "iked in $1 did not start; its log:" >&2; tail -20 "$2.log" >&2; return 1; }
}

# lab_status TITLE SOCKET: prints one gateway's `ikectl status` table under a title.
lab_status() {
  echo
  echo "---- $1: ikectl status"
  "$BIN/ikectl" --socket "$2" status || true
}

# lab_tunnel_up SOCKET TUNNEL: true when iked reports the tunnel UP with a Child SA.
lab_tunnel_up() {
  "$BIN/ikectl" --socket "$1" status --json "$2" 2>/dev/null | python3 -c \
    "import json,sys; t=json.load(sys.stdin)['tunnels'][0]; sys.exit(0 if t['state'] == 'up' and t['child_sas'] else 1)"
}

# lab_wait_up SOCKET TUNNEL: up to 30 s for the tunnel to be UP (a responder's view).
lab_wait_up() {
  local i
  for i in $(seq 1 150); do lab_tunnel_up "$1" "$2" && return 0; sleep 0.2; done
  return 1
}

# lab_carried SOCKET TUNNEL: true when the tunnel's Child SA counted packets both ways (the pings
# went through ESP, not around it).
lab_carried() {
  "$BIN/ikectl" --socket "$1" status --json "$2" 2>/dev/null | python3 -c \
    "import json,sys; c=json.load(sys.stdin)['tunnels'][0]['child_sas']; sys.exit(0 if c and c[0]['packets_in'] > 0 and c[0]['packets_out'] > 0 else 1)"
}

# lab_ping FROM_NS TO_IP: three pings, quiet.
lab_ping() { ip netns exec "$1" ping -q -c 3 -i 0.2 -W 2 "$2" >/dev/null; }

# lab_down: stops every process in a lab namespace, deletes the namespaces (their interfaces go
# with them) and the run directory.
lab_down() {
  local ns pids
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB_PREFIX" || true); do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -n "$pids" ] && kill $pids 2>/dev/null || true
  done
  sleep 0.5
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB_PREFIX" || true); do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
    ip netns del "$ns"
  done
  rm -rf "$LAB_RUN"
}

# lab_keep_help: what to type once the lab stays up (--keep).
lab_keep_help() {
  echo
  echo "The lab stays up (--keep). Enter a namespace with a shell, for example:"
  local ns
  for ns in $(ip netns list | awk '{print $1}' | grep "^$LAB_PREFIX" | sort); do
    echo "  ip netns exec $ns bash"
  done
  local sock
  for sock in "$LAB_RUN"/*/*.sock; do
    [ -S "$sock" ] && echo "Drive a gateway:  $BIN/ikectl --socket $sock status"
  done
  echo "Configs and logs: $LAB_RUN/"
  echo "Tear it down:     scripts/lab.sh --down"
}
