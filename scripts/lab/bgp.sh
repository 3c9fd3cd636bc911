# The first story with dynamic routing (sourced by scripts/lab.sh): the Azure VNet 10.1.0.0/16
# (VM 10.1.1.4) and the AWS VPC 10.2.0.0/16 (EC2 10.2.1.10) joined by an AWS-style VPN connection
# of two tunnels (AWS outside addresses 198.51.100.10 and .11) with BGP over both, iked and BIRD 2
# on each gateway (lab/bgp/). No static route anywhere: the VNet learns the VPC, and the VPC the
# VNet, through BGP, over both tunnels at once (ECMP). Tunnel 1's AWS address is then cut on the
# "internet": the ping keeps going over tunnel 2 once BGP notices (AWS's 30 s hold time); the cut
# heals and both tunnels carry BGP and traffic again.
#
#   lab-vm ── lab-azure (iked + BIRD) ── lab-inet ── lab-aws (iked + BIRD) ── lab-ec2
#   10.1.1.4   203.0.113.10                            198.51.100.10, .11       10.2.1.10
#
# Namespace names start with $LAB_PREFIX.

bgp_lab() {
  local dir="$LAB_RUN/bgp" p=$LAB_PREFIX
  lab_config bgp
  # The files name /tmp/iked-lab/bgp, where lab.sh runs them.
  sed -i "s#/tmp/iked-lab/bgp#$dir#g" "$dir"/*.toml "$dir"/bird-*.conf
  mkdir -p "$dir/aws-iked.d" "$dir/azure-iked.d"
  lab_ns "${p}inet" "${p}azure" "${p}aws"
  lab_router "${p}inet"
  lab_link "${p}azure" az-wan 203.0.113.10/24 "${p}inet" inet-az 203.0.113.1/24
  lab_link "${p}aws" aws-wan 198.51.100.10/24 "${p}inet" inet-aws 198.51.100.1/24
  ip -n "${p}aws" addr add 198.51.100.11/24 dev aws-wan
  ip -n "${p}azure" route add default via 203.0.113.1
  ip -n "${p}aws" route add default via 198.51.100.1
  add_host "${p}vm" "${p}azure" 10.1.1.4/16 10.1.0.1
  add_host "${p}ec2" "${p}aws" 10.2.1.10/16 10.2.0.1

  echo "== bgp: BIRD 2 on both gateways, then iked (AWS waits, Azure connects both tunnels)"
  local side
  for side in aws azure; do
    start_bird "${p}$side" "$dir/bird-$side.conf" "$dir/$side-bird.ctl"
  done
  wait_sockets "$dir/aws-bird.ctl" "$dir/azure-bird.ctl"
  lab_iked "${p}aws" "$dir/aws-vpn.toml" "$dir/aws.sock"
  lab_iked "${p}azure" "$dir/azure-vpn-gateway.toml" "$dir/azure.sock"
  check "the AWS side reports tunnel 1 UP" lab_wait_up "$dir/aws.sock" vpn-1
  check "the AWS side reports tunnel 2 UP" lab_wait_up "$dir/aws.sock" vpn-2
  check "all four BGP sessions are Established (AWS connects within a few seconds)" bgp_wait 60 bgp_all_established "$dir"
  check "the VNet learned the VPC 10.2.0.0/16 from BGP over both tunnels (no static route)" \
    bgp_wait 10 bgp_routes "${p}azure" 10.2.0.0/16 "ike-aws-1 ike-aws-2 "
  check "the VPC learned the VNet 10.1.0.0/16 from BGP over both tunnels" \
    bgp_wait 10 bgp_routes "${p}aws" 10.1.0.0/16 "ike-vpn-1 ike-vpn-2 "
  lab_status "Azure VPN gateway (${p}azure)" "$dir/azure.sock"
  lab_status "AWS VPN connection (${p}aws)" "$dir/aws.sock"
  echo
  echo "---- Azure VPN gateway: ip route show 10.2.0.0/16 (from BIRD)"
  ip -n "${p}azure" route show 10.2.0.0/16
  echo
  check "ping VM 10.1.1.4 -> EC2 10.2.1.10" lab_ping "${p}vm" 10.2.1.10
  check "ping EC2 10.2.1.10 -> VM 10.1.1.4" lab_ping "${p}ec2" 10.1.1.4

  echo "== bgp: cut tunnel 1 (198.51.100.10) on the internet; BGP moves the traffic to tunnel 2"
  cut_address "${p}inet" 198.51.100.10
  on_tunnel2() { bgp_routes "${p}azure" 10.2.0.0/16 "ike-aws-2 " && bgp_routes "${p}aws" 10.1.0.0/16 "ike-vpn-2 "; }
  local back=""
  wait_moved 35000 on_tunnel2 "${p}vm" 10.2.1.10 && back=$(( (BACK_MS + 999) / 1000 ))
  echo "  the ping goes over tunnel 2 after ${back:-more than 35} s (BGP hold time 30 s)"
  check "the ping is back over tunnel 2 within the hold time + 5 s (35 s)" test -n "$back"
  lab_status "AWS VPN connection, tunnel 1 cut" "$dir/aws.sock"
  echo

  echo "== bgp: heal the cut; both tunnels carry BGP and traffic again"
  heal_cut "${p}inet"
  check "all four BGP sessions are Established again" bgp_wait 60 bgp_all_established "$dir"
  check "the VNet's route to the VPC goes over both tunnels again" \
    bgp_wait 10 bgp_routes "${p}azure" 10.2.0.0/16 "ike-aws-1 ike-aws-2 "
  check "ping VM -> EC2 after the heal" lab_ping "${p}vm" 10.2.1.10
}

# bgp_wait SECONDS COMMAND...: true once COMMAND succeeds, trying every second.
bgp_wait() { local i; for i in $(seq 1 "$1"); do "${@:2}" && return 0; sleep 1; done; return 1; }

# bgp_routes NS PREFIX "DEV DEV ": the kernel route to PREFIX is BIRD's and goes through exactly
# these tunnel interfaces.
bgp_routes() {
  local r
  r=$(ip -n "$1" route show "$2")
  echo "$r" | grep -q "proto bird" &&
    [ "$(echo "$r" | grep -oE 'dev ike-[a-z0-9-]+' | sed 's/dev //' | sort | tr '\n' ' ')" = "$3" ]
}

# bgp_all_established DIR: ikectl status on both gateways shows every tunnel's session Established.
bgp_all_established() {
  local side
  for side in aws azure; do
    "$BIN/ikectl" --socket "$1/$side.sock" status --json 2>/dev/null | python3 -c \
      "import json,sys; t=json.load(sys.stdin)['tunnels']; sys.exit(0 if t and all((x['bgp'] or {}).get('state') == 'Established' for x in t) else 1)" \
      || return 1
  done
}
