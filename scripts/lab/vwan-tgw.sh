# The second story (sourced by scripts/lab.sh): an Azure Virtual WAN with two hubs joined to an
# AWS Transit Gateway with two VPCs by a site-to-site VPN with static routes.
#
#   lab-je-vm 10.1.1.4 ── lab-hub-je (Japan East hub, VPN gateway 203.0.113.20) ──┐
#                            │ hub-to-hub                                        lab-inet
#   lab-ue-vm 10.3.1.4 ── lab-hub-ue (US East hub)                                   │
#   lab-vpc-a 10.2.1.10 ──┐                                                          │
#                          lab-tgw (Transit Gateway, VPN attachment 198.51.100.20) ──┘
#   lab-vpc-b 10.4.1.10 ──┘
#
# Routing as the story configures it:
# - each VNet routes through its hub; the hubs route the other hub's VNet to each other and the
#   VPN site's prefixes (10.2.0.0/16, 10.4.0.0/16) towards the Japan East hub's VPN gateway,
#   whose iked routes them into the tunnel;
# - the TGW route table (table 100 in lab-tgw, used for traffic arriving on any attachment) has
#   the VPC attachments' propagated routes and the VPN attachment's static routes to 10.1.0.0/16
#   and 10.3.0.0/16;
# - each VPC's route table sends the Azure prefixes to the transit gateway.
TGW_TABLE=100

vwan_tgw_topology() {
  lab_ns lab-inet lab-hub-je lab-hub-ue lab-tgw
  lab_router lab-inet
  lab_router lab-hub-ue
  lab_router lab-tgw
  # The internet between the clouds.
  lab_link lab-hub-je je-wan 203.0.113.20/24 lab-inet inet-je 203.0.113.1/24
  lab_link lab-tgw tgw-wan 198.51.100.20/24 lab-inet inet-tgw 198.51.100.1/24
  ip -n lab-hub-je route add default via 203.0.113.1
  ip -n lab-tgw route add default via 198.51.100.1
  # Virtual WAN: the two hubs, their VNet connections and hub-to-hub routing.
  lab_link lab-hub-je je-ue 10.255.0.1/30 lab-hub-ue ue-je 10.255.0.2/30
  add_host lab-je-vm lab-hub-je 10.1.1.4/16 10.1.0.1
  add_host lab-ue-vm lab-hub-ue 10.3.1.4/16 10.3.0.1
  ip -n lab-hub-je route add 10.3.0.0/16 via 10.255.0.2
  ip -n lab-hub-ue route add 10.1.0.0/16 via 10.255.0.1
  ip -n lab-hub-ue route add 10.2.0.0/16 via 10.255.0.1
  ip -n lab-hub-ue route add 10.4.0.0/16 via 10.255.0.1
  # AWS: two VPCs attached to the transit gateway; their route tables send Azure's prefixes to it.
  add_host lab-vpc-a lab-tgw 10.2.1.10/16 10.2.0.1
  add_host lab-vpc-b lab-tgw 10.4.1.10/16 10.4.0.1
  local vpc net
  for vpc in a b; do
    net=$([ $vpc = a ] && echo 10.2.0.1 || echo 10.4.0.1)
    ip -n lab-vpc-$vpc route del default
    ip -n lab-vpc-$vpc route add 10.1.0.0/16 via $net
    ip -n lab-vpc-$vpc route add 10.3.0.0/16 via $net
  done
  # The TGW route table: propagated from the VPC attachments, used for every attachment.
  ip -n lab-tgw route add 10.2.0.0/16 dev lab-vpc-ag table $TGW_TABLE
  ip -n lab-tgw route add 10.4.0.0/16 dev lab-vpc-bg table $TGW_TABLE
  ip -n lab-tgw rule add iif lab-vpc-ag lookup $TGW_TABLE pref 100
  ip -n lab-tgw rule add iif lab-vpc-bg lookup $TGW_TABLE pref 100
}

vwan_tgw() {
  local dir="$LAB_RUN/vwan-tgw"
  lab_config vwan-tgw
  vwan_tgw_topology
  echo "== vwan-tgw: starting the Transit Gateway's VPN attachment (iked) and the vWAN hub VPN gateway (iked)"
  lab_iked lab-tgw "$dir/aws-tgw-vpn.toml" "$dir/aws.sock"
  # The VPN attachment's static routes in the TGW route table, and its traffic looked up there.
  ip -n lab-tgw route add 10.1.0.0/16 dev ike-azure-vwan table $TGW_TABLE
  ip -n lab-tgw route add 10.3.0.0/16 dev ike-azure-vwan table $TGW_TABLE
  ip -n lab-tgw rule add iif ike-azure-vwan lookup $TGW_TABLE pref 100
  lab_iked lab-hub-je "$dir/azure-vwan-hub.toml" "$dir/azure.sock"
  echo "== vwan-tgw: ikectl up aws-tgw on the Japan East hub's VPN gateway"
  check "ikectl up aws-tgw (vWAN hub VPN gateway)" "$BIN/ikectl" --socket "$dir/azure.sock" up aws-tgw
  check "the Transit Gateway's VPN attachment reports the tunnel UP" lab_wait_up "$dir/aws.sock" azure-vwan
  lab_status "Azure vWAN hub Japan East, VPN gateway (lab-hub-je)" "$dir/azure.sock"
  lab_status "AWS Transit Gateway, VPN attachment (lab-tgw)" "$dir/aws.sock"
  echo
  echo "---- TGW route table (lab-tgw: ip route show table $TGW_TABLE)"
  ip -n lab-tgw route show table $TGW_TABLE
  echo "---- VPC A route table (lab-vpc-a)"
  ip -n lab-vpc-a route show
  echo "---- vWAN hub US East routes (lab-hub-ue)"
  ip -n lab-hub-ue route show
  echo
  check "hub to hub: VM Japan East 10.1.1.4 -> VM US East 10.3.1.4" lab_ping lab-je-vm 10.3.1.4
  local vm ip vpc dst
  for vm in je ue; do
    ip=$([ $vm = je ] && echo 10.1.1.4 || echo 10.3.1.4)
    for vpc in a b; do
      dst=$([ $vpc = a ] && echo 10.2.1.10 || echo 10.4.1.10)
      check "VM $vm $ip -> VPC $vpc instance $dst through the tunnel" lab_ping lab-$vm-vm "$dst"
    done
  done
  check "VPC B instance 10.4.1.10 -> VM US East 10.3.1.4 (the way back)" lab_ping lab-vpc-b 10.3.1.4
  check "the hub's Child SA counted the pings (ESP in and out)" lab_carried "$dir/azure.sock" aws-tgw
  check "the Transit Gateway's Child SA counted them too" lab_carried "$dir/aws.sock" azure-vwan
}
