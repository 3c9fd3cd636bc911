#!/usr/bin/env bash
# The lab: an Azure VNet and an AWS VPC joined by a site-to-site IPsec tunnel, each cloud gateway
# played by iked (or strongSwan), every machine a network namespace on this box. It installs what
# it needs, builds release binaries, builds the topology, starts one iked per gateway with its
# configuration from lab/SCENARIO/, brings the tunnel up with ikectl, prints both status tables,
# pings across, prints PASS or FAIL, and tears everything down.
#
# Usage (as root):
#   scripts/lab.sh [SCENARIO] [--keep]   SCENARIO: vnet-vpc (default), nat, strongswan, vwan-tgw, bgp, all
#   scripts/lab.sh --down                tear down a lab left up with --keep
# --keep leaves the lab running and prints how to enter each namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
BIN="$REPO/.build/release"

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
SCENARIO=vnet-vpc KEEP="" DOWN=""
for arg in "$@"; do
  case "$arg" in
    vnet-vpc|nat|strongswan|vwan-tgw|bgp|all) SCENARIO=$arg ;;
    --keep) KEEP=1 ;;
    --down) DOWN=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "lab.sh: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "lab.sh: run as root (network namespaces)" >&2; exit 1; }
if [ "$SCENARIO" = all ] && [ -n "$KEEP" ]; then echo "lab.sh: --keep takes one scenario" >&2; exit 2; fi

. scripts/lib/checks.sh
. scripts/lib/strongswan.sh
. scripts/lab/common.sh
. scripts/lab/vnet-vpc.sh
. scripts/lab/vwan-tgw.sh
. scripts/lab/bgp.sh

if [ -n "$DOWN" ]; then lab_down; echo "lab: torn down"; exit 0; fi

. scripts/lib/deps.sh
install_deps
echo "== building release binaries (swift build -c release)"
swift build -c release --product iked >/dev/null
swift build -c release --product ikectl >/dev/null

# run_scenario NAME: one scenario on a clean slate; its checks add to FAILS.
run_scenario() {
  lab_down
  mkdir -p "$LAB_RUN"
  case "$1" in
    vnet-vpc|nat) story1_iked "$1" ;;
    strongswan) story1_strongswan ;;
    vwan-tgw) vwan_tgw ;;
    bgp) bgp_lab ;;
  esac
}

if [ -z "$KEEP" ]; then trap 'lab_down' EXIT; fi
trap 'exit 130' INT TERM
SCENARIOS=("$SCENARIO")
[ "$SCENARIO" = all ] && SCENARIOS=(vnet-vpc nat strongswan vwan-tgw bgp)
RESULTS=()
for s in "${SCENARIOS[@]}"; do
  before=$FAILS
  run_scenario "$s"
  if [ "$FAILS" = "$before" ]; then RESULTS+=("PASS  $s"); else RESULTS+=("FAIL  $s ($((FAILS - before)) failed checks; logs in $LAB_RUN/$s/ with --keep)"); fi
done

echo
echo "==== lab summary"
printf '  %s\n' "${RESULTS[@]}"
if [ -n "$KEEP" ]; then
  lab_keep_help
else
  lab_down
  trap - EXIT
  left=$(ip netns list | grep -c "^$LAB_PREFIX" || true)
  echo "  torn down: $left lab namespaces left"
fi
if [ "$FAILS" = 0 ]; then echo "==== PASS"; else echo "==== FAIL"; exit 1; fi
