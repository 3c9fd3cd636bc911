# Installs the Debian packages iked's build and tests need. Sourced by the scripts in scripts/.
# Idempotent: skips apt entirely when every package is already present.
IKED_APT_PACKAGES=(
    pkg-config libssl-dev libsodium-dev          # libcrypto and libsodium for CryptoOpenSSL
    iproute2 nftables iputils-ping tcpdump       # namespaces, NAT, captures
    conntrack                                    # faults.sh: flush a NAT's mappings
    strongswan-swanctl strongswan-charon         # the interop peer
    libcharon-extra-plugins libstrongswan-extra-plugins
    bird2                                        # BGP over the inside addresses (interop/bgp.sh)
    python3                                      # test drivers (JSON, sd_notify socket, seccomp)
    systemd mandoc man-db                        # systemd-analyze; man page lint (systemd-check.sh)
)

# install_missing PACKAGE...: apt-get installs those not installed yet (without recommends),
# and does nothing at all when every one is there.
install_missing() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "== installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

install_deps() {
    install_missing "${IKED_APT_PACKAGES[@]}"
    command -v swift >/dev/null || { echo "swift is not on PATH (Swift 6.x is required)" >&2; exit 1; }
}

# What scripts/bench.sh needs on top of IKED_APT_PACKAGES: iperf3 (it asks a debconf question,
# hence DEBIAN_FRONTEND), and Debian's wireguard-go with wg from wireguard-tools as the
# userspace reference. --no-install-recommends keeps wireguard-tools from pulling in
# wireguard-dkms: the benchmark wants the userspace TUN, not a kernel module.
IKED_BENCH_APT_PACKAGES=(iperf3 wireguard-go wireguard-tools)

install_bench_deps() { install_missing "${IKED_BENCH_APT_PACKAGES[@]}"; }
