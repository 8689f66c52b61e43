# esp-static-ip — evaltest.sh: a TCP transfer inside the prefixes, the outside guest's port counters
# while it is probed, and the capture decrypted with the exported keys. Exit 0 if all hold.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
tmp=$LAB_DIR/tmp
port_tx() { ov_q "$1" ".dataplane.ports[] | select(.name==\"$2\") | .tx_packets"; }
sa_packets() { ov_q "$1" ".dataplane.sas[] | select(.spi==\"$2\" and .direction==\"$3\") | .packets"; }

# 1 MiB of random bytes h1red -> h2red over TCP, compared by sha256.
head -c 1048576 /dev/urandom >"$tmp/sent.bin"
lab_tcp_transfer h2red h1red 10.13.2.10 5001 "$tmp/sent.bin" "$tmp/received.bin"
check "1 MiB over TCP h1red -> h2red (ip mode), sha256" "$(sha256sum <"$tmp/sent.bin" | cut -d' ' -f1)" \
    "$(sha256sum <"$tmp/received.bin" 2>/dev/null | cut -d' ' -f1)"

# The guest outside the protected prefix gets nothing while h1red probes it, and h1 seals nothing for it.
out_before=$(port_tx h2 h2out) sealed_before=$(sa_packets h1 0x00001201 out)
lab_exec h1red ping -c5 -i0.2 -W1 10.13.3.10 >/dev/null || true
check "frames delivered to h2out (outside the prefixes) during h1red's probes" 0 $(( $(port_tx h2 h2out) - out_before ))
check "packets h1 sealed for 10.13.3.10" 0 $(( $(sa_packets h1 0x00001201 out) - sealed_before ))
# ... while a guest inside the prefix still gets through in the same minute.
if lab_exec h1red ping -c2 -i0.2 -W2 10.13.2.10 | grep -q '2 received'; then
    echo "ok: h1red -> h2red still passes"
else
    echo "FAIL: h1red -> h2red after the probes"; fail=1
fi

# The wire: ESP-in-UDP only; decrypted, next header 4 and the guests' IPv4 packet, no EtherIP.
lab_stop capture
sleep 0.2
pcap=$tmp/underlay.pcap
uat=()
while IFS= read -r line; do uat+=(-o "uat:esp_sa:$line"); done <"$(ov_keyfile h2)"
check "SAs exported by h2" 2 "$(( ${#uat[@]} / 2 ))"
decode=(-o esp.enable_encryption_decode:TRUE "${uat[@]}")
check "next headers of the decrypted ESP packets (4: IPv4)" "0x04" "$(tshark -r "$pcap" "${decode[@]}" -Y esp -T fields -e esp.protocol 2>/dev/null | sort -u | tr '\n' ' ' | sed 's/ $//')"
positive "decrypted ICMP 10.13.1.10 -> 10.13.2.10 right inside ESP" \
    "$(tshark -r "$pcap" "${decode[@]}" -Y 'esp && ip.src == 10.13.1.10 && ip.dst == 10.13.2.10 && icmp' 2>/dev/null | wc -l)"
check "EtherIP or 802.1Q inside the ESP" 0 "$(tshark -r "$pcap" "${decode[@]}" -Y 'etherip || vlan' 2>/dev/null | wc -l)"
# Routes select by destination only (local_ts is not checked as a source): h2out's own pings to
# 10.13.1.10 are sealed by h2 and reach h1red, whose replies have no way back.
check "packets to the outside guest 10.13.3.10 on the wire" 0 \
    "$(tshark -r "$pcap" "${decode[@]}" -Y 'esp && ip.dst == 10.13.3.10' 2>/dev/null | wc -l)"
exit "$fail"
