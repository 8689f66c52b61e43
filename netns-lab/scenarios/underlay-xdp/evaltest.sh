# underlay-xdp — evaltest.sh: red TCP over the AF_XDP underlay (sha256), where the datagrams went (AF_XDP rings, not
# the kernel socket), blue never sees red, then h2 restarted without CAP_BPF: it falls back to the UDP socket, says
# so in its log and status, and red still crosses (AF_XDP on h1, UDP on h2). Exit 0 if all hold.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
tmp=$LAB_DIR/tmp
xdp_q() { ov_q "$1" ".dataplane.underlay_io.$2"; }

# A capture on blue guest h2blu's link while red traffic crosses (and three blue pings, so that it shows it captures).
lab_exec h2blu timeout 20 tshark -q -i "$(lab_guest_if)" -a duration:8 -w "$tmp/blue.pcap" >"$tmp/tshark.log" 2>&1 &
capture=$!
lab_wait_for h2blu 10 test -s "$tmp/blue.pcap"
esp_before=$(ov_q h2 '.dataplane.underlay_counters.esp_received') xsk_before=$(xdp_q h2 xsk_received)

# 1 MiB red h1 -> red h2 and 1 MiB back, compared by sha256.
head -c 1048576 /dev/urandom >"$tmp/sent.bin"
lab_tcp_transfer h2red h1red 192.168.101.21 5001 "$tmp/sent.bin" "$tmp/received.bin"
check "1 MiB over TCP red h1 -> red h2, sha256" "$(sha256sum <"$tmp/sent.bin" | cut -d' ' -f1)" "$(sha256sum <"$tmp/received.bin" | cut -d' ' -f1)"
head -c 1048576 /dev/urandom >"$tmp/back.bin"
lab_tcp_transfer h1red h2red 192.168.101.11 5002 "$tmp/back.bin" "$tmp/back-received.bin"
check "1 MiB over TCP red h2 -> red h1, sha256" "$(sha256sum <"$tmp/back.bin" | cut -d' ' -f1)" "$(sha256sum <"$tmp/back-received.bin" | cut -d' ' -f1)"

# Every ESP datagram h2 received during the transfers came through its AF_XDP sockets, and both hosts sent
# through their TX rings (the kernel socket only for the first datagrams to a next hop not yet resolved).
esp=$(( $(ov_q h2 '.dataplane.underlay_counters.esp_received') - esp_before ))
xsk=$(( $(xdp_q h2 xsk_received) - xsk_before ))
positive "h2: ESP datagrams received during the transfers" "$esp"
at_least "h2: of them through AF_XDP (xsk_received >= esp_received)" "$esp" "$xsk"
for h in h1 h2; do
    positive "$h: datagrams sent through the AF_XDP TX rings" "$(xdp_q "$h" xsk_sent)"
    check "$h: malformed frames on the AF_XDP sockets" 0 "$(xdp_q "$h" xsk_malformed)"
    echo "$h: kernel_sent $(xdp_q "$h" kernel_sent); next hops: $(ov_q "$h" '.dataplane.underlay_io.next_hops | join("; ")')"
done

# Blue never sees red: nothing with a red address reached blue guest h2blu's link; the blue pings did.
lab_exec h1blu ping -c3 -i0.2 -W1 192.168.102.22 >/dev/null || true
wait "$capture" || true
red='ip.addr==192.168.101.0/24 || arp.src.proto_ipv4==192.168.101.0/24 || arp.dst.proto_ipv4==192.168.101.0/24'
check "frames with a red address on blue guest h2blu's link" 0 "$(tshark -r "$tmp/blue.pcap" -Y "$red" 2>/dev/null | wc -l)"
at_least "blue echo requests h1blu -> h2blu in the same capture" 3 "$(tshark -r "$tmp/blue.pcap" -Y 'icmp.type==8 && ip.src==192.168.102.12' 2>/dev/null | wc -l)"

# Fallback: h2 again, without CAP_BPF and CAP_SYS_ADMIN (no XDP program, no XSKMAP): the UDP socket alone.
lab_stop overlayd-h2
check "h2's XDP program left its link when the daemon stopped" "no" "$(lab_exec h2 ip -d link show dev "$(lab_ul_if)" | grep -q 'prog/xdp' && echo yes || echo no)"
lab_wait_for h2 10 sh -c "! test -e $(ov_socket h2)"
lab_bg h2 overlayd-h2-noxdp capsh --drop=cap_bpf,cap_sys_admin -- -c "exec $OV_BIN/tvd-overlayd --config $(ov_config_file h2)"
# (jq 1.6 -e exits 0 on empty input: the answer itself is matched.)
lab_wait_for h2 30 sh -c "$OV_BIN/tvdctl status --json --socket $(ov_socket h2) | jq '.ike.child_sas | length >= 2' | grep -qx true"
check "h2 without CAP_BPF: underlay io" "udp" "$(xdp_q h2 io)"
check "h2 without CAP_BPF: requested" "af_xdp" "$(xdp_q h2 requested)"
echo "h2 status detail: $(xdp_q h2 detail)"
check "h2 status says why (fallback: ... not permitted)" yes "$(xdp_q h2 detail | grep -qiE '^fallback: .*(not permitted|EPERM)' && echo yes || echo no)"
check "h2 log says it falls back" yes "$(grep -q 'underlay_io af_xdp not available, the UDP socket carries the underlay' "$(lab_log_of overlayd-h2-noxdp)" && echo yes || echo no)"
rc=0; out=$(lab_exec h1red ping -c3 -i0.2 -W1 192.168.101.21) || rc=$?
check "red h1 (AF_XDP) -> red h2 (UDP fallback), ping" yes "$(grep -q '3 packets transmitted, 3 received' <<<"$out" && echo yes || echo "no (rc $rc)")"
exit "$fail"
