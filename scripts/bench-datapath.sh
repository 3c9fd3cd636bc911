#!/usr/bin/env bash
# The ESP datapath micro-benchmark (issue 6, docs/performance.md): builds iked-bench in release,
# runs it (seal and open through ESPCore next to raw OpenSSL EVP / libsodium calls on the same
# buffers, with heap allocations per packet), then prints `openssl speed` as a second, outside
# reference for raw AES-256-GCM on this machine.
#   scripts/bench-datapath.sh              # about 50 s
#   scripts/bench-datapath.sh --long       # about 9 minutes; any iked-bench flag passes through
#   scripts/bench-datapath.sh --quick      # smoke run, a few seconds
# A benchmark, not a test: it fails only when a seal or open fails, never on a time.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/deps.sh
install_deps

echo "== build iked-bench (release)"
# One Swift build at a time on this machine (shared with the test scripts and other worktrees).
flock /tmp/iked-swift-build.lock swift build -c release --product iked-bench

echo "== iked-bench $*"
.build/release/iked-bench "$@"

echo
seconds=3
for a in "$@"; do [ "$a" = "--quick" ] && seconds=1; done
if command -v openssl >/dev/null; then
    echo "== openssl speed -evp aes-256-gcm -bytes 1420 -seconds $seconds (its own loop: out of place, no ESP)"
    openssl speed -evp aes-256-gcm -bytes 1420 -seconds "$seconds" 2>/dev/null \
        | awk '/^AES-256-GCM/ { v = $2; sub(/k$/, "", v); printf "AES-256-GCM, 1420-byte blocks: %.2f Gbit/s\n", v * 8000 / 1e9 }'
else
    echo "== openssl (the command) is not installed: no openssl speed reference"
fi
