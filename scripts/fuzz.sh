#!/usr/bin/env bash
# Builds and runs one libFuzzer target for a given number of executions.
#   scripts/fuzz.sh TARGET [RUNS] [extra libFuzzer flags...]
#   scripts/fuzz.sh all [RUNS] [flags...]      every target in turn
# Targets (Fuzz/TARGET; docs/security.md says what each checks):
#   ike-decode     IKE message and payload-chain decoding (IKEWire)
#   sk-open        SK/SKF decryption and fragment reassembly (IKECore, fixed keys)
#   ike-responder  an IKEEngine responder's handling of a first message, cookies on and off
#   esp-decap      ESP decapsulation, inner-packet checks and the replay window (ESPCore)
#   config         the TOML configuration reader (IKEDaemon's ConfigLoader)
# The targets are SwiftPM products that exist only with IKED_FUZZ=1 (Package.swift), built in
# release with libFuzzer and AddressSanitizer (-sanitize=fuzzer,address) in their own scratch path
# (.build-fuzz/spm), so the normal build is untouched. The corpus lives in
# .build-fuzz/corpus/TARGET (kept between runs), seeded by scripts/fuzz/seeds.py from the
# strongSwan captures and example configs, plus every regression input under
# Tests/Fixtures/fuzz-regressions/TARGET (so each run replays them first). Crashes, leaks and
# timeouts are written to .build-fuzz/crashes/TARGET and make the script exit non-zero.
# The last run's statistics are in .build-fuzz/TARGET.log. FUZZ_JOBS=N splits the executions
# across N processes sharing the corpus (for 10 M runs on a multi-core machine); TARGET.log then
# holds their logs one after the other.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(ike-decode sk-open ike-responder esp-decap config)
target=${1:?usage: scripts/fuzz.sh TARGET|all [RUNS] [libFuzzer flags...]}
runs=${2:-1000000}
shift $(( $# >= 2 ? 2 : 1 ))

if [ "$target" = all ]; then
    for t in "${targets[@]}"; do "$0" "$t" "$runs" "$@"; done
    exit 0
fi
case " ${targets[*]} " in
    *" $target "*) ;;
    *) echo "unknown fuzz target: $target (known: ${targets[*]} all)" >&2; exit 2 ;;
esac

out=.build-fuzz
corpus=$out/corpus/$target
crashes=$out/crashes/$target
regressions=Tests/Fixtures/fuzz-regressions/$target
mkdir -p "$corpus" "$crashes"

# SwiftPM's `--sanitize fuzzer --sanitize address` passes two -sanitize flags, and
# swift-frontend keeps only the last, in an order that changes from run to run (modules came
# out with coverage but no ASan, or the reverse). So: `--sanitize fuzzer` for SwiftPM's link
# (libFuzzer's main, no entry-point renaming), then one flag with both, which comes last.
# C code (CLinux) gets ASan too.
sanitize=(--sanitize fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address)
echo "== building fuzz target $target"
# ld.gold warns once per ASan symbol; keep the log, show it only on failure.
IKED_FUZZ=1 swift build --scratch-path "$out/spm" -c release "${sanitize[@]}" \
    --product "fuzz-$target" > "$out/$target.build.log" 2>&1 || { cat "$out/$target.build.log"; exit 1; }
bin=$out/spm/release/fuzz-$target

python3 scripts/fuzz/seeds.py "$target" "$corpus"
[ -d "$regressions" ] && cp -n "$regressions"/* "$corpus"/ 2>/dev/null || true

flags=(-runs="$runs" -max_len=4096 -timeout=10 -artifact_prefix="$crashes/" -print_final_stats=1)
[ "$target" = config ] && flags[1]=-max_len=8192
[ -f "scripts/fuzz/$target.dict" ] && flags+=(-dict="scripts/fuzz/$target.dict")

jobs=${FUZZ_JOBS:-1}
echo "== fuzzing $target for $runs executions in $jobs process(es) (corpus: $(ls "$corpus" | wc -l) inputs)"
start=$(date +%s)
if [ "$jobs" -le 1 ]; then
    "$bin" "$corpus" "${flags[@]}" "$@" 2> "$out/$target.log" \
        || { tail -60 "$out/$target.log"; echo "fuzz target $target FAILED (artifacts in $crashes)" >&2; exit 1; }
    logs=("$out/$target.log")
else
    # FUZZ_JOBS=N: N processes of RUNS/N executions each on the one corpus folder (libFuzzer
    # reloads it, so each picks up what the others find); logs .build-fuzz/TARGET.J.log.
    flags[0]=-runs=$(( runs / jobs ))
    pids=() logs=()
    for j in $(seq 1 "$jobs"); do
        "$bin" "$corpus" "${flags[@]}" "$@" 2> "$out/$target.$j.log" &
        pids+=($!) logs+=("$out/$target.$j.log")
    done
    failed=0
    for j in "${!pids[@]}"; do
        wait "${pids[$j]}" || { tail -60 "${logs[$j]}"; failed=1; }
    done
    cat "${logs[@]}" > "$out/$target.log"
    [ "$failed" = 0 ] || { echo "fuzz target $target FAILED (artifacts in $crashes)" >&2; exit 1; }
fi
execs=$(cat "${logs[@]}" | grep -oE 'stat::number_of_executed_units: *[0-9]+' | grep -oE '[0-9]+$' | awk '{ n += $1 } END { print n }')
echo "== $target: clean: ${execs:-?} executions in $(( $(date +%s) - start )) s, corpus $(ls "$corpus" | wc -l) inputs ($(du -sk "$corpus" | cut -f1) KiB)"
