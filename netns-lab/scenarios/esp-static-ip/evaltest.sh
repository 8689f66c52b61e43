# esp-static-ip — evaltest.sh: a TCP transfer inside the prefixes, the outside guest's port counters
# while it is probed, the capture decrypted with the exported keys, then a reload that revokes a static SA
# pair and a port and the traffic it stops. Exit 0 if all hold.
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

# A reload revokes static configuration as it revokes IKE's: version 2 no longer lets h1 run red (so red may not
# travel between h1 and h2) and drops guest red3 (h2out's port). Only h2 reloads (SIGHUP); h1 keeps version 1.
policy=$LAB_DIR/policy.toml
sed -i -e 's/^version = 1$/version = 2\nreplaces = 1/' "$policy"
python3 - "$policy" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
s = s.replace('[[guest]]\nname = "red3"\ntypes = ["red"]\nnetworks = ["red-net"]\n\n', '')
s = s.replace('[[host]]\nname = "h1"\ntypes = ["*"]', '[[host]]\nname = "h1"\ntypes = ["blue"]')
open(p, "w").write(s)
PY
kill -HUP "$(lab_pid overlayd-h2)"
rc=0; lab_wait_for h2 15 sh -c "$OV_BIN/tvdctl status --json --socket $(ov_socket h2) | jq -e '.policy.version == 2' >/dev/null" || rc=$?
check "h2 reloaded policy version 2" 0 "$rc"
check "static SAs left on h2 after the reload" 0 "$(ov_q h2 '.dataplane.sas | length')"
check "h2's revoked static SAs in its log (event 411)" 2 "$(grep -c 'static SA 0x0000[12]201 .* peer h1 tvd red revoked by policy version 2: removed (deny: carriage' "$(lab_log_of overlayd-h2)" || true)"
positive "audited join denial h2 -> h1 for red at version 2" \
    "$(grep -c 'audit join deny rule=carriage .*peer=h1 tvd=red policy_version=2' "$(lab_log_of overlayd-h2)" || true)"
check "h2out's port after the reload" "" "$(ov_q h2 '.dataplane.ports[] | select(.name=="h2out") | .name')"
check "h2out's port listed as revoked" "h2out" "$(ov_q h2 '.dataplane.refused_ports[] | select(.reason | startswith("revoked: ")) | .name')"
positive "audited revocation of red3's binding" "$(grep -c 'audit revoke unbind guest=red3' "$(lab_log_of overlayd-h2)" || true)"
# The traffic stops: h1 still seals (it kept version 1), h2 opens nothing; h2 seals nothing for h1.
esp_before=$(ov_q h2 '.dataplane.underlay_counters.esp_received')
h1_in_before=$(sa_packets h1 0x00002201 in)
rc=0; out=$(lab_exec h1red ping -c3 -i0.2 -W1 10.13.2.10) || rc=$?
check "h1red -> h2red pings answered after the revocation" 0 "$(grep -o '[0-9]* received' <<<"$out" | cut -d' ' -f1)"
rc=0; out=$(lab_exec h2red ping -c3 -i0.2 -W1 10.13.1.10) || rc=$?
check "h2red -> h1red pings answered after the revocation" 0 "$(grep -o '[0-9]* received' <<<"$out" | cut -d' ' -f1)"
positive "ESP h1 sealed that reached h2 (and was dropped there)" $(( $(ov_q h2 '.dataplane.underlay_counters.esp_received') - esp_before ))
check "packets h1's inbound SA 0x2201 opened from h2 after the revocation" 0 $(( $(sa_packets h1 0x00002201 in) - h1_in_before ))
exit "$fail"
