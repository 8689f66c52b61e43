# capture — evaltest.sh: a red capture on h1 while red and blue ping, read back by tshark; the printed lines; a blue
# capture with --peer and --json on h2; the bound on concurrent captures and a killed tvdctl's tap. Exit 0 if all hold.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
tmp=$LAB_DIR/tmp
tvdctl=$OV_BIN/tvdctl
mac_of() { lab_exec "$1" ip -o link show dev "$(lab_guest_if)" | grep -oE 'link/ether [0-9a-f:]+' | cut -d' ' -f2; }
blue_macs="$(mac_of h1blu) $(mac_of h2blu)"

# Red and blue ping at the same time (each bounded: 60 × 0.1 s), while h1 captures red.
lab_exec h1red ping -q -c60 -i0.1 -W1 192.168.101.21 >"$tmp/red-ping.txt" 2>&1 &
red_ping=$!
lab_exec h1blu ping -q -c60 -i0.1 -W1 192.168.102.22 >"$tmp/blue-ping.txt" 2>&1 &
blue_ping=$!
sleep 0.5
rc=0
timeout 20 "$tvdctl" capture --tvd red -w "$tmp/red.pcap" --count 20 --socket "$(ov_socket h1)" \
    >"$tmp/red-lines.txt" 2>"$tmp/red-summary.txt" || rc=$?
check "tvdctl capture --tvd red exit" 0 "$rc"
echo "summary: $(cat "$tmp/red-summary.txt")"
sed -n '1,4p' "$tmp/red-lines.txt"

# The h2 side: blue only, from h1's tunnel, as JSON.
rc=0
timeout 20 "$tvdctl" capture --tvd blue --peer h1 --json --count 5 --socket "$(ov_socket h2)" >"$tmp/blue.json" 2>&1 || rc=$?
check "tvdctl capture --tvd blue --peer h1 --json exit" 0 "$rc"
wait "$red_ping" "$blue_ping" || true

# tshark reads the file: the red guests' ICMP in the clear, and nothing of blue.
frames=$(tshark -n -r "$tmp/red.pcap" 2>/dev/null | wc -l)
check "frames in red.pcap (tshark)" 20 "$frames"
check "first frame's protocols in red.pcap" "eth:ethertype:ip:icmp:data" "$(tshark -n -r "$tmp/red.pcap" -Y icmp -T fields -e frame.protocols 2>/dev/null | head -n1)"
positive "ICMP echo requests 192.168.101.11 -> .21 in red.pcap" \
    "$(tshark -n -r "$tmp/red.pcap" -Y 'icmp.type==8 && ip.src==192.168.101.11 && ip.dst==192.168.101.21' 2>/dev/null | wc -l)"
positive "ICMP echo replies .21 -> .11 in red.pcap" \
    "$(tshark -n -r "$tmp/red.pcap" -Y 'icmp.type==0 && ip.src==192.168.101.21 && ip.dst==192.168.101.11' 2>/dev/null | wc -l)"
check "frames with a blue address in red.pcap" 0 "$(tshark -n -r "$tmp/red.pcap" -Y 'ip.addr==192.168.102.0/24 || arp.dst.proto_ipv4==192.168.102.0/24 || arp.src.proto_ipv4==192.168.102.0/24' 2>/dev/null | wc -l)"
mac_filter=$(for m in $blue_macs; do printf 'eth.addr==%s || ' "$m"; done)
check "frames with a blue guest's MAC in red.pcap" 0 "$(tshark -n -r "$tmp/red.pcap" -Y "${mac_filter% || }" 2>/dev/null | wc -l)"
check "ESP or EtherIP in red.pcap (inner frames only)" 0 "$(tshark -n -r "$tmp/red.pcap" -Y 'esp || etherip || udp.port==4500' 2>/dev/null | wc -l)"

