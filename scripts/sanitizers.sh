#!/usr/bin/env bash
# The unit and protocol tests (swift test) under AddressSanitizer, with LeakSanitizer, and
# under ThreadSanitizer (issue 10). Each sanitizer has its own scratch path (.build-asan,
# .build-tsan); the tests that run the iked binary use .build/debug/iked, built first here.
#   scripts/sanitizers.sh [address|thread]...      (default: both)
# Leaks outside iked's code are named in scripts/lib/lsan.supp. Exits non-zero on any report.
set -euo pipefail
cd "$(dirname "$0")/.."

kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(address thread)
swift build --product iked >/dev/null

for kind in "${kinds[@]}"; do
  case "$kind" in
    address) scratch=.build-asan ;;
    thread) scratch=.build-tsan ;;
    *) echo "sanitizers.sh: unknown sanitizer '$kind' (address, thread)" >&2; exit 2 ;;
  esac
  log=/tmp/iked-sanitizer-$kind.log
  echo "== swift test --sanitize=$kind (build in $scratch)"
  swift build --build-tests --sanitize="$kind" --scratch-path "$scratch" >"$log.build" 2>&1 \
    || { tail -30 "$log.build"; exit 1; }
  rc=0
  LSAN_OPTIONS="suppressions=$PWD/scripts/lib/lsan.supp:print_suppressions=0" ASAN_OPTIONS=detect_leaks=1 \
    TSAN_OPTIONS=halt_on_error=0 \
    swift test --skip-build --sanitize="$kind" --scratch-path "$scratch" >"$log" 2>&1 || rc=$?
  reports=$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer' "$log" || true)
  grep -E 'Test run with [0-9]+ tests' "$log" | tail -1
  if [ "$rc" != 0 ] || [ "$reports" != 0 ]; then
    grep -nE -A30 'ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|✘' "$log" | head -80
    echo "sanitizers.sh: $kind: exit $rc, $reports report(s); full log in $log" >&2
    exit 1
  fi
  echo "== $kind: clean"
done
