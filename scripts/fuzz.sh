#!/usr/bin/env bash
# Builds and runs a libFuzzer target for a given number of executions.
#   scripts/fuzz.sh TARGET [RUNS] [extra libFuzzer flags...]
# Targets (directories under Fuzz/):
#   ike-decode   IKE message and payload-chain decoding (IKEWire)
# The corpus lives in .build-fuzz/corpus/TARGET (kept between runs) and is seeded from the
# strongSwan captures under Tests/Fixtures. Crashes are written to .build-fuzz/crashes/TARGET
# and make the script exit non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: scripts/fuzz.sh TARGET [RUNS] [libFuzzer flags...]}
runs=${2:-1000000}
shift $(( $# >= 2 ? 2 : 1 ))

case "$target" in
    ike-decode) modules=(IKEWire) ;;
    *) echo "unknown fuzz target: $target (known: ike-decode)" >&2; exit 2 ;;
esac

out=.build-fuzz
bin=$out/bin/$target
corpus=$out/corpus/$target
crashes=$out/crashes/$target
mkdir -p "$out/bin" "$corpus" "$crashes"

sources=()
for m in "${modules[@]}"; do sources+=(Sources/"$m"/*.swift); done
sources+=(Fuzz/"$target"/*.swift)

# Rebuild only when a source is newer than the binary.
if [ ! -x "$bin" ] || [ -n "$(find "${sources[@]}" -newer "$bin" 2>/dev/null | head -1)" ]; then
    echo "== building fuzz target $target"
    # ld.gold warns once per ASan symbol; keep the log, show it only on failure.
    swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name "FuzzTarget" \
        "${sources[@]}" -o "$bin" > "$out/$target.build.log" 2>&1 \
        || { cat "$out/$target.build.log"; exit 1; }
fi

# Seed from every captured IKE datagram and the target's own seeds.
find Tests/Fixtures Fuzz/"$target" -name '*.bin' -exec cp -n {} "$corpus"/ \; 2>/dev/null || true

echo "== fuzzing $target for $runs executions"
"$bin" "$corpus" -runs="$runs" -max_len=4096 -artifact_prefix="$crashes/" -print_final_stats=1 "$@" \
    2> "$out/$target.log" || { tail -40 "$out/$target.log"; echo "fuzz target $target FAILED" >&2; exit 1; }
grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$out/$target.log" | tail -2
echo "== $target: clean"
