#!/usr/bin/env bash
# The systemd side of iked (issue 5): the unit passes `systemd-analyze verify` and scores at most
# 3.0 in `systemd-analyze security --offline=true`; the man pages lint clean; and the real iked,
# started in a network namespace with a NOTIFY_SOCKET this script creates, sends READY=1 and
# STATUS=, WATCHDOG=1 when WATCHDOG_USEC is set, RELOADING=1/READY=1 on SIGHUP, and STOPPING=1 on
# SIGTERM before exiting 0. Then the same daemon runs inside an emulation of the unit's sandbox
# (scripts/lib/unit-sandbox.py: its system call filter, MemoryDenyWriteExecute, address families,
# capability bounding set, ProtectSystem=strict, ProcSubset=pid), answers sd_notify, brings a
# tunnel up with a second sandboxed iked and stops cleanly: the test for a machine where systemd
# is not PID 1 (a container, CI), so `systemd-run -p ...` cannot be used. The unit is judged with
# the BIRD drop-in (systemd/iked.service.d/bird.conf) beside it, and scripts/install.sh is run
# into a staging directory (DESTDIR) to check what it installs.
#
# Usage (as root): scripts/systemd-check.sh [BIN_DIR]   (default .build/debug)
# IKED_SYSTEMD_KEEP=1 keeps the work directory; logs are printed on failure.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$(cd "${1:-$REPO/.build/debug}" && pwd)"
UNIT="$REPO/systemd/iked.service"
MAX_EXPOSURE=3.0
NS="iked-sdcheck-$$"
WORK="$(mktemp -d /tmp/iked-systemd-check.XXXXXX)"
FAILS=0
PIDS=()

cleanup() {
    local p
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
    ip netns del "$NS" 2>/dev/null || true
    if [ -n "${IKED_SYSTEMD_KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

check() {
    local what=$1
    shift
    if "$@"; then echo "  PASS  $what"; else echo "  FAIL  $what"; FAILS=$((FAILS + 1)); fi
}
# Runs a Python check script that prints its own PASS/FAIL lines; counts its failure once.
pycheck() {
    if ! timeout 90 "$@"; then FAILS=$((FAILS + 1)); fi
}

[ "$(id -u)" = 0 ] || { echo "FAIL: run as root (network namespaces, TUN, ports 500/4500)"; exit 1; }
for tool in systemd-analyze mandoc man python3 ip timeout; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/lib/deps.sh installs it)"; exit 1; }
done
for b in iked ikectl; do [ -x "$BIN/$b" ] || { echo "FAIL: $BIN/$b is missing (build first)"; exit 1; }; done

echo "== the unit: systemd-analyze verify and security"
# verify needs the binaries the unit names to exist, and runs `man` for its Documentation= pages:
# point a copy of the unit at the built binaries and MANPATH at the checked-in pages.
sed -e "s#/usr/local/sbin/#$BIN/#g" "$UNIT" >"$WORK/iked.service"
check "the copy of the unit runs $BIN/iked" grep -q "^ExecStart=$BIN/iked --config /etc/iked/iked.toml\$" "$WORK/iked.service"
# The BIRD drop-in beside it, as scripts/install.sh installs it where BIRD is: verify and security
# below judge the unit together with it.
mkdir -p "$WORK/iked.service.d"
cp "$REPO/systemd/iked.service.d/bird.conf" "$WORK/iked.service.d/bird.conf"
mkdir -p "$WORK/man/man5" "$WORK/man/man8"
cp "$REPO/man/iked.8" "$REPO/man/ikectl.8" "$WORK/man/man8/"
cp "$REPO/man/iked.toml.5" "$WORK/man/man5/"
set +e
verify_out="$(cd "$WORK" && MANPATH="$WORK/man" timeout 60 systemd-analyze verify "$WORK/iked.service" 2>&1)"
verify_rc=$?
set -e
check "systemd-analyze verify exits 0" test "$verify_rc" = 0
check "systemd-analyze verify prints nothing" test -z "$verify_out"
[ -z "$verify_out" ] || printf '%s\n' "$verify_out" | sed 's/^/        /'
check "systemd-analyze verify loads the BIRD drop-in" sh -c \
    "cd '$WORK' && MANPATH='$WORK/man' SYSTEMD_LOG_LEVEL=debug timeout 60 systemd-analyze verify '$WORK/iked.service' 2>&1 | grep -qF 'DropIn Path: $WORK/iked.service.d/bird.conf'"

security_out="$(cd "$WORK" && timeout 60 systemd-analyze security --offline=true "$WORK/iked.service" 2>&1 || true)"
exposure="$(printf '%s\n' "$security_out" | sed -n 's/.*Overall exposure level for iked.service: \([0-9.]*\).*/\1/p')"
check "systemd-analyze security --offline=true: exposure ${exposure:-unknown} <= $MAX_EXPOSURE" \
    awk -v e="$exposure" -v max="$MAX_EXPOSURE" 'BEGIN { exit !(e != "" && e + 0 <= max + 0) }'
[ -n "$exposure" ] || printf '%s\n' "$security_out" | tail -5 | sed 's/^/        /'
# The hardening the daemon's datapath depends on, so a later edit does not lose it silently.
for line in 'Type=notify' 'DeviceAllow=/dev/net/tun rw' 'DevicePolicy=closed' 'RuntimeDirectory=iked' \
    'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW' \
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK' 'WatchdogSec=30' \
    'ExecReload=/bin/kill -HUP $MAINPID'; do
    check "the unit has $line" grep -qxF "$line" "$UNIT"
done

echo "== scripts/install.sh into a staging directory (DESTDIR, the binaries under test)"
DESTDIR="$WORK/stage" BUILD_DIR="$BIN" "$REPO/scripts/install.sh" --no-build >"$WORK/install.out"
staged() { test -f "$WORK/stage/$1"; }
for f in usr/local/sbin/iked usr/local/sbin/ikectl etc/systemd/system/iked.service etc/iked/iked.toml.example \
    usr/local/share/man/man8/iked.8 usr/local/share/man/man5/iked.toml.5; do
    check "install.sh staged /$f" staged "$f"
done
check "the installed unit runs /usr/local/sbin/iked" grep -qx 'ExecStart=/usr/local/sbin/iked --config /etc/iked/iked.toml' "$WORK/stage/etc/systemd/system/iked.service"
check "the configuration directory is mode 700 (it will hold keys)" test "$(stat -c %a "$WORK/stage/etc/iked")" = 700
if getent group bird >/dev/null; then
    check "with a bird group, install.sh installs the BIRD drop-in" \
        cmp -s "$REPO/systemd/iked.service.d/bird.conf" "$WORK/stage/etc/systemd/system/iked.service.d/bird.conf"
else
    check "without a bird group, install.sh leaves the BIRD drop-in out (the unit would not start)" \
        test ! -e "$WORK/stage/etc/systemd/system/iked.service.d/bird.conf"
fi

echo "== man pages: mandoc -T lint, man --warnings"
for page in man/iked.8 man/ikectl.8 man/iked.toml.5; do
    # mandoc looks up every .Xr in /usr/share/man: our own pages are not installed there,
    # minimal images leave out systemd.service(5), and an installed page without a mandoc.db
    # entry draws a note about the database. Anything else, at any level, style included, is a
    # finding.
    lint="$(cd "$REPO" && mandoc -T lint "$page" 2>&1 |
        grep -vE 'STYLE: referenced manual not found: Xr (iked|ikectl|iked\.toml|systemd\.service) [58]( \([0-9]+ times\))?$' |
        grep -vE '^mandoc: outdated mandoc\.db lacks .* entry, run makewhatis' || true)"
    check "mandoc -T lint $page is clean" test -z "$lint"
    [ -z "$lint" ] || printf '%s\n' "$lint" | sed 's/^/        /'
    groff_out="$(cd "$REPO" && LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null || true)"
    check "man --warnings -l $page is clean" test -z "$groff_out"
    [ -z "$groff_out" ] || printf '%s\n' "$groff_out" | sed 's/^/        /'
