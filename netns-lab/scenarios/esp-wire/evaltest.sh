# esp-wire — evaltest.sh: marked traffic in both TVDs, then the capture read raw and decrypted.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
tmp=$LAB_DIR/tmp
marker=TVDMARKER7f3a
pcap=$tmp/underlay.pcap

# Red: 256 KiB of lines holding the marker, h1red -> h2red over TCP. Blue: pings whose pattern
# is the marker's hex (ping -p takes up to 16 bytes).
python3 -c "import sys; sys.stdout.write(''.join('$marker line %06d\n' % i for i in range(12000)))" >"$tmp/marked.txt"
lab_tcp_transfer h2red h1red 192.168.101.21 5001 "$tmp/marked.txt" "$tmp/received.txt"
pattern=$(printf '%s' "$marker" | od -An -tx1 | tr -d ' \n')
lab_exec h1blu ping -c5 -i0.2 -W2 -p "$pattern" 192.168.102.22 >/dev/null
check "the received file holds the marker (the probe can see it)" 12000 "$(grep -c "$marker" "$tmp/received.txt")"

lab_stop capture
sleep 0.2
positive "packets captured" "$(tshark -r "$pcap" 2>/dev/null | wc -l)"
check "IP packets that are not ESP in UDP 4500" 0 "$(tshark -r "$pcap" -Y 'ip && !(udp.port == 4500 && esp)' 2>/dev/null | wc -l)"
check "the marker in the raw capture" 0 "$(grep -a -c "$marker" "$pcap")"

# Decrypt with the daemon's exported esp_sa lines, one -o per SA.
uat=()
while IFS= read -r line; do uat+=(-o "uat:esp_sa:$line"); done <"$(ov_keyfile h1)"
check "exported SAs" 4 "$(( ${#uat[@]} / 2 ))"
decode=(-o esp.enable_encryption_decode:TRUE "${uat[@]}")
vids=$(tshark -r "$pcap" "${decode[@]}" -Y 'etherip && vlan' -T fields -e vlan.id 2>/dev/null | sort -un | tr '\n' ' ')
check "VIDs inside EtherIP" "101 102 " "$vids"
positive "decrypted red TCP to 192.168.101.21 tagged VID 101" \
    "$(tshark -r "$pcap" "${decode[@]}" -Y 'vlan.id == 101 && ip.dst == 192.168.101.21 && tcp' 2>/dev/null | wc -l)"
positive "decrypted blue ICMP to 192.168.102.22 tagged VID 102" \
    "$(tshark -r "$pcap" "${decode[@]}" -Y 'vlan.id == 102 && ip.dst == 192.168.102.22 && icmp' 2>/dev/null | wc -l)"
check "red packets tagged with blue's VID or the other way round" 0 \
    "$(tshark -r "$pcap" "${decode[@]}" -Y '(vlan.id == 101 && ip.addr == 192.168.102.0/24) || (vlan.id == 102 && ip.addr == 192.168.101.0/24)' 2>/dev/null | wc -l)"
positive "decrypted TCP segments holding the marker" \
    "$(tshark -r "$pcap" "${decode[@]}" -Y "tcp.payload contains \"$marker\"" 2>/dev/null | wc -l)"
exit "$fail"
