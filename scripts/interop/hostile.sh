#!/usr/bin/env bash
# Hostile traffic and half-open floods against a live tunnel (issue 10). Two iked gateways on a
# bridge in a middle namespace, UDP-encapsulated (encap = true, so IKE and ESP share port 4500),
# the VM 10.1.1.4 behind gateway A and the EC2 instance 10.2.1.10 behind gateway B, and an
# attacker namespace on the same bridge. While EC2 pings the VM through the tunnel at 10/s,
# scripts/interop/hostile-attack.py sends gateway A 100,000 datagrams in a fixed mix: truncated
# and oversized IKE, random bytes to 500 and 4500, an IKE_SA_INIT flood from forged addresses
# and ports, forged INFORMATIONAL with the tunnel's real SPIs, ESP with unknown SPIs, bad ICVs,
# replays, and non-ESP markers with garbage. Meanwhile gateway B brings up a second tunnel from
# another address (a legitimate peer, answering A's cookie demand). Then real addresses that
# return cookies fill the half-open limits. Checked: no ping lost, the same IKE SA still up,
# each category counted exactly under its reason in `ikectl status --json` and the metrics,
# half-open SAs never above cookie_threshold during the flood and never above the limits, the
# SAs back to the legitimate ones once the half-open ones expire, and A's memory flat. Last,
# local clients that stall (scripts/interop/stall-clients.py) must not hold A's loop.
#
# Usage (as root): scripts/interop/hostile.sh [BIN_DIR]   (default .build/debug)
# Only addresses inside the namespaces it makes are ever sent to.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${1:-$REPO/.build/debug}"
WORK=/tmp/iked-hostile
ATTACK="$REPO/scripts/interop/hostile-attack.py"
NS_MID=ikh-mid NS_A=ikh-a NS_B=ikh-b NS_X=ikh-x NS_VM=ikh-vm NS_EC2=ikh-ec2
. "$REPO/scripts/lib/checks.sh"
NAMESPACES=("$NS_A" "$NS_B" "$NS_X" "$NS_VM" "$NS_EC2" "$NS_MID")
trap_cleanup
SECONDS_ATTACK=${IKED_HOSTILE_SECONDS:-45}
THRESHOLD=5 LIMIT=30 PER_PEER=4
LIMIT_ADDRS=$(seq -f '192.0.2.%g' 100 111)   # 12 attacker addresses that return cookies

stop_all
rm -rf "$WORK"
mkdir -p "$WORK"
T0=$(date +%s)

# ---- the network: A, B and the attacker X on a bridge; VM behind A, EC2 behind B
ip netns add "$NS_MID"
ip -n "$NS_MID" link add ikh-br type bridge
ip -n "$NS_MID" link set ikh-br up
for side in a b x; do
  ns=ikh-$side
  ip netns add "$ns"
  ip link add "ikh-$side" netns "$ns" type veth peer name "ikh-p$side" netns "$NS_MID"
  ip -n "$NS_MID" link set "ikh-p$side" master ikh-br up
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "ikh-$side" up
done
ip -n "$NS_A" addr add 192.0.2.1/24 dev ikh-a
ip -n "$NS_B" addr add 192.0.2.2/24 dev ikh-b
ip -n "$NS_B" addr add 192.0.2.3/24 dev ikh-b
ip -n "$NS_X" addr add 192.0.2.66/24 dev ikh-x
for a in $LIMIT_ADDRS; do ip -n "$NS_X" addr add "$a/24" dev ikh-x; done
# Answers to the forged sources go to the attacker's namespace, which drops them.
ip -n "$NS_A" route add 198.51.100.0/24 via 192.0.2.66
ip -n "$NS_A" route add 203.0.113.0/24 via 192.0.2.66
add_host "$NS_VM" "$NS_A" 10.1.1.4/16 10.1.0.1
add_host "$NS_EC2" "$NS_B" 10.2.1.10/16 10.2.0.1

PSK="hostile-test-psk-$RANDOM$RANDOM"
printf '%s\n' "$PSK" >"$WORK/shared.psk"
chmod 600 "$WORK/shared.psk"
SUITE='ike_proposals = ["aes256gcm16-prfsha256-x25519"]
esp_proposals = ["aes256gcm16"]
psk_file = "shared.psk"
start_action = "add"'
cat >"$WORK/a.toml" <<CONF
[daemon]
control_socket = "$WORK/a.sock"
log_level = "info"
metrics_listen = "127.0.0.1:9816"
cookie_threshold = $THRESHOLD
half_open_limit = $LIMIT
half_open_per_peer = $PER_PEER

