# ip-mode-ipv6 — evaltest.sh: a TCP transfer over IPv6 inside the prefixes, the daemon's neighbour
# advertisements on the guest's link, duplicate address detection of an address behind the tunnel, red's
# probes of the blue prefix (counters while they run), and the capture decrypted with the exported keys.
# Exit 0 if all hold.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
tmp=$LAB_DIR/tmp
port_tx() { ov_q "$1" ".dataplane.ports[] | select(.name==\"$2\") | .tx_packets"; }
sa_packets() { ov_q "$1" ".dataplane.sas[] | select(.spi==\"$2\" and .direction==\"$3\") | .packets"; }

# 1 MiB of random bytes h1red -> [fd13:2::10] over TCP (IPv6), compared by sha256.
head -c 1048576 /dev/urandom >"$tmp/sent.bin"
lab_exec h2red timeout 60 python3 "$LAB_LIB_DIR/xfer6.py" recv 5001 "$tmp/received.bin" &
recv_pid=$!
lab_wait_for h2red 10 sh -c "ss -ltn | grep -q ':5001 '"
rc=0; lab_exec h1red timeout 60 python3 "$LAB_LIB_DIR/xfer6.py" send fd13:2::10 5001 "$tmp/sent.bin" || rc=$?
wait "$recv_pid" || rc=$?
check "1 MiB over TCP h1red -> [fd13:2::10] (ip mode, IPv6), sha256" "$(sha256sum <"$tmp/sent.bin" | cut -d' ' -f1)" \
    "$(sha256sum <"$tmp/received.bin" 2>/dev/null | cut -d' ' -f1)"

# Duplicate address detection of an address behind the tunnel: the daemon advertises it, so the guest's
# kernel refuses it (dadfailed) and no local guest can take a remote address.
lab_exec h1red ip -6 addr add fd13:2::99/64 dev "$(lab_guest_if)"
rc=0; lab_wait_for h1red 10 sh -c "ip -6 addr show dev $(lab_guest_if) | grep -q 'fd13:2::99/64.*dadfailed'" || rc=$?
check "h1red's duplicate address detection of fd13:2::99 (behind the tunnel) failed" 0 "$rc"
lab_exec h1red ip -6 addr del fd13:2::99/64 dev "$(lab_guest_if)" || true

# Red probes the blue prefix: the blue guests' ports deliver nothing meanwhile, and no red SA seals anything.
blue_before=$(port_tx h2 h2blu) red_before=$(sa_packets h1 0x00001201 out) blue_sa_before=$(sa_packets h1 0x00001202 out)
lab_exec h1red ping -6 -c5 -i0.2 -W1 fd14:2::10 >/dev/null || true
lab_exec h1red ping -6 -c3 -i0.2 -W1 fd14:1::10 >/dev/null || true
check "frames delivered to h2blu during h1red's probes of the blue prefixes" 0 $(( $(port_tx h2 h2blu) - blue_before ))
check "packets h1's red SA sealed during the probes" 0 $(( $(sa_packets h1 0x00001201 out) - red_before ))
check "packets h1's blue SA sealed during the probes" 0 $(( $(sa_packets h1 0x00001202 out) - blue_sa_before ))
if lab_exec h1red ping -6 -c2 -i0.2 -W2 fd13:2::10 | grep -q '2 received'; then
    echo "ok: h1red -> [fd13:2::10] still passes"
else
    bad "h1red -> [fd13:2::10] after the probes"
fi

# What the daemon said on h1red's link: for each solicitation of fd13:2::10 an advertisement from the
# router MAC, Solicited set, Router and Override clear (a proxy for a host), hop limit 255, checksum good; none for
# the blue prefix.
lab_stop portcap
sleep 0.2
na=(-r "$tmp/h1red.pcap" -Y 'icmpv6.type == 136 && icmpv6.nd.na.target_address == fd13:2::10')
positive "advertisements of fd13:2::10 on h1red's link" "$(tshark "${na[@]}" 2>/dev/null | wc -l)"
check "their source MAC, R/S/O flags, hop limit, checksum status" "02:74:76:64:00:01 0 1 0 255 1" \
    "$(tshark "${na[@]}" -T fields -E separator=' ' -e eth.src -e icmpv6.nd.na.flag.r -e icmpv6.nd.na.flag.s \
        -e icmpv6.nd.na.flag.o -e ipv6.hlim -e icmpv6.checksum.status 2>/dev/null | sort -u | tr '\n' ';' | sed 's/;$//')"
check "advertisements of the blue prefix on h1red's link" 0 \
    "$(tshark -r "$tmp/h1red.pcap" -Y 'icmpv6.type == 136 && icmpv6.nd.na.target_address == fd14:2::/64' 2>/dev/null | wc -l)"

# The wire: decrypted, red carries IPv6 (next header 41) and IPv4 (4) packets, no EtherIP; nothing from the
# red prefix goes to the blue one and nothing at all to blue from outside fd14::/16.
lab_stop capture
sleep 0.2
pcap=$tmp/underlay.pcap
uat=()
while IFS= read -r line; do uat+=(-o "uat:esp_sa:$line"); done <"$(ov_keyfile h2)"
check "SAs exported by h2" 4 "$(( ${#uat[@]} / 2 ))"
decode=(-o esp.enable_encryption_decode:TRUE "${uat[@]}")
check "next headers of the decrypted ESP packets (4: IPv4, 0x29: IPv6)" "0x04 0x29" \
    "$(tshark -r "$pcap" "${decode[@]}" -Y esp -T fields -e esp.protocol 2>/dev/null | sort -u | tr '\n' ' ' | sed 's/ $//')"
positive "decrypted ICMPv6 echo fd13:1::10 -> fd13:2::10 right inside ESP" \
    "$(tshark -r "$pcap" "${decode[@]}" -Y 'esp && ipv6.src == fd13:1::10 && ipv6.dst == fd13:2::10 && icmpv6.type == 128' 2>/dev/null | wc -l)"
positive "decrypted TCP segments to [fd13:2::10]:5001" \
    "$(tshark -r "$pcap" "${decode[@]}" -Y 'esp && ipv6.dst == fd13:2::10 && tcp.dstport == 5001' 2>/dev/null | wc -l)"
check "EtherIP or 802.1Q inside the ESP" 0 "$(tshark -r "$pcap" "${decode[@]}" -Y 'etherip || vlan' 2>/dev/null | wc -l)"
check "packets from the red prefix to the blue one on the wire" 0 \
    "$(tshark -r "$pcap" "${decode[@]}" -Y 'esp && ipv6.src == fd13::/16 && ipv6.dst == fd14::/16' 2>/dev/null | wc -l)"
check "neighbour discovery inside the ESP (link-scoped: never tunnelled)" 0 \
    "$(tshark -r "$pcap" "${decode[@]}" -Y 'esp && icmpv6.type in {135 136}' 2>/dev/null | wc -l)"
exit "$fail"
