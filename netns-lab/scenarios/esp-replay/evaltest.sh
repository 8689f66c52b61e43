# esp-replay — evaltest.sh: replay, bit flip, truncation and a wrong SPI against h2, each counted.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
tmp=$LAB_DIR/tmp
h2=$(lab_ul_addr h2)

lab_stop capture
sleep 0.2
tshark -r "$tmp/esp.pcap" -Y esp -T fields -e udp.payload 2>/dev/null | grep -v '^$' >"$tmp/esp.hex"
n=$(wc -l <"$tmp/esp.hex")
if (( n < 5 )); then echo "FAIL: only $n ESP packets captured"; exit 1; fi
echo "ok: $n captured ESP packets from h1 to replay"

drop() { ov_q h2 ".dataplane.drops.$1 // 0"; }
sa_drop() { ov_q h2 ".dataplane.sas[] | select(.spi==\"0x00001101\") | .drops.$1 // 0"; }
attack() {  # attack MODE REASON [sa]  — send every captured packet altered by MODE; REASON grows by n
    local before sa_before sent
    before=$(drop "$2") sa_before=$(sa_drop "$2")
    sent=$(lab_exec h1 python3 "$PWD/attack.py" "$1" "$tmp/esp.hex" "$h2")
    lab_wait_for h2 5 sh -c "[ \$('$OV_BIN/tvdctl' status --json --socket '$(ov_socket h2)' | jq '.dataplane.drops.$2 // 0') -ge $(( before + sent )) ]" || true
    check "$1: h2 drops.$2 grew by the $sent sent" "$sent" "$(( $(drop "$2") - before ))"
    if [[ ${3:-} == sa ]]; then
        check "$1: SA 0x00001101 drops.$2 grew by the $sent sent" "$sent" "$(( $(sa_drop "$2") - sa_before ))"
    fi
}

attack replay replay sa
attack bitflip auth_failed sa
attack truncate truncated sa
attack wrongspi unknown_spi
# Had a forged packet been accepted, the window would have moved to its sequence number (> 100000).
top=$(ov_q h2 '.dataplane.sas[] | select(.spi=="0x00001101") | .last_sequence')
check "SA 0x00001101 replay window top stayed with the genuine packets (< 1000)" yes "$( (( top > 0 && top < 1000 )) && echo yes || echo "no: $top")"

# Still forwarding, both ways.
check "ping h1red -> h2red after the attacks" 0 "$(lab_exec h1red ping -c3 -i0.2 -W2 -q 192.168.101.21 >/dev/null; echo $?)"
check "ping h2red -> h1red after the attacks" 0 "$(lab_exec h2red ping -c3 -i0.2 -W2 -q 192.168.101.11 >/dev/null; echo $?)"
check "h2 internal errors" 0 "$(drop internal_error)"
exit "$fail"