[tunnel.main]
local_address = "192.0.2.1"
remote_address = "192.0.2.2"
local_ts = "10.1.0.0/16"
remote_ts = "10.2.0.0/16"
encap = true
$SUITE

# Anyone may try (a road-warrior style responder): what makes a forged IKE_SA_INIT worth a
# half-open SA, so the flood meets the cookie threshold instead of "no matching tunnel".
[tunnel.anyone]
local_address = "192.0.2.1"
remote_address = "%any"
local_ts = "10.1.0.0/16"
remote_ts = "10.3.0.0/16"
$SUITE
CONF
cat >"$WORK/b.toml" <<CONF
[daemon]
control_socket = "$WORK/b.sock"
log_level = "info"

[tunnel.main]
local_address = "192.0.2.2"
remote_address = "192.0.2.1"
local_ts = "10.2.0.0/16"
remote_ts = "10.1.0.0/16"
encap = true
$SUITE

[tunnel.late]
local_address = "192.0.2.3"
remote_address = "192.0.2.1"
local_ts = "10.3.0.0/16"
remote_ts = "10.1.0.0/16"
routes = []
$SUITE
CONF
launch_iked "$NS_A" "$WORK/a.toml" "$WORK/a.log" "$WORK/a.sock"
PID_A=$IKED_PID
launch_iked "$NS_B" "$WORK/b.toml" "$WORK/b.log" "$WORK/b.sock"
PID_B=$IKED_PID
ctl_a() { "$BIN/ikectl" --socket "$WORK/a.sock" "$@"; }
ctl_b() { "$BIN/ikectl" --socket "$WORK/b.sock" "$@"; }
# q FILE EXPR: a Python expression over d = the status JSON in FILE, and main = its tunnel "main".
q() { python3 -c "import json; d=json.load(open('$1')); main=[t for t in d['tunnels'] if t['name']=='main'][0]; print($2)"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
udp_errors() { ip netns exec "$NS_A" awk '/^Udp:/ {n++; if (n == 2) print $4 + $6}' /proc/net/snmp; }

echo "== hostile traffic: a tunnel up, UDP-encapsulated"
check "ikectl up main (B initiates)" sh -c "'$BIN/ikectl' --socket '$WORK/b.sock' up main >'$WORK/up.out' 2>&1"
ctl_a status --json >"$WORK/before.json"
check "A: main is up, UDP-encapsulated" test "$(q "$WORK/before.json" "main['state'] + str(main['ike_sa']['udp_encapsulation'])")" = upTrue
check "ping EC2 -> VM through the tunnel" ip netns exec "$NS_EC2" ping -q -c 3 -i 0.2 -W 2 10.1.1.4

# ESP from B as A receives it, for the replays and bad ICVs.
ip netns exec "$NS_A" python3 "$ATTACK" capture "$WORK/captured.hex" 200 192.0.2.2 >"$WORK/capture.out" 2>&1 &
CAP=$!
PIDS+=("$CAP")   # stopped by the exit trap if the test ends early
sleep 0.3
ip netns exec "$NS_EC2" ping -q -c 220 -i 0.005 -W 2 10.1.1.4 >/dev/null 2>&1 || true
wait "$CAP" || true
check "200 ESP-in-UDP datagrams from B captured" test "$(cat "$WORK/capture.out")" = 200

ctl_a status --json >"$WORK/before.json"
RSS_A0=$(rss "$PID_A")
RSS_B0=$(rss "$PID_B")
UDP_ERR0=$(udp_errors)
python3 - "$WORK" "$SECONDS_ATTACK" <<'PY'
import json, sys
work, seconds = sys.argv[1], int(sys.argv[2])
d = json.load(open(f"{work}/before.json"))
main = [t for t in d["tunnels"] if t["name"] == "main"][0]
counts = {"ike_truncated": 8000, "ike_oversized": 2000, "random_500": 10000, "random_4500": 10000,
          "init_flood": 20000, "forged_informational": 10000, "esp_unknown_spi": 10000,
          "esp_bad_icv": 7000, "esp_replay": 7000, "non_esp_marker": 16000}
assert sum(counts.values()) == 100000
plan = {"victim": "192.0.2.1", "peer": "192.0.2.2", "seconds": seconds, "seed": 10,
        "ike_spis": [[main["ike_sa"]["spi_i"], main["ike_sa"]["spi_r"]]],
        "esp_spis": [s for c in main["child_sas"] for s in (c["spi_in"], c["spi_out"])],
        "captured": f"{work}/captured.hex", "counts": counts}
json.dump(plan, open(f"{work}/plan.json", "w"))
PY

echo "== 100,000 hostile datagrams over ${SECONDS_ATTACK} s while EC2 pings the VM at 10/s"
PINGS=$(( (SECONDS_ATTACK + 30) * 10 ))
ip netns exec "$NS_EC2" ping -q -c "$PINGS" -i 0.1 -W 3 10.1.1.4 >"$WORK/ping.out" 2>&1 &
PING=$!
PIDS+=("$PING")
sleep 2
ATTACK_T0=$(date +%s.%N)
ip netns exec "$NS_X" python3 "$ATTACK" barrage "$WORK/plan.json" >"$WORK/barrage.json" 2>"$WORK/barrage.err" &
BARRAGE=$!
PIDS+=("$BARRAGE")
# sample_half_open PID FILE: A's half-open and total IKE SAs, four times a second while PID runs.
sample_half_open() {
  while kill -0 "$1" 2>/dev/null; do
    ctl_a status --json 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['half_open_sas'], d['ike_sas'])" || true
    sleep 0.25
  done >"$2"
}
sample_half_open "$BARRAGE" "$WORK/half-open.samples" &
SAMPLER=$!
sleep 10
# A legitimate peer during the flood: B's second address, to A's %any tunnel (cookie demanded).
LATE_T0=$(date +%s.%N)
late_rc=0
ctl_b up late >"$WORK/late.out" 2>&1 || late_rc=$?
LATE_S=$(python3 -c "import time; print(round(time.time() - $LATE_T0, 1))")
wait "$BARRAGE" || true
ATTACK_S=$(python3 -c "import time; print(round(time.time() - $ATTACK_T0, 1))")
wait "$SAMPLER" || true
ctl_a status --json >"$WORK/mid.json"
cat "$WORK/barrage.err"
check "the attacker sent 100,000 datagrams (no send errors)" python3 -c "
import json; r = json.load(open('$WORK/barrage.json')); print('        sent', r['sent'], 'in', r['seconds'], 's'); assert r['total'] == 100000 and r['send_errors'] == 0, r"
check "a legitimate peer connected during the flood (ikectl up late: ${LATE_S} s)" test "$late_rc" = 0
cat "$WORK/late.out"
check "... after a cookie demand: the flood held A above cookie_threshold" grep -q 'responder asked for a cookie' "$WORK/b.log"
MAX_HALF=$(sort -n "$WORK/half-open.samples" | tail -1 | cut -d' ' -f1)
check "half-open SAs never above cookie_threshold ($THRESHOLD) during the flood (max sampled: ${MAX_HALF:-none})" \
  test -n "$MAX_HALF" -a "${MAX_HALF:-99}" -le "$THRESHOLD"

