#!/usr/bin/env bash
# Runs every test of iked on a fresh Debian machine, as root: installs what the tests need,
# builds, runs the unit, vector, fixture and simulation tests, two iked daemons against each
# other and iked against strongSwan in network namespaces, the systemd unit and man page checks,
# every lab scenario (scripts/lab.sh all), the unit tests again under ASan and TSan, then a
# short fuzz pass.
# Safe to run twice. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/deps.sh
install_deps

echo "== module rules (DESIGN.md §1)"
scripts/check-purity.sh

echo "== build and unit tests"
swift build --build-tests
swift test --skip-build --parallel 2>&1 | tee /tmp/iked-swift-test.log
# swift test exits non-zero on failure; pipefail carries it.

echo "== rekey timing of profile aws on the wire: started in the background (about 15 minutes; collected at the end)"
scripts/interop/profile-timing.sh .build/debug >/tmp/iked-profile-timing.log 2>&1 </dev/null &
TIMING_PID=$!
trap 'kill "$TIMING_PID" 2>/dev/null || true' EXIT

echo "== datapath benchmark, smoke run (debug build: checks that it runs and its seals/opens succeed; no time is asserted)"
# ~2 s. The numbers of a debug build mean nothing; scripts/bench-datapath.sh measures in release.
.build/debug/iked-bench --quick > /tmp/iked-bench-smoke.log 2>&1 || { cat /tmp/iked-bench-smoke.log; exit 1; }
tail -1 /tmp/iked-bench-smoke.log

echo "== tunnel benchmark scripts/bench.sh, smoke run (no tunnel and iked <-> iked, 1 s each: checks that it produces numbers; no speed is asserted)"
scripts/bench.sh --smoke .build/debug > /tmp/iked-bench-sh-smoke.log 2>&1 || { cat /tmp/iked-bench-sh-smoke.log; exit 1; }
sed -n '/^==== bench.sh/,/^$/p' /tmp/iked-bench-sh-smoke.log

echo "== scale benchmark scripts/bench-scale.sh, smoke run (20 tunnels to 20 peer addresses: checks that it brings them up and measures; nothing is asserted)"
scripts/bench-scale.sh --smoke .build/debug > /tmp/iked-bench-scale-smoke.log 2>&1 || { cat /tmp/iked-bench-scale-smoke.log; exit 1; }
sed -n '/^==== bench-scale.sh/,$p' /tmp/iked-bench-scale-smoke.log

echo "== two iked daemons in namespaces (ikectl up, status, reload, SIGTERM)"
scripts/interop/iked-pair.sh .build/debug

echo "== hostile traffic: 100,000 bad datagrams and an IKE_SA_INIT flood against a live tunnel (about 100 s)"
scripts/interop/hostile.sh .build/debug

echo "== faults: kill -9 and restart of either side, a 60 s partition, a NAT mapping change; the tunnel comes back by itself (about 90 s)"
scripts/interop/faults.sh .build/debug

echo "== two iked daemons across a NAT (nftables masquerade)"
scripts/interop/iked-nat.sh .build/debug

echo "== two iked daemons over IPv6"
scripts/interop/iked-ipv6.sh .build/debug

echo "== iked against real strongSwan (namespaces, UDP, both roles)"
scripts/interop/iked-vs-strongswan.sh .build/debug

echo "== interop matrix: iked against strongSwan"
scripts/interop/matrix.sh .build/debug

echo "== cloud profiles against strongSwan and each other"
scripts/interop/profiles.sh .build/debug

echo "== ikectl export --format swanctl, loaded into strongSwan unchanged"
scripts/interop/export-swanctl.sh .build/debug

echo "== an AWS VPN connection (profile aws, two tunnels) against strongSwan set up as AWS's download: failover"
scripts/interop/aws-connection.sh .build/debug
scripts/interop/aws-connection.sh .build/debug ecmp

echo "== BGP over both tunnels' inside addresses with BIRD 2: iked aws <-> iked azure, failover within the hold time, withdrawal on stop"
scripts/interop/bgp.sh .build/debug
echo "== BGP between iked aws (two tunnels) and a customer gateway set up as AWS's download says (strongSwan + BIRD 2): failover, withdrawal"
scripts/interop/bgp-strongswan.sh .build/debug

echo "== systemd: the unit (verify, security), man pages, sd_notify, the unit's sandbox"
scripts/systemd-check.sh .build/debug

echo "== the lab: every scenario of scripts/lab.sh (release build)"
scripts/lab.sh all

echo "== the unit and protocol tests under AddressSanitizer (with leaks) and ThreadSanitizer"
scripts/sanitizers.sh address thread

echo "== rekey timing of profile aws on the wire (started after the unit tests)"
timing_ok=0
wait "$TIMING_PID" || timing_ok=$?
cat /tmp/iked-profile-timing.log
[ "$timing_ok" = 0 ]

echo "== short fuzz pass (every target, ${IKED_FUZZ_RUNS:-20000} executions each; regression inputs replayed first)"
# About a minute with the fuzz build cached in .build-fuzz/spm; a first build adds a few minutes.
scripts/fuzz.sh all "${IKED_FUZZ_RUNS:-20000}"

# A plain closing line that any CI reader understands.
n=$(grep -oE 'Test run with [0-9]+ tests' /tmp/iked-swift-test.log | grep -oE '[0-9]+' | tail -1)
echo "== all tests passed"
echo "tests: ${n:-0} passed, 0 failed"
