# esp-static-restart — evaltest.sh: a paced UDP flow h1red -> h2red over static SA 0x1101 while h1's daemon is
# SIGKILLed and restarted, then SIGTERMed and restarted; then, from the capture of the whole run, no (SPI, IV)
# pair ever repeats and traffic resumed after each restart (h2's replay window took it). Exit 0 if all hold.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
source ./restart.sh
tmp=$LAB_DIR/tmp
PPS=2000 MIN_FLOW=20000

# The flow runs until evaltest.sh has seen traffic resume after both restarts (the stop file), at most 100 s.
lab_exec h2red timeout 130 python3 "$PWD/udpflow.py" recv 5001 120 >"$tmp/flow.recv" &
recv_pid=$!
lab_wait_for h2red 10 sh -c "ss -lun | grep -q ':5001 '"
lab_exec h1red timeout 110 python3 "$PWD/udpflow.py" send 192.168.101.21 5001 "$PPS" 100 "$tmp/flow.stop" >"$tmp/flow.send" &
send_pid=$!

# wait_in_packets MIN — until h2 has opened at least MIN packets on SA 0x1101 (bounded: 15 s).
wait_in_packets() {
    lab_wait_for h2 15 sh -c "[ \$('$OV_BIN/tvdctl' status --json --socket '$(ov_socket h2)' \
        | jq '.dataplane.sas[] | select(.spi==\"0x00001101\" and .direction==\"in\") | .packets') -ge $1 ]"
}

# restart_h1 SIGNAL — stops h1's daemon with SIGNAL mid-stream and starts it again; checks that it continued
# above its last mark and that h2 opens its packets again. Sets $up (epoch time the daemon answered again).
restart_h1() {
    local sig=$1 pid mark last before rc=0
    wait_in_packets $(( $(h2_in) + 3 * PPS )) || true   # ~3 s of the flow on the current run
    last=$(ov_q h1 '.dataplane.sas[] | select(.spi=="0x00001101") | .last_sequence')
    pid=$(lab_pid overlayd-h1)
    kill "-$sig" "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then bad "overlayd-h1 still runs 10 s after SIG$sig"; return; fi
    mark=$(h1_mark) # what the dead run left on disk (it reserved ahead while the flow ran)
    lab_stop overlayd-h1 2>/dev/null || true
    start_h1 || rc=$?
    check "h1 restarted after SIG$sig" 0 "$rc"
    up=$(date +%s.%N)
    echo "   SIG$sig: h1 had sent up to sequence $last (status just before the signal), left mark $mark; now reserved $(h1_mark)"
    if grep -q "SA 00001101 (key [0-9a-f]*) continues above sequence $mark; reserved up to $(( mark + RESTART_BLOCK ))" "$(lab_log_of overlayd-h1)"; then
        ok "after SIG$sig h1 continues above its last mark $mark (status said $last sent shortly before; at most $(( mark - last )) numbers skipped)"
    else
        bad "after SIG$sig h1 does not continue above its mark $mark: $(grep 'continues above' "$(lab_log_of overlayd-h1)" | tail -n1)"
    fi
    before=$(h2_in)
    rc=0; wait_in_packets $(( before + PPS )) || rc=$?
    check "after SIG$sig h2 opens h1's packets again (1 s of the flow within 15 s)" 0 "$rc"
}

up_kill=0 up_term=0
restart_h1 KILL; up_kill=$up
restart_h1 TERM; up_term=$up
wait_in_packets $(( $(h2_in) + 2 * PPS )) || true   # 2 s more of the flow after the last restart
touch "$tmp/flow.stop"

rc=0; wait "$send_pid" || rc=$?
check "the sender ran to its end" 0 "$rc"
rc=0; wait "$recv_pid" || rc=$?
read -r _ sent <"$tmp/flow.send" || true
read -r _ received _ distinct _ last <"$tmp/flow.recv" || true
echo "   flow: sent ${sent:-?}, received ${received:-?} (${distinct:-?} distinct), last index ${last:-?}"
at_least "datagrams of the flow that arrived" "$MIN_FLOW" "${received:-0}"
at_least "the flow's last second arrived (last index received)" $(( ${sent:-0} - PPS )) "${last:-0}"
check "datagrams h2red received twice (replays delivered)" "${received:-x}" "${distinct:-y}"
check "h2's replay drops on SA 0x1101" 0 "$(h2_in 'drops.replay // 0')"
check "h2's ICV failures on SA 0x1101" 0 "$(h2_in 'drops.auth_failed // 0')"
check "h1 start-ups logged with a reservation" 3 "$(grep -c 'SA 00001101 (key [0-9a-f]*) continues above sequence' "$(lab_log_of overlayd-h1)")"

# The wire, every packet of the scenario: (SPI, IV) pairs, and what came after each restart.
lab_stop capture
sleep 0.2
pcap=$tmp/underlay.pcap
tshark -r "$pcap" -Y 'udp.port == 4500' -T fields -e frame.time_epoch -e udp.payload 2>/dev/null \
    | python3 "$PWD/esp_ivs.py" "1101:$up_kill" "1101:$up_term" >"$tmp/ivs.txt"
sed 's/^/   /' "$tmp/ivs.txt"
line=$(grep '^spi 0x00001101 ' "$tmp/ivs.txt" || true)
field() { sed -n "s/.* $1 \([^ ]*\).*/\1/p" <<<"$line"; }
at_least "ESP packets of SA 0x1101 on the wire" "$MIN_FLOW" "$(field packets)"
check "(SPI, IV) pairs of SA 0x1101 seen more than once" 0 "$(field repeated_ivs)"
check "IVs of SA 0x1101 equal to their sequence numbers" yes "$(field iv_is_sequence)"
check "SPIs with a repeated IV, any SA" 0 "$(grep -vc ' repeated_ivs 0 ' <(grep '^spi ' "$tmp/ivs.txt") || true)"
at_least "packets of SA 0x1101 after the SIGKILL restart" "$PPS" "$(sed -n "s/^after 0x00001101 $up_kill //p" "$tmp/ivs.txt")"
at_least "packets of SA 0x1101 after the SIGTERM restart" "$PPS" "$(sed -n "s/^after 0x00001101 $up_term //p" "$tmp/ivs.txt")"
max_iv=$(field max_iv) mark=$(h1_mark)
check "every IV on the wire was reserved on disk first (highest IV $max_iv <= mark $mark)" yes \
    "$( [[ $mark =~ ^[0-9]+$ && $max_iv =~ ^[0-9]+$ ]] && (( max_iv <= mark )) && echo yes || echo no)"

# Decrypted with the keys h1 exported (the same static key across its three runs): the flow's datagrams.
uat=()
while IFS= read -r l; do uat+=(-o "uat:esp_sa:$l"); done <"$(ov_keyfile h1)"
decode=(-o esp.enable_encryption_decode:TRUE "${uat[@]}")
decrypted=$(tshark -r "$pcap" "${decode[@]}" -Y "esp.spi == 0x00001101 && udp.dstport == 5001 && frame.time_epoch > $up_term" 2>/dev/null | wc -l)
at_least "flow datagrams decrypted with h1's exported key after the last restart" "$PPS" "$decrypted"
exit "$fail"