# Every category under its reason, exactly. The IKE_SA_INITs that found A below the threshold
# made half-open SAs (logged, at info); every other one got a cookie demand and no state.
FLOOD_SA=$(grep -cE 'answering IKE_SA_INIT from (198\.51\.100|203\.0\.113)\.' "$WORK/a.log" || true)
counts_rc=0
python3 - "$WORK" "$FLOOD_SA" >"$WORK/counts.out" <<'PY' || counts_rc=$?
import json, sys
work, flood_sa = sys.argv[1], int(sys.argv[2])
r = json.load(open(f"{work}/barrage.json"))
before, mid = json.load(open(f"{work}/before.json")), json.load(open(f"{work}/mid.json"))
def delta(table, reason): return mid.get(table, {}).get(reason, 0) - before.get(table, {}).get(reason, 0)
ok = True
exp = r["expect"]
forged = exp["drops"].pop("forged")
cookies = exp["drops"].pop("cookieRequired")
rows = [("drops", k, v, delta("drops", k)) for k, v in exp["drops"].items()]
rows += [("esp_drops", k, v, delta("esp_drops", k)) for k, v in exp["esp_drops"].items()]
window = ["integrityCheckFailed", "oldRequest", "futureRequest", "unexpectedResponse", "unknownSPI"]
for table, reason, want, got in rows:
    print(f"        {table}.{reason}: expected {want}, counted {got}")
    ok &= want == got