done
# True to the code: every option, command and key the binaries and the loader know is documented.
for opt in --config --control-socket --check --foreground; do
    check "iked.8 documents $opt" grep -qE "^\.It Fl -${opt#--}( |$)" "$REPO/man/iked.8"
done
commands="$("$BIN/ikectl" --help | sed -n '/^SUBCOMMANDS:/,/^$/p' | awk '/^  [a-z][a-z-]* / { print $1 }')"
check "ikectl --help lists subcommands" test -n "$commands"
for c in $commands; do
    check "ikectl.8 documents '$c'" grep -q "^\.It Cm $c\b" "$REPO/man/ikectl.8"
done
keys="$(python3 - "$REPO/Sources/IKEDaemon/Config/ConfigLoader.swift" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for m in re.finditer(r"static let (?:daemonKeys|tunnelKeys) = \[(.*?)\]", text, re.S):
    print("\n".join(re.findall(r'"([a-z_]+)"', m.group(1))))
PY
)"
check "ConfigLoader.swift lists the keys" test "$(printf '%s\n' "$keys" | wc -l)" -ge 30
missing=""
for k in $keys; do grep -qE "^\.It Ic (.* )?$k( ,|$)" "$REPO/man/iked.toml.5" || missing="$missing $k"; done
check "iked.toml.5 documents every key${missing:+ (missing:$missing)}" test -z "$missing"

echo "== sd_notify: iked in a network namespace, NOTIFY_SOCKET made here"
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" addr add 127.0.0.2/8 dev lo 2>/dev/null || true
# Stand-ins for RuntimeDirectory=iked (mode 0700): the control sockets live there.
install -d -m 0700 "$WORK/run-a" "$WORK/run-b"
cat >"$WORK/a.toml" <<CONF
[daemon]
control_socket = "$WORK/run-a/iked.sock"
log_level = "debug"

