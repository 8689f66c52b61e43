# ike-storm — evaltest.sh: a TCP stream red h1 -> red h2 for 8 s, five times: undisturbed, while h3
# storms h1 with 200 half-open IKE_SA_INITs/s and 100 full IKE setups/s (10 s, on h1's port 4500,
# which the data plane shares with ESP), undisturbed, storm again, undisturbed. Prints the numbers; exit 0 if every
# check holds.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
source "$PWD/storm.sh"
tmp=$LAB_DIR/tmp
STREAM_SECONDS=8 STORM_SECONDS=10
# For diagnosis (netns-lab/run ike-storm with these set): the storm's rates, and the port it hits — 500
# is IKE's own socket, 4500 the one the data plane shares with ESP.
HALF_OPEN_RATE=${STORM_HALF_OPEN_RATE:-200} FULL_RATE=${STORM_FULL_RATE:-100} TARGET_PORT=${STORM_TARGET_PORT:-4500}

# stream NAME — one timed stream; prints "MBIT/S TCP_RETRANSMITS" and checks it arrived whole.
stream() {
    local r0 sent sent_hash received received_hash
    r0=$(storm_retrans h1red)
    lab_tcp_stream h2red h1red 192.168.101.21 5004 "$STREAM_SECONDS" "$tmp/$1"
    read -r sent sent_hash <"$tmp/$1.send"
    read -r received received_hash <"$tmp/$1.recv"
    [[ -n $sent && $sent == "$received" && $sent_hash == "$received_hash" ]] \
        || echo "FAIL: $1 stream: sent '$sent' bytes, received '$received' (sha256 equal: $([[ $sent_hash == "$received_hash" ]] && echo yes || echo no))" >&2
    echo "$(awk -v b="$sent" -v s="$STREAM_SECONDS" 'BEGIN { printf "%.0f", b * 8 / s / 1e6 }') $(( $(storm_retrans h1red) - r0 ))"
}

# delta BEFORE AFTER — field-wise AFTER - BEFORE of two storm_drops lines.
delta() { paste -d' ' <(tr ' ' '\n' <<<"$1") <(tr ' ' '\n' <<<"$2") | awk '{ printf "%s ", $2 - $1 }'; }

red_spi() { ov_q h1 '.ike.child_sas[] | select(.peer=="h2" and .label=="tvd:red") | .out_spi' | tail -n 1; }
spi_before=$(red_spi)

# storm_round N — storm N: h3 storms h1 for STORM_SECONDS from h3's address with h3's identity and PSK, at
# h1's NAT-T port; the stream starts once the storm runs and ends before it does. Sets storm_mbit[N],
# storm_retrans[N], the drop deltas dp1/k1/q1/dp2/k2/q2[N] and summary[N]. The storm tool runs only on
# otherwise idle CPU (SCHED_IDLE): it stands for another machine, and its own key exchanges are not what
# is under test.
declare -a storm_mbit storm_retrans summary dp1 k1 q1 dp2 k2 q2
storm_round() {
    local n=$1 a1 a2 b1 b2
    a1=$(storm_drops h1) a2=$(storm_drops h2)
    lab_bg h3 "storm$n" timeout 60 chrt --idle 0 dotnet "$STORM_DLL" storm --target "$(lab_ul_addr h1):$TARGET_PORT" --bind "$(lab_ul_addr h3)" \
        --half-open-rate "$HALF_OPEN_RATE" --full-rate "$FULL_RATE" --seconds "$STORM_SECONDS" \
        --psk "$STORM_PSK" --local-id h3 --remote-id h1 --label tvd:red
    lab_wait_for h3 20 grep -q '^# storm:' "$(lab_log_of "storm$n")" || { cat "$(lab_log_of "storm$n")"; exit 1; }
    sleep 0.5   # the storm tool's first calls compile; let it reach its rates
    read -r "storm_mbit[$n]" "storm_retrans[$n]" < <(stream "storm$n" 2>"$tmp/storm$n.err")
    b1=$(storm_drops h1) b2=$(storm_drops h2)
    read -r "dp1[$n]" "k1[$n]" "q1[$n]" <<<"$(delta "$a1" "$b1")"
    read -r "dp2[$n]" "k2[$n]" "q2[$n]" <<<"$(delta "$a2" "$b2")"
    lab_wait_for h3 40 sh -c "! kill -0 $(cat "$LAB_DIR/pids/storm$n.pid") 2>/dev/null" || true
    summary[n]=$(sed -n 's/^storm //p' "$(lab_log_of "storm$n")")
    { grep '^#' "$(lab_log_of "storm$n")" || true; } | sed "s/^# /storm tool $n: /"
}