got = sum(delta("drops", k) for k in window)
print(f"        forged INFORMATIONAL {forged}: counted {got} as " + ", ".join(f"{k} {delta('drops', k)}" for k in window))
ok &= got == forged
got = delta("drops", "cookieRequired")
print(f"        IKE_SA_INIT flood {cookies}: {flood_sa} made half-open SAs, cookieRequired {got} (+1 for the legitimate peer)")
ok &= got - (cookies - flood_sa) in (0, 1) and flood_sa <= 3 * 5
others = {k: delta("drops", k) for k in set(mid["drops"]) | set(before["drops"])} | {"esp." + k: delta("esp_drops", k) for k in set(mid["esp_drops"]) | set(before["esp_drops"])}
print("        all counter deltas:", json.dumps({k: v for k, v in sorted(others.items()) if v}))
sys.exit(0 if ok else 1)
PY
cat "$WORK/counts.out"
check "every category counted under its reason in status --json, as expected" test "$counts_rc" = 0
UDP_ERR1=$(udp_errors)
check "the kernel dropped no datagram for A's sockets (UDP receive errors: $((UDP_ERR1 - UDP_ERR0)))" test "$UDP_ERR1" = "$UDP_ERR0"

echo "== half-open limits: 12 real addresses return cookies, 6 IKE_SA_INITs each (per peer $PER_PEER, total $LIMIT)"
ip netns exec "$NS_X" python3 "$ATTACK" limits 192.0.2.1 6 $LIMIT_ADDRS >"$WORK/limits.json" &
LIMITS=$!
PIDS+=("$LIMITS")
sample_half_open "$LIMITS" "$WORK/limits.samples" &
SAMPLER=$!
wait "$LIMITS" || true
wait "$SAMPLER" || true
ctl_a status --json >"$WORK/limits-status.json"
limits_rc=0
python3 - "$WORK" "$PER_PEER" "$LIMIT" >"$WORK/limits.out" <<'PY' || limits_rc=$?
import json, sys
work, per_peer, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = json.load(open(f"{work}/limits.json"))
mid, now = json.load(open(f"{work}/mid.json")), json.load(open(f"{work}/limits-status.json"))
made = sum(v["half_open"] for v in r.values())
silent = sum(v["unanswered"] for v in r.values())
hits = now["drops"].get("halfOpenLimit", 0) - mid["drops"].get("halfOpenLimit", 0)
# The flood's half-open SAs still count until they expire (30 s), so the total is reached
# with fewer of these; the samples show it was reached and never passed.
peak = max(int(l.split()[0]) for l in open(f"{work}/limits.samples") if l.strip())
most = max(v["half_open"] for v in r.values())
print(f"        half-open SAs made {made}, most from one address {most}, unanswered {silent}, "
      f"halfOpenLimit counted {hits}; A held at most {peak} half-open SAs (sampled)")
ok = most <= per_peer and peak == limit and hits == silent and silent > 0
sys.exit(0 if ok else 1)
PY
cat "$WORK/limits.out"
check "no address above half_open_per_peer, A up to half_open_limit and never above, every refusal counted (halfOpenLimit)" test "$limits_rc" = 0

wait "$PING" || true
grep -E 'packets transmitted' "$WORK/ping.out" || cat "$WORK/ping.out"
check "the ping through the tunnel lost nothing during the attack" grep -q ' 0% packet loss' "$WORK/ping.out"

echo "== after the attack"
ctl_b down late >/dev/null
# Half-open SAs expire 30 s after they were made (EngineSettings.halfOpenTimeout).
for i in $(seq 1 90); do
  ctl_a status --json >"$WORK/after.json"
  [ "$(q "$WORK/after.json" "d['half_open_sas'] == 0 and d['ike_sas'] == 1")" = True ] && break
  sleep 0.5
done
check "A holds the legitimate IKE SA only again (ike_sas $(q "$WORK/after.json" "d['ike_sas']"), half-open $(q "$WORK/after.json" "d['half_open_sas']"))" \
  test "$(q "$WORK/after.json" "d['half_open_sas'] == 0 and d['ike_sas'] == 1")" = True
check "the same IKE SA is up on A" test \
  "$(q "$WORK/after.json" "main['state'] + main['ike_sa']['spi_i'] + main['ike_sa']['spi_r']")" = \
  "$(q "$WORK/before.json" "main['state'] + main['ike_sa']['spi_i'] + main['ike_sa']['spi_r']")"
