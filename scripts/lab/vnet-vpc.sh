# The first story (sourced by scripts/lab.sh): an Azure VNet 10.1.0.0/16 with the VM 10.1.1.4 and
# an AWS VPC 10.2.0.0/16 with the EC2 instance 10.2.1.10, joined by a site-to-site tunnel between
# the Azure VPN gateway (public 203.0.113.10) and the AWS virtual private gateway (tunnel outside
# address 198.51.100.10) across an "internet" router. Scenarios:
#   vnet-vpc    iked on both gateways; the Azure side brings the tunnel up with `ikectl up`;
#   nat         the same with the Azure gateway at 172.16.0.4 behind a NAT (public 203.0.113.10);
#   strongswan  strongSwan as the Azure gateway, iked as the AWS one.
#
#   lab-vm ── lab-azure ──[lab-azure-nat]── lab-inet ── lab-aws ── lab-ec2
#   10.1.1.4   203.0.113.10                            198.51.100.10   10.2.1.10

# story1_topology [nat]: the namespaces, links, routes (and the NAT) of the first story.
story1_topology() {
  lab_ns lab-inet lab-azure lab-aws
  lab_router lab-inet
  if [ "${1:-}" = nat ]; then
    lab_ns lab-azure-nat
    lab_link lab-azure az-wan 172.16.0.4/24 lab-azure-nat nat-lan 172.16.0.1/24
    lab_link lab-azure-nat nat-wan 203.0.113.10/24 lab-inet inet-az 203.0.113.1/24
    ip -n lab-azure route add default via 172.16.0.1
    ip -n lab-azure-nat route add default via 203.0.113.1
    lab_router lab-azure-nat
    ip netns exec lab-azure-nat nft -f - <<'NFT'
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat;
    oifname "nat-wan" masquerade
  }
}
NFT
  else
    lab_link lab-azure az-wan 203.0.113.10/24 lab-inet inet-az 203.0.113.1/24
    ip -n lab-azure route add default via 203.0.113.1
  fi
  lab_link lab-aws aws-wan 198.51.100.10/24 lab-inet inet-aws 198.51.100.1/24
  ip -n lab-aws route add default via 198.51.100.1
  # The VNet's VM and the VPC's instance, each routed through its gateway.
  add_host lab-vm lab-azure 10.1.1.4/16 10.1.0.1
  add_host lab-ec2 lab-aws 10.2.1.10/16 10.2.0.1
}

# The pings of the story, both ways, and the AWS side's ESP counters that show they crossed it.
story1_pings() { # SCENARIO
  check "ping VM 10.1.1.4 -> EC2 10.2.1.10 through the tunnel" lab_ping lab-vm 10.2.1.10
  check "ping EC2 10.2.1.10 -> VM 10.1.1.4 through the tunnel" lab_ping lab-ec2 10.1.1.4
  check "the AWS gateway's Child SA counted them (ESP in and out)" lab_carried "$LAB_RUN/$1/aws.sock" azure-vnet
}

# story1_iked SCENARIO: both gateways are iked (vnet-vpc and nat).
story1_iked() {
  local dir="$LAB_RUN/$1"
  lab_config "$1"
  story1_topology "$([ "$1" = nat ] && echo nat)"
  echo "== $1: starting the AWS virtual private gateway (iked, waits) and the Azure VPN gateway (iked)"
  lab_iked lab-aws "$dir/aws-vgw.toml" "$dir/aws.sock"
  lab_iked lab-azure "$dir/azure-vpn-gateway.toml" "$dir/azure.sock"
  echo "== $1: ikectl up aws-vpc on the Azure gateway"
  check "ikectl up aws-vpc (Azure VPN gateway)" "$BIN/ikectl" --socket "$dir/azure.sock" up aws-vpc
  check "the AWS gateway reports the tunnel UP" lab_wait_up "$dir/aws.sock" azure-vnet
  if [ "$1" = nat ]; then
    check "the AWS gateway sees the NAT (ESP in UDP 4500)" sh -c \
      "'$BIN/ikectl' --socket '$dir/aws.sock' status --json | grep -q '\"udp_encapsulation\" *: *true'"
  fi
  lab_status "Azure VPN gateway (lab-azure)" "$dir/azure.sock"
  lab_status "AWS virtual private gateway (lab-aws)" "$dir/aws.sock"
  echo
  story1_pings "$1"
}

# story1_strongswan: strongSwan is the Azure gateway, iked the AWS one.
story1_strongswan() {
  local dir="$LAB_RUN/strongswan"
  lab_config strongswan
  sed -i "s/@LAB_PSK@/$LAB_PSK/" "$dir/azure-swanctl.conf"
  story1_topology
  echo "== strongswan: starting the AWS virtual private gateway (iked) and charon (the Azure side)"
  lab_iked lab-aws "$dir/aws-vgw.toml" "$dir/aws.sock"
  mkdir -p "$dir/charon"
  swan_conf "$dir/charon"
  cp "$dir/azure-swanctl.conf" "$dir/charon/swanctl.conf"
  swan_start lab-azure "$dir/charon"
  echo "== strongswan: swanctl --initiate --child vnet on the Azure side"
  check "swanctl --initiate (strongSwan as the Azure VPN gateway)" \
    sh -c "swanctl --initiate --child vnet --ike aws-vpc --uri unix://$dir/charon/charon.vici >'$dir/initiate.out' 2>&1"
  check "the AWS gateway (iked) reports the tunnel UP" lab_wait_up "$dir/aws.sock" azure-vnet
  echo
  echo "---- Azure VPN gateway (strongSwan, lab-azure): swanctl --list-sas"
  swan "$dir/charon" --list-sas || true
  lab_status "AWS virtual private gateway (iked, lab-aws)" "$dir/aws.sock"
  echo
  story1_pings strongswan
}
