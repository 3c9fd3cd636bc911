# strongSwan as a test peer (sourced by the interop scripts): charon with kernel-libipsec inside a
# network namespace and its own mount namespace (a private /run), driven through a vici socket in
# a directory of its own. See ../shared/reference/strongswan-lab.md for why each piece is there.
# The sourcing script has sourced checks.sh (for PIDS).
CHARON=/usr/lib/ipsec/charon

# swan_conf DIR [LINE...]: strongswan.conf for an instance whose log is DIR/charon.log (IKE and
# Child SA detail, so the tests can look for keys in iked's logs) and whose vici socket is
# DIR/charon.vici. Each LINE is an extra charon setting, e.g. "fragment_size = 576".
swan_conf() {
  local dir=$1 extra="" line
  shift
  for line in "$@"; do extra+="  $line"$'\n'; done
  cat >"$dir/strongswan.conf" <<CONF
charon {
${extra}  load_modular = no
  load = random nonce aes sha1 sha2 hmac gcm openssl curve25519 chapoly pem pkcs1 x509 kdf kernel-libipsec kernel-netlink socket-default vici
  install_routes = no
  retransmit_timeout = 2
  filelog {
    interop {
      path = $dir/charon.log
      append = no
      flush_line = yes
      default = 1
      ike = 4
      chd = 4
      enc = 1
    }
  }
  syslog { daemon { default = -1 } }
  plugins { vici { socket = unix://$dir/charon.vici } }
}
CONF
}

# swan_connection DIR LOCAL_ADDR REMOTE_ADDR IKE ESP LOCAL_TS REMOTE_TS LOCAL_ID REMOTE_ID PSK
# [OPTION...]: DIR/swanctl.conf with one connection "iked" and its Child SA "net", no automatic
# rekeys (the tests rekey on purpose), DPD every 3 s, and ESP in UDP (kernel-libipsec does nothing
# else, so charon fakes a NAT when there is none and both sides move to 4500). LOCAL_TS and
# REMOTE_TS may list several selectors, comma-separated. Each OPTION is "conn:KEY=VALUE" (added to
# the connection, e.g. conn:fragmentation=yes) or "child:KEY=VALUE" (added to the Child SA, e.g.
# child:dpd_action=restart); a later KEY overrides the defaults above.
swan_connection() {
  local conn_extra="" child_extra="" opt
  for opt in "${@:11}"; do
    case $opt in
      conn:*) conn_extra+="    ${opt#conn:}"$'\n' ;;
      child:*) child_extra+="        ${opt#child:}"$'\n' ;;
      *) echo "swan_connection: option $opt is neither conn:KEY=VALUE nor child:KEY=VALUE" >&2; return 1 ;;
    esac
  done
  cat >"$1/swanctl.conf" <<CONF
connections {
  iked {
    version = 2
    local_addrs = $2
    remote_addrs = $3
    proposals = $4
    dpd_delay = 3s
    rekey_time = 0
    encap = yes
${conn_extra}    local { auth = psk
      id = $8 }
    remote { auth = psk
      id = $9 }
    children {
      net {
        local_ts = $6
        remote_ts = $7
        esp_proposals = $5
        rekey_time = 0
        start_action = none
${child_extra}      }
    }
  }
}
secrets { ike-iked { id-a = $8
  id-b = $9
  secret = "${10}" } }
CONF
}

# swan_aws_tunnel NAME CGW AWS_ADDRESS: one connection of swanctl.conf's connections section, as
# AWS's strongSwan download sets up each tunnel of a VPN connection (ipsec.conf there): 0.0.0.0/0
# selectors both ways, AES128/SHA1 with PFS (group 14), 8 h / 1 h lifetimes, DPD every 10 s with
# restart, retries forever, PSK identities by address; the key goes in the secrets section.
swan_aws_tunnel() {
  cat <<CONF
  $1 {
    version = 2
    local_addrs = $2
    remote_addrs = $3
    proposals = aes128-sha1-modp2048
    rekey_time = 8h
    dpd_delay = 10s
    keyingtries = 0
    encap = yes
    local { auth = psk
      id = $2 }
    remote { auth = psk
      id = $3 }
    children {
      $1 {
        local_ts = 0.0.0.0/0
        remote_ts = 0.0.0.0/0
        esp_proposals = aes128-sha1-modp2048
        rekey_time = 1h
        dpd_action = restart
        start_action = start
      }
    }
  }
CONF
}

# swan DIR ARGS...: swanctl against the instance in DIR.
swan() { local dir=$1; shift; swanctl "$@" --uri "unix://$dir/charon.vici"; }

# swan_start NS DIR: starts charon in NS with DIR's configuration and loads DIR/swanctl.conf.
swan_start() {
  STRONGSWAN_CONF="$2/strongswan.conf" ip netns exec "$1" unshare -m sh -c \
    "mount -t tmpfs tmpfs /run && exec $CHARON" >"$2/charon.stdout" 2>&1 </dev/null &
  PIDS+=($!)
  local i
  for i in $(seq 1 100); do [ -S "$2/charon.vici" ] && break; sleep 0.1; done
  swan "$2" --load-all --file "$2/swanctl.conf" >"$2/load.out" 2>&1
}
