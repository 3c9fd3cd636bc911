#!/usr/bin/env bash
# Builds iked and ikectl in release mode and installs them with the systemd unit, the example
# configuration and the man pages (docs/operations.md). Safe to run again: it replaces what it
# installed and never touches an existing /etc/iked/iked.toml.
#
# Usage (as root): scripts/install.sh [--no-build]
#   PREFIX      where binaries and man pages go (default /usr/local: sbin/, share/man/)
#   DESTDIR     stage everything under this directory (for packaging); systemctl is not run
#   SYSCONFDIR  default /etc (the configuration goes to SYSCONFDIR/iked)
#   UNITDIR     default /etc/systemd/system with PREFIX=/usr/local, else PREFIX/lib/systemd/system
#   --no-build  install the binaries already built (BUILD_DIR, default .build/release)
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX="${PREFIX:-/usr/local}"
PREFIX="${PREFIX%/}"
DESTDIR="${DESTDIR:-}"
SYSCONFDIR="${SYSCONFDIR:-/etc}"
if [ -z "${UNITDIR:-}" ]; then
    if [ "$PREFIX" = /usr/local ]; then UNITDIR=/etc/systemd/system; else UNITDIR="$PREFIX/lib/systemd/system"; fi
fi
BUILD=1
for arg in "$@"; do
    case "$arg" in
        --no-build) BUILD=0 ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
    esac
done

if [ "$BUILD" = 1 ]; then
    command -v swift >/dev/null || { echo "install.sh: swift is not on PATH (Swift 6.x is required)" >&2; exit 1; }
    echo "== building release binaries"
    # One Swift build at a time on this machine (see docs/development.md).
    flock /tmp/iked-swift-build.lock swift build -c release --product iked
    flock /tmp/iked-swift-build.lock swift build -c release --product ikectl
fi
BIN="${BUILD_DIR:-.build/release}"
for b in iked ikectl; do
    [ -x "$BIN/$b" ] || { echo "install.sh: $BIN/$b is missing; run without --no-build" >&2; exit 1; }
done

SBINDIR="$PREFIX/sbin"
MANDIR="$PREFIX/share/man"
CONFDIR="$SYSCONFDIR/iked"

echo "== installing into ${DESTDIR:-/} (PREFIX=$PREFIX)"
install -d -m 0755 "$DESTDIR$SBINDIR" "$DESTDIR$UNITDIR" "$DESTDIR$MANDIR/man5" "$DESTDIR$MANDIR/man8"
[ -d "$DESTDIR$CONFDIR" ] || install -d -m 0700 "$DESTDIR$CONFDIR"   # will hold pre-shared keys
install -m 0755 "$BIN/iked" "$DESTDIR$SBINDIR/iked"
install -m 0755 "$BIN/ikectl" "$DESTDIR$SBINDIR/ikectl"

# The unit names /usr/local/sbin/iked and /etc/iked/iked.toml; follow PREFIX and SYSCONFDIR.
unit_tmp="$(mktemp)"
trap 'rm -f "$unit_tmp"' EXIT
sed -e "s#/usr/local/sbin/#$SBINDIR/#g" -e "s#/etc/iked/#$CONFDIR/#g" systemd/iked.service >"$unit_tmp"
install -m 0644 "$unit_tmp" "$DESTDIR$UNITDIR/iked.service"

# BGP through BIRD (docs/routing.md): the drop-in that lets iked write BIRD's include directory and
# reach its socket, only where BIRD's group exists (a unit naming a missing group does not start).
BIRD_DROPIN=""
if getent group bird >/dev/null; then
    BIRD_DROPIN="$UNITDIR/iked.service.d/bird.conf"
    install -d -m 0755 "$DESTDIR$UNITDIR/iked.service.d"
    install -m 0644 systemd/iked.service.d/bird.conf "$DESTDIR$BIRD_DROPIN"
    [ -n "$DESTDIR" ] || install -d -m 0755 /etc/bird/iked.d
fi

install -m 0644 conf/iked.toml "$DESTDIR$CONFDIR/iked.toml.example"
if [ -e "$DESTDIR$CONFDIR/iked.toml" ]; then
    echo "   kept the existing $CONFDIR/iked.toml"
fi

install -m 0644 man/iked.8 man/ikectl.8 "$DESTDIR$MANDIR/man8/"
install -m 0644 man/iked.toml.5 "$DESTDIR$MANDIR/man5/"

echo "   $SBINDIR/iked, $SBINDIR/ikectl"
echo "   $UNITDIR/iked.service"
if [ -n "$BIRD_DROPIN" ]; then
    echo "   $BIRD_DROPIN (BIRD is installed: iked may write /etc/bird/iked.d and use BIRD's socket)"
fi
echo "   $CONFDIR/iked.toml.example"
echo "   $MANDIR/man8/iked.8, ikectl.8, $MANDIR/man5/iked.toml.5"

if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl daemon-reload
fi

if [ ! -e "$DESTDIR$CONFDIR/iked.toml" ]; then
    cat <<EOF
== next steps (docs/operations.md)
   cp $CONFDIR/iked.toml.example $CONFDIR/iked.toml     # then edit it
   iked --check --config $CONFDIR/iked.toml
   systemctl enable --now iked
EOF
fi
