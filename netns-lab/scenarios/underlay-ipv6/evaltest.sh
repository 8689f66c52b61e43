# underlay-ipv6 — evaltest.sh: TCP over the IPv6-only underlay, what h2's underlay capture holds (only ESP-in-UDP and
# IKE over IPv6 from and to h2, nothing in the clear, no IPv4), and the dual-stack host h3 carrying traffic to its IPv6
# peer and its IPv4 peer at once. Exit 0 if all hold.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
source ./v6.sh
tmp=$LAB_DIR/tmp

# 1 MiB of random bytes red h1 -> red h2 over TCP across the IPv6 underlay, compared by sha256.
head -c 1048576 /dev/urandom >"$tmp/sent.bin"
lab_tcp_transfer h2red h1red 192.168.101.21 5001 "$tmp/sent.bin" "$tmp/received.bin"
check "1 MiB over TCP red h1 -> red h2, sha256" "$(sha256sum <"$tmp/sent.bin" | cut -d' ' -f1)" \
    "$(sha256sum <"$tmp/received.bin" | cut -d' ' -f1)"

# ... and 1 MiB from h5's guest through our ip mode and charon's libipsec over IPv6 to the subnet behind charon.
head -c 1048576 /dev/urandom >"$tmp/swan-sent.bin"
lab_tcp_transfer moon h5red 10.13.2.1 5002 "$tmp/swan-sent.bin" "$tmp/swan-received.bin"
check "1 MiB over TCP h5red -> behind charon (IPv6 underlay), sha256" "$(sha256sum <"$tmp/swan-sent.bin" | cut -d' ' -f1)" \
    "$(sha256sum <"$tmp/swan-received.bin" 2>/dev/null | cut -d' ' -f1)"

# The dual-stack host: its red guest pings the IPv6 peer's and the IPv4 peer's red guests at the same time.
rc6=0 rc4=0
lab_exec h3red ping -c20 -i0.05 -W2 192.168.101.21 >"$tmp/h3-to-h2" 2>&1 & p6=$!
lab_exec h3red ping -c20 -i0.05 -W2 192.168.101.41 >"$tmp/h3-to-h4" 2>&1 & p4=$!
wait "$p6" || rc6=$?
wait "$p4" || rc4=$?
check "h3red -> h2red (IPv6 underlay) while pinging h4red" "20 received" "$(grep -o '20 received' "$tmp/h3-to-h2" || echo "rc=$rc6 $(tail -n2 "$tmp/h3-to-h2" | head -n1)")"
check "h3red -> h4red (IPv4 underlay) while pinging h2red" "20 received" "$(grep -o '20 received' "$tmp/h3-to-h4" || echo "rc=$rc4 $(tail -n2 "$tmp/h3-to-h4" | head -n1)")"
check "h3's underlay in status: both families" "10.200.0.3:4500, [fd00:200::3]:4500" "$(ov_q h3 .dataplane.underlay)"
tunnel_pkts() { ov_q h3 "[.dataplane.sas[] | select(.direction==\"$1\" and .peer==\"$2\") | .packets] | add // 0"; }
positive "h3 sealed packets for h2 at [fd00:200::2]:4500" "$(tunnel_pkts out '[fd00:200::2]:4500')"
positive "h3 opened packets from h2 at [fd00:200::2]:4500" "$(tunnel_pkts in '[fd00:200::2]:4500')"
positive "h3 sealed packets for h4 at 10.200.0.4:4500" "$(tunnel_pkts out 10.200.0.4:4500)"
positive "h3 opened packets from h4 at 10.200.0.4:4500" "$(tunnel_pkts in 10.200.0.4:4500)"
check "h3 send failures" 0 "$(ov_q h3 '.dataplane.drops.send_failed // 0')"

# h2's underlay capture (from before its daemon started): stop it so the file is complete, then read it.
lab_stop cap-h2
pcap=$tmp/h2-underlay.pcapng
mac=$(ip -n "$(lab_ns h2)" -j link show dev "$(lab_node_get h2 if)" | jq -r '.[0].address')
count() { tshark -n -r "$pcap" -Y "$1" 2>/dev/null | wc -l; }
positive "ESP-in-UDP over IPv6 to and from h2 (udp 4500)" "$(count "eth.addr == $mac && ipv6 && udp.port == 4500 && esp")"
positive "IKE over IPv6 to and from h2" "$(count "eth.addr == $mac && ipv6 && isakmp")"
check "IPv4 or ARP frames to or from h2" 0 "$(count "eth.addr == $mac && (ip || arp)")"
check "h2's frames other than ESP-in-UDP, IKE and ICMPv6 (neighbour discovery)" 0 \
    "$(count "eth.addr == $mac && !(ipv6 && (udp.port == 4500 || udp.port == 500)) && !icmpv6")"
check "guest traffic in the clear on h2's underlay (ICMP, TCP)" 0 "$(count "eth.addr == $mac && (icmp || tcp)")"
check "UDP 4500 payloads from h2 that are neither ESP, IKE nor a keepalive" 0 \
    "$(count "eth.src == $mac && udp.port == 4500 && !esp && !isakmp && udp.length != 9")"

# Decrypted with the keys h2 exported (debug_key_export: "IPv6" lines from h2's IPv6 underlay address): the red guests'
# packets travel tagged VLAN 101 only, the blue guests' VLAN 102 only, never the other way round.
uat=()
while IFS= read -r line; do uat+=(-o "uat:esp_sa:$line"); done <"$(ov_keyfile h2)"
check "h2's exported SAs all IPv6" 0 "$(grep -vc '^"IPv6","fd00:200::' "$(ov_keyfile h2)")"
decode=(-o esp.enable_encryption_decode:TRUE "${uat[@]}")
dcount() { tshark -n -r "$pcap" "${decode[@]}" -Y "$1" 2>/dev/null | wc -l; }
positive "decrypted red TCP between h1red and h2red in VLAN 101" "$(dcount 'ipv6 && esp && vlan.id == 101 && ip.addr == 192.168.101.11 && tcp')"
positive "decrypted blue ICMP between h1blu and h2blu in VLAN 102" "$(dcount 'ipv6 && esp && vlan.id == 102 && ip.addr == 192.168.101.12 && icmp')"
check "red guests' packets tagged blue (VLAN 102)" 0 "$(dcount 'vlan.id == 102 && (ip.addr == 192.168.101.11 || ip.addr == 192.168.101.21 || ip.addr == 192.168.101.31)')"
check "blue guests' packets tagged red (VLAN 101)" 0 "$(dcount 'vlan.id == 101 && (ip.addr == 192.168.101.12 || ip.addr == 192.168.101.22)')"
exit "$fail"