# The printed lines: one per frame, decoded.
check "printed lines" 20 "$(wc -l <"$tmp/red-lines.txt")"
positive "lines 'red h1red → peer h2  IPv4 .11 > .21 ICMP echo request id N seq M'" \
    "$(grep -cE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} red h1red → peer h2  IPv4 192\.168\.101\.11 > 192\.168\.101\.21 ICMP echo request id [0-9]+ seq [0-9]+$' "$tmp/red-lines.txt")"
positive "lines 'red peer h2 → h1red  IPv4 .21 > .11 ICMP echo reply'" \
    "$(grep -cE '^[0-9:.]+ red peer h2 → h1red  IPv4 192\.168\.101\.21 > 192\.168\.101\.11 ICMP echo reply id [0-9]+ seq [0-9]+$' "$tmp/red-lines.txt")"
check "lines naming blue or a blue address" 0 "$(grep -cE 'blue|192\.168\.102\.|h1blu|h2blu' "$tmp/red-lines.txt" || true)"
positive "the summary: 20 frames, ended by count" "$(grep -cE 'capture of red ended \(count\) after [0-9.]+ s: 20 frames, written to .*red\.pcap, [0-9]+ dropped' "$tmp/red-summary.txt")"

# The JSON capture on h2: frames from or to h1's blue tunnel, then the summary.
check "blue JSON summary (frames ended tvd filter)" "5 count tvd:blue peer h1" \
    "$(jq -r 'select(.summary) | .summary | "\(.frames) \(.ended) \(.tvd) \(.filter)"' "$tmp/blue.json")"
check "blue JSON frames" 5 "$(jq -r 'select(.summary == null) | .tvd' "$tmp/blue.json" | grep -c '^blue$')"
check "blue JSON frames all via peer h1" 5 "$(jq -r 'select(.summary == null) | [.in, .out] | map(select(.kind == "peer" and .name == "h1")) | length' "$tmp/blue.json" | grep -c '^1$')"
check "red addresses in the blue capture" 0 "$(grep -c '192\.168\.101\.' "$tmp/blue.json" || true)"

# At most 4 captures at once: four run (quiet, until killed), the fifth is refused; killing them (SIGKILL, no
# goodbye) ends each capture on the daemon and frees its slot.
pids=()
for i in 1 2 3 4; do
    "$tvdctl" capture --tvd red -q --seconds 30 --socket "$(ov_socket h1)" >/dev/null 2>&1 &
    pids+=($!)
done
started=0
for _ in $(seq 50); do
    started=$(grep -c 'capture of tvd:red started (every frame' "$(lab_log_of overlayd-h1)" || true)
    (( started >= 5 )) && break   # the first capture above and these four
    sleep 0.1
done
check "captures started on h1 (1 + 4 concurrent)" 5 "$started"
rc=0; out=$("$tvdctl" capture --tvd red --count 1 --socket "$(ov_socket h1)" 2>&1) || rc=$?
check "a fifth concurrent capture is refused (exit 2)" 2 "$rc"
positive "... saying why" "$(grep -c '4 captures are already running' <<<"$out")"
kill -KILL "${pids[@]}"
wait "${pids[@]}" 2>/dev/null || true
ended=0
for _ in $(seq 50); do
    ended=$(grep -c 'capture of tvd:red ended (client)' "$(lab_log_of overlayd-h1)" || true)
    (( ended >= 4 )) && break
    sleep 0.1
done
check "captures ended on the daemon after tvdctl was killed" 4 "$ended"
rc=0
# Pings for as long as the capture may take to start (tvdctl's start-up takes seconds on a loaded machine).
lab_exec h1red timeout 20 ping -q -c100 -i0.2 -W1 192.168.101.21 >/dev/null 2>&1 &
pinger=$!
timeout 20 "$tvdctl" capture --tvd red -q --count 2 --socket "$(ov_socket h1)" 2>"$tmp/after.txt" || rc=$?
check "a capture after the killed ones (slot free again)" 0 "$rc"
pkill -TERM -P "$pinger" 2>/dev/null || true   # this ping only (timeout passes the signal on)
wait || true
exit "$fail"