# Three undisturbed streams around two storms: the reference rate is the mean of the undisturbed ones and
# the stormed rate the mean of the two storms, so a machine whose speed drifts (other work on the same
# cores) moves both sides of the comparison alike, and one unlucky 8 s window does not decide the result.
declare -a calm_mbit calm_retrans
for n in 1 2 3; do
    read -r "calm_mbit[$n]" "calm_retrans[$n]" < <(stream "calm$n" 2>"$tmp/calm$n.err")
    ((n < 3)) && storm_round "$n"
done

# The numbers, then the checks.
reference_mbit=$(( (${calm_mbit[1]:-0} + ${calm_mbit[2]:-0} + ${calm_mbit[3]:-0}) / 3 ))
stormed_mbit=$(( (${storm_mbit[1]:-0} + ${storm_mbit[2]:-0}) / 2 ))
echo "undisturbed: ${calm_mbit[1]}, ${calm_mbit[2]}, ${calm_mbit[3]} Mbit/s (reference ${reference_mbit}), TCP retransmits ${calm_retrans[*]}"
for n in 1 2; do
    echo "storm $n:     ${storm_mbit[n]} Mbit/s, ${storm_retrans[n]} TCP retransmits; drops h1 dataplane=${dp1[n]} kernel=${k1[n]} ike_queue=${q1[n]}, h2 dataplane=${dp2[n]} kernel=${k2[n]}"
    echo "storm tool $n: ${summary[n]}"
done
echo "storms: ${stormed_mbit} Mbit/s = $(( stormed_mbit * 100 / (reference_mbit > 0 ? reference_mbit : 1) ))% of undisturbed"
echo "h1 ike counters after: $(ov_q h1 '.ike.counters | to_entries | map("\(.key)=\(.value)") | join(" ")')"

for f in calm1 storm1 calm2 storm2 calm3; do [[ -s $tmp/$f.err ]] && bad "$(cat "$tmp/$f.err")"; done
for n in 1 2 3; do positive "undisturbed stream $n, Mbit/s" "${calm_mbit[n]}"; done
at_least "streams during the storms, % of undisturbed (>= 80)" 80 "$(( stormed_mbit * 100 / (reference_mbit > 0 ? reference_mbit : 1) ))"
for n in 1 2; do
    check "storm $n: h1 data-plane drops" 0 "${dp1[n]}"
    check "storm $n: h1 kernel drops (underlay socket, guest port)" 0 "${k1[n]}"
    check "storm $n: h2 data-plane drops" 0 "${dp2[n]}"
    check "storm $n: h2 kernel drops (underlay socket, guest port)" 0 "${k2[n]}"
    completed=$(jq -r '.full.completed // 0' <<<"${summary[n]}")
    at_least "storm $n: full IKE setups completed with h1 (>= 25% of $((FULL_RATE * STORM_SECONDS)))" $((FULL_RATE * STORM_SECONDS / 4)) "$completed"
    at_least "storm $n: half-open IKE_SA_INITs h1 answered" 1 "$(jq -r '.half_open.answered // 0' <<<"${summary[n]}")"
done
check "h1's red CHILD_SA with h2 is the one from before the storms" "$spi_before" "$(red_spi)"
exit "$fail"