[tunnel.sdcheck]
local_address = "127.0.0.1"
remote_address = "127.0.0.2"
psk = "systemd-check-psk"
local_ts = "10.91.0.0/16"
remote_ts = "10.92.0.0/16"
ike_proposals = ["aes256gcm16-prfsha256-ecp256"]
esp_proposals = ["aes256gcm16"]
CONF
cat >"$WORK/b.toml" <<CONF
[daemon]
control_socket = "$WORK/run-b/iked.sock"
log_level = "debug"

[tunnel.sdpeer]
local_address = "127.0.0.2"
remote_address = "127.0.0.1"
psk = "systemd-check-psk"
local_ts = "10.92.0.0/16"
remote_ts = "10.91.0.0/16"
ike_proposals = ["aes256gcm16-prfsha256-ecp256"]
esp_proposals = ["aes256gcm16"]
CONF
# state SOCKET: the first tunnel's state, from ikectl status --json (the checks below run it).
cat >"$WORK/state" <<STATE
#!/bin/sh
"$BIN/ikectl" --socket "\$1" status --json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["tunnels"][0]["state"])'
STATE
chmod +x "$WORK/state"

echo "-- with WATCHDOG_USEC=2000000, a control request and a SIGHUP"
pycheck python3 "$REPO/scripts/lib/sd-notify-check.py" --socket "$WORK/notify.sock" --log "$WORK/a-plain.log" \
    --watchdog-usec 2000000 --reload \
    --after-ready "test \"\$('$WORK/state' '$WORK/run-a/iked.sock')\" = down" \
    --after-ready "test \"\$(stat -c %a '$WORK/run-a/iked.sock')\" = 600" \
    -- ip netns exec "$NS" "$BIN/iked" --config "$WORK/a.toml"

echo "-- without WATCHDOG_USEC"
pycheck python3 "$REPO/scripts/lib/sd-notify-check.py" --socket "$WORK/notify.sock" --log "$WORK/a-nowd.log" \
    --no-watchdog -- ip netns exec "$NS" "$BIN/iked" --config "$WORK/a.toml"

echo "== the unit's sandbox, emulated (seccomp, MemoryDenyWriteExecute, capabilities, mounts)"
SANDBOX=(python3 "$REPO/scripts/lib/unit-sandbox.py")
check "ExecStartPre (iked --check) passes in the sandbox" \
    timeout 30 "${SANDBOX[@]}" "$UNIT" -- "$BIN/iked" --check --config "$WORK/a.toml"
ip netns exec "$NS" "${SANDBOX[@]}" --writable "$WORK/run-b" "$UNIT" -- "$BIN/iked" --config "$WORK/b.toml" \
    2>"$WORK/b-sandbox.log" &
PIDS+=($!)
PID_B=$!
for _ in $(seq 1 100); do [ -S "$WORK/run-b/iked.sock" ] && break; sleep 0.1; done
check "the sandboxed peer listens" test -S "$WORK/run-b/iked.sock"
# With /dev/net/tun (DeviceAllow= in the unit), the tunnel's interface and route must exist too.
tun_checks=()
if [ -c /dev/net/tun ]; then
    tun_checks=(--after-ready "ip -n '$NS' route show 10.92.0.0/16 | grep -q 'dev ike-sdcheck'")
else
    echo "  SKIP  no /dev/net/tun here: the tunnel interface and its route are not checked"
fi
pycheck python3 "$REPO/scripts/lib/sd-notify-check.py" --socket "$WORK/notify.sock" --log "$WORK/a-sandbox.log" \
    --watchdog-usec 2000000 \
    --after-ready "'$BIN/ikectl' --socket '$WORK/run-a/iked.sock' up sdcheck" \
    --after-ready "test \"\$('$WORK/state' '$WORK/run-a/iked.sock')\" = up" \
    "${tun_checks[@]}" \
    -- ip netns exec "$NS" "${SANDBOX[@]}" --writable "$WORK/run-a" "$UNIT" -- "$BIN/iked" --config "$WORK/a.toml"
sleep 0.5
check "the peer saw the DELETE sent on SIGTERM (state down)" test "$("$WORK/state" "$WORK/run-b/iked.sock")" = down
check "SIGTERM removed the tunnel interface" sh -c "! ip -n '$NS' link show ike-sdcheck >/dev/null 2>&1"
kill -TERM "$PID_B"
set +e
wait "$PID_B"
rc_b=$?
set -e
PIDS=()
check "the sandboxed peer exits 0 on SIGTERM" test "$rc_b" = 0
check "no system call was refused in the sandbox (no EPERM in the logs)" \
    sh -c "! grep -qi 'operation not permitted' '$WORK/a-sandbox.log' '$WORK/b-sandbox.log'"
check "core dumps are off in the sandbox without a refused call (LimitCORE=0, PR_SET_DUMPABLE)" \
    sh -c "! grep -q 'could not disable core dumps' '$WORK/a-sandbox.log' '$WORK/b-sandbox.log'"

if [ "$FAILS" -gt 0 ]; then
    for f in "$WORK"/*.log; do echo "---- $f"; tail -20 "$f"; done
fi
echo "== systemd checks: $FAILS failed"
[ "$FAILS" = 0 ]
