# nat-traversal — evaltest.sh: ESP to the NAT-mapped endpoint, keepalives that keep the mapping, two NAT
# rebindings survived (one learned from IKE's address update, one from authenticated ESP), and the wire.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
source ./nat.sh
tmp=$LAB_DIR/tmp
h1_remote() { ov_q h1 '.dataplane.peers[] | select(.name=="h2") | .tunnels[0].remote'; }
ms() { date +%s%3N; }
h2ip=$(lab_ul_addr h2)

# 1. h1 sends to where h2's NAT mapped h2's port 4500, and may follow it; h2 (behind the NAT) does not follow.
mapped=$(nat_port 4500)
if [[ $mapped =~ ^400[0-9][0-9]$ ]]; then ok "h2:4500 leaves the NAT as port $mapped"; else bad "h2:4500 mapped to '$mapped', not 40000-40099"; fi
check "h1's ESP to h2 goes to" "$h2ip:$mapped" "$(h1_remote)"
check "h1 follows h2 (h2 is behind the NAT)" true "$(ov_q h1 '.dataplane.peers[0].tunnels[0].follows_peer')"
check "h2's ESP to h1 goes to" "$(lab_ul_addr h1):4500" "$(ov_q h2 '.dataplane.peers[0].tunnels[0].remote')"
check "h2 does not follow h1" false "$(ov_q h2 '.dataplane.peers[0].tunnels[0].follows_peer')"

# 2. Keepalives keep the mapping while the guests are silent: conntrack forgets an idle UDP flow after 3 s and
#    DPD runs only every 5 s, so without keepalives the mapping would be gone at some sample.
ka_sent0=$(ov_q h2 '.dataplane.underlay_counters.keepalives_sent') ka_recv0=$(ov_q h1 '.dataplane.underlay_counters.keepalives_received')
missing=0 moved=0
for _ in $(seq 40); do
    sleep 0.25
    now=$(nat_port 4500)
    [[ -n $now ]] || missing=$((missing + 1))
    [[ -z $now || $now == "$mapped" ]] || moved=$((moved + 1))
done
check "samples (of 40 over 10 s idle) with no NAT mapping for h2:4500" 0 "$missing"
check "samples with another mapped port" 0 "$moved"
at_least "keepalives h2 sent in those 10 s" 3 $(( $(ov_q h2 '.dataplane.underlay_counters.keepalives_sent') - ka_sent0 ))
at_least "keepalives h1 received (counted, not dropped)" 3 $(( $(ov_q h1 '.dataplane.underlay_counters.keepalives_received') - ka_recv0 ))
check "h1 drops in total (keepalives are no drops)" 0 "$(ov_q h1 '[.dataplane.drops[]] | add // 0')"
if lab_exec h1red ping -c3 -i0.2 -W2 192.168.101.21 | grep -q '3 received'; then ok "after 10 s idle, h1red -> h2red (h1 speaks first) 3/3"
else bad "after 10 s idle, h1red -> h2red lost packets"; fi

# 3. Rebinding, guests silent: h2's next datagrams leave from 41000-41099. Keepalives from there move nothing
#    (unauthenticated); h2's next DPD request, authenticated, moves h1's IKE SA and with it the tunnel.
moves0=$(ov_q h1 '.dataplane.underlay_counters.remote_moves')
t0=$(ms)
nat_rebind 41000-41099
if lab_wait_for h1 20 sh -c "$OV_BIN/tvdctl status --json --socket $(ov_socket h1) | jq -e '.dataplane.peers[0].tunnels[0].remote | test(\":410[0-9][0-9]$\")'"; then
    took=$(( $(ms) - t0 ))
    ok "after the first rebinding h1 sends to $(h1_remote) (${took} ms; bound: DPD interval 5 s + 3 s)"
    (( took <= 8000 )) || bad "the move took ${took} ms, more than 8000"
else
    bad "h1 still sends to $(h1_remote) 20 s after the first rebinding"
fi
if grep -q "ike: peer h2 moved to $h2ip:410" "$(lab_log_of overlayd-h1)"; then ok "h1 learned it from IKE (authenticated request, RFC 7296 §2.23)"
else bad "no IKE address update in h1's log"; fi
check "tunnel moves by ESP meanwhile (none: the guests were silent)" "$moves0" "$(ov_q h1 '.dataplane.underlay_counters.remote_moves')"
if lab_exec h1red ping -c3 -i0.2 -W2 192.168.101.21 | grep -q '3 received'; then ok "after the first rebinding, h1red -> h2red 3/3"
else bad "after the first rebinding, h1red -> h2red lost packets"; fi

# 4. Rebinding with traffic: the first authenticated ESP packet from h2's new port moves h1's tunnel at once.
nat_rebind 42000-42099
if lab_exec h2red ping -c3 -i0.2 -W2 192.168.101.11 | grep -q '3 received'; then ok "right after the second rebinding, h2red -> h1red 3/3"
else bad "after the second rebinding, h2red -> h1red lost packets"; fi
at_least "tunnel moves by ESP on h1" $((moves0 + 1)) "$(ov_q h1 '.dataplane.underlay_counters.remote_moves')"
if [[ $(h1_remote) =~ :420[0-9][0-9]$ ]]; then ok "h1 now sends to $(h1_remote)"; else bad "h1 sends to $(h1_remote), not 42000-42099"; fi
check "IKE SAs on h1 (the same one survived both rebindings)" 1 "$(ov_q h1 '.ike.ike_sas | length')"
check "h1 packets that failed authentication" 0 "$(ov_q h1 '.dataplane.drops.auth_failed // 0')"

# 5. The wire at h1: nothing from h1 to h2's port 4500 (only the NAT's ports), keepalives are one octet 0xFF.
lab_stop capture
sleep 0.3
pcap=$tmp/h1.pcap
check "datagrams h1 sent to h2's port 4500" 0 "$(tshark -r "$pcap" -Y "ip.src == $(lab_ul_addr h1) && udp.dstport == 4500" 2>/dev/null | wc -l)"
positive "ESP packets (no non-ESP marker) h1 sent to h2's first mapped port $mapped" \
    "$(tshark -r "$pcap" -Y "ip.src == $(lab_ul_addr h1) && udp.srcport == 4500 && udp.dstport == $mapped && udp.length > 100 && udp.payload[0:4] != 00:00:00:00" 2>/dev/null | wc -l)"
at_least "NAT-keepalives (1 octet 0xff) from h2's mapped ports to h1:4500 on the wire" 5 \
    "$(tshark -r "$pcap" -Y "ip.src == $h2ip && udp.srcport >= 40000 && udp.dstport == 4500 && udp.length == 9 && udpencap.nat_keepalive" 2>/dev/null | wc -l)"
exit "$fail"
