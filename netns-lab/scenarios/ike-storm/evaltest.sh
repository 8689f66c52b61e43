# ike-storm — evaltest.sh: a TCP stream red h1 -> red h2 for 8 s undisturbed, then for 8 s while h3
# storms h1 with 200 half-open IKE_SA_INITs/s and 100 full IKE setups/s (10 s, on h1's port 4500,
# which the data plane shares with ESP), then 8 s undisturbed again. Prints the numbers; exit 0 if every
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

# 1. Undisturbed.
d1_0=$(storm_drops h1) d2_0=$(storm_drops h2)
read -r calm_mbit calm_retrans < <(stream calm 2>"$tmp/calm.err")
d1_1=$(storm_drops h1) d2_1=$(storm_drops h2)

# 2. The storm, from h3's address with h3's identity and PSK, at h1's NAT-T port; the stream starts once
# the storm runs and ends before it does. The storm tool runs only on otherwise idle CPU (SCHED_IDLE): it
# stands for another machine, and its own key exchanges are not what is under test.
lab_bg h3 storm timeout 60 chrt --idle 0 dotnet "$STORM_DLL" storm --target "$(lab_ul_addr h1):$TARGET_PORT" --bind "$(lab_ul_addr h3)" \
    --half-open-rate "$HALF_OPEN_RATE" --full-rate "$FULL_RATE" --seconds "$STORM_SECONDS" \
    --psk "$STORM_PSK" --local-id h3 --remote-id h1 --label tvd:red
lab_wait_for h3 20 grep -q '^# storm:' "$(lab_log_of storm)" || { cat "$(lab_log_of storm)"; exit 1; }
sleep 0.5   # the storm tool's first calls compile; let it reach its rates
read -r storm_mbit storm_retrans < <(stream storm 2>"$tmp/storm.err")
d1_2=$(storm_drops h1) d2_2=$(storm_drops h2)
lab_wait_for h3 40 sh -c "! kill -0 $(cat "$LAB_DIR/pids/storm.pid") 2>/dev/null" || true
summary=$(sed -n 's/^storm //p' "$(lab_log_of storm)")
{ grep '^#' "$(lab_log_of storm)" || true; } | sed 's/^# /storm tool: /'

# 3. Undisturbed again, after the storm: the reference rate is the mean of the streams either side of it, so a
# machine whose speed drifts (other work on the same cores) moves both sides of the comparison alike.
read -r after_mbit after_retrans < <(stream after 2>"$tmp/after.err")

# 4. The numbers, then the checks.
read -r dp1_calm k1_calm q1_calm <<<"$(delta "$d1_0" "$d1_1")"
read -r dp2_calm k2_calm q2_calm <<<"$(delta "$d2_0" "$d2_1")"
read -r dp1 k1 q1 <<<"$(delta "$d1_1" "$d1_2")"
read -r dp2 k2 q2 <<<"$(delta "$d2_1" "$d2_2")"
reference_mbit=$(( (${calm_mbit:-0} + ${after_mbit:-0}) / 2 ))
echo "undisturbed: ${calm_mbit} Mbit/s before, ${after_mbit} after (reference ${reference_mbit}), ${calm_retrans}+${after_retrans} TCP retransmits; drops h1 dataplane=$dp1_calm kernel=$k1_calm ike_queue=$q1_calm, h2 dataplane=$dp2_calm kernel=$k2_calm"
echo "storm:       ${storm_mbit} Mbit/s, ${storm_retrans} TCP retransmits; drops h1 dataplane=$dp1 kernel=$k1 ike_queue=$q1, h2 dataplane=$dp2 kernel=$k2"
echo "storm tool:  $summary"
echo "h1 ike counters after: $(ov_q h1 '.ike.counters | to_entries | map("\(.key)=\(.value)") | join(" ")')"

for f in calm storm after; do [[ -s $tmp/$f.err ]] && bad "$(cat "$tmp/$f.err")"; done
positive "undisturbed stream before the storm, Mbit/s" "$calm_mbit"
positive "undisturbed stream after the storm, Mbit/s" "$after_mbit"
at_least "stream during the storm, % of undisturbed (>= 80)" 80 "$(( ${storm_mbit:-0} * 100 / (reference_mbit > 0 ? reference_mbit : 1) ))"
check "h1 data-plane drops during the storm" 0 "$dp1"
check "h1 kernel drops (underlay socket, guest port) during the storm" 0 "$k1"
check "h2 data-plane drops during the storm" 0 "$dp2"
check "h2 kernel drops (underlay socket, guest port) during the storm" 0 "$k2"
completed=$(jq -r '.full.completed // 0' <<<"$summary")
at_least "full IKE setups the storm completed with h1 (>= 25% of $((FULL_RATE * STORM_SECONDS)))" $((FULL_RATE * STORM_SECONDS / 4)) "$completed"
at_least "half-open IKE_SA_INITs h1 answered" 1 "$(jq -r '.half_open.answered // 0' <<<"$summary")"
check "h1's red CHILD_SA with h2 is the one from before the storm" "$spi_before" "$(red_spi)"
exit "$fail"
