#!/usr/bin/env bash
# Enforces the module rules of DESIGN.md §1: only CryptoOpenSSL imports COpenSSL/CSodium, and
# the pure modules import no C module, no libc, no Foundation and nothing that does I/O.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
c=$(grep -rlE '^\s*(@_implementationOnly\s+)?import\s+(COpenSSL|CSodium)\b' Sources | grep -vE '^Sources/CryptoOpenSSL/' || true)
if [ -n "$c" ]; then echo "only CryptoOpenSSL may import COpenSSL/CSodium: $c"; fail=1; fi
for m in IKEWire IKECrypto IKECore ESPCore; do
    [ -d "Sources/$m" ] || continue
    bad=$(grep -rnE '^\s*(@[A-Za-z_]+\s+)*import\s+(C[A-Z][A-Za-z]*|Glibc|Musl|Darwin|Foundation|FoundationEssentials|Dispatch|NIO[A-Za-z]*|SystemPackage|System)\b' "Sources/$m" || true)
    if [ -n "$bad" ]; then echo "$m must stay pure:"; echo "$bad"; fail=1; fi
done
[ $fail -eq 0 ] && echo "module purity: ok"
exit $fail
