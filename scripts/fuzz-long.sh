#!/usr/bin/env bash
# Runs every fuzz target for 10,000,000 executions (issue 10's bar), one after the other, and
# prints a table of executions, time and corpus size per target for docs/security.md.
#   scripts/fuzz-long.sh [RUNS] [TARGET...]      default 10000000, every target
# FUZZ_JOBS=N (passed to scripts/fuzz.sh) splits each target's run across N processes.
# Takes hours on two cores (the responder and the SK/ESP targets do real crypto per input).
# Each run holds /tmp/iked-swift-build.lock, so builds and other fuzz runs wait for it.
# Stops at the first target that fails; its artifact is in .build-fuzz/crashes/TARGET.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-10000000}
shift $(( $# >= 1 ? 1 : 0 ))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ike-decode sk-open ike-responder esp-decap config)

summary=.build-fuzz/long-summary.md
mkdir -p .build-fuzz
echo "| target | executions | seconds | corpus inputs | corpus KiB | commit |" > "$summary"
echo "|---|---|---|---|---|---|" >> "$summary"
for t in "${targets[@]}"; do
    start=$(date +%s)
    flock /tmp/iked-swift-build.lock scripts/fuzz.sh "$t" "$runs"
    # (summed: with FUZZ_JOBS=N the log holds N processes' statistics)
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' ".build-fuzz/$t.log" | grep -oE '[0-9]+$' | awk '{ n += $1 } END { print n }')
    echo "| $t | $execs | $(( $(date +%s) - start )) | $(ls ".build-fuzz/corpus/$t" | wc -l) | $(du -sk ".build-fuzz/corpus/$t" | cut -f1) | $(git rev-parse --short HEAD) |" >> "$summary"
done
cat "$summary"