check "the tunnel still carries traffic" ip netns exec "$NS_VM" ping -q -c 3 -i 0.2 -W 2 10.2.1.10
RSS_A1=$(rss "$PID_A")
RSS_B1=$(rss "$PID_B")
echo "        RSS of A: $RSS_A0 kB before, $RSS_A1 kB after; of B: $RSS_B0 kB, $RSS_B1 kB"
check "A's memory bounded: RSS grew by less than 16 MiB" test $((RSS_A1 - RSS_A0)) -lt 16384
check "both daemons answer ikectl" sh -c "'$BIN/ikectl' --socket '$WORK/a.sock' status >/dev/null && '$BIN/ikectl' --socket '$WORK/b.sock' status >/dev/null"

echo "== local clients that stall: slow and idle metrics clients, a control client that never reads"
# 24 metrics clients sending a header every 150 ms and never ending it, 8 idle ones (iked keeps
# 16 and closes the oldest), one control client flooding requests without reading the answers,
# and control clients that leave before theirs (SIGPIPE, were it not ignored). A control client
# and a scraper that behave must still be answered, the ping must lose nothing, and the
# watchdog-bound loop may stall at most for the flooder's one 1 s write timeout.
ip netns exec "$NS_EC2" ping -q -c 100 -i 0.1 -W 3 10.1.1.4 >"$WORK/stall-ping.out" 2>&1 &
STALL_PING=$!
ip netns exec "$NS_A" python3 "$REPO/scripts/interop/stall-clients.py" "$WORK/a.sock" 9816 8 "$WORK/stall.json" \
  >"$WORK/stall.out" 2>&1 && stall_rc=0 || stall_rc=$?
cat "$WORK/stall.out"
wait "$STALL_PING" || true
check "every request of the well-behaved control client and scraper was answered" test "$stall_rc" = 0
check "... each within 2.5 s" python3 -c "
import json; d = json.load(open('$WORK/stall.json')); assert max(d['control'] + d['scrapes']) < 2.5"
check "the ping through the tunnel lost nothing meanwhile" grep -q ' 0% packet loss' "$WORK/stall-ping.out"
ctl_a status --json >"$WORK/stall-status.json" || true
check "A is still running and holds the same IKE SA" test \
  "$(kill -0 "$PID_A" && q "$WORK/stall-status.json" "main['ike_sa']['spi_i']")" = "$(q "$WORK/before.json" "main['ike_sa']['spi_i']")"

# The metrics endpoint shows the same totals by reason.
ip netns exec "$NS_A" python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:9816/metrics', timeout=5).read().decode())" >"$WORK/metrics.txt" 2>&1 || true
ctl_a status --json >"$WORK/final.json"
check "metrics: iked_drops_total and iked_esp_drops_total equal status --json for every reason" python3 - "$WORK" <<'PY'
import json, re, sys
work = sys.argv[1]
d = json.load(open(f"{work}/final.json"))
text = open(f"{work}/metrics.txt").read()
def metric(name, reason):
    m = re.search(r'^%s\{reason="%s"\} (\S+)$' % (name, reason), text, re.M)
    return int(float(m.group(1))) if m else None
bad = {r: (v, metric("iked_drops_total", r)) for r, v in d["drops"].items() if metric("iked_drops_total", r) != v}
bad |= {"esp." + r: (v, metric("iked_esp_drops_total", r)) for r, v in d["esp_drops"].items() if metric("iked_esp_drops_total", r) != v}
assert not bad, bad
assert re.search(r'^iked_half_open_ike_sas(\{\})? 0', text, re.M), "iked_half_open_ike_sas"
PY
check "the PSK is in no log" sh -c "! grep -q '$PSK' '$WORK/a.log' '$WORK/b.log'"
check "neither daemon crashed" sh -c "kill -0 $PID_A && kill -0 $PID_B"

echo "==== hostile.sh: attack ${ATTACK_S} s, whole test $(( $(date +%s) - T0 )) s; $(grep -oE '[0-9]+ packets transmitted, [0-9]+ received' "$WORK/ping.out" || echo 'no ping summary')"
if [ "$FAILS" -gt 0 ] && [ -n "${IKED_INTEROP_VERBOSE:-}" ]; then tail -40 "$WORK/a.log" "$WORK/b.log"; fi
echo "== hostile traffic: $FAILS failed checks"
[ "$FAILS" = 0 ]
