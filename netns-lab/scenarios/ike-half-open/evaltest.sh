# ike-half-open — evaltest.sh: h3 forges 10,000 IKE_SA_INITs at h1 (half of them from random addresses of the
# underlay /24, half from h2's address; half of all without Ni) while h2's daemon restarts. h1 is the designated
# initiator: the tunnel must be up again within one retry interval of h2's return, h1's half-open SAs must stay
# within their per-source bound and be gone half_open_timeout after the flood, and h1's memory must stay bounded.
# Prints the numbers; exit 0 if every check holds.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
source "$PWD/halfopen.sh"
tmp=$LAB_DIR/tmp
COUNT=${HALF_OPEN_COUNT:-10000} RATE=${HALF_OPEN_RATE:-500}
RSS_BOUND_KIB=$((48 * 1024))   # h1's resident memory may grow by at most this during the flood
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
counter() { ov_q h1 ".ike.counters.$1 // 0"; }

spi_before=$(ho_red_spi h1)
rss_before=$(ho_rss_kib h1)
read -r malformed0 limited0 expired0 unrouted0 < <(ov_q h1 '.ike.counters | "\(.init_malformed // 0) \(.init_per_source_limited // 0) \(.half_open_expired // 0) \(.unrouted)"')
underlay=$(lab_ul_addr h1 | cut -d. -f1-3).0/24

# 1. The flood, from h3 through a raw socket (forged source addresses; h1's answers go to them, not to h3).
lab_bg h3 spoof timeout 60 dotnet "$STORM_DLL" storm --target "$(lab_ul_addr h1):500" \
    --spoof-random-sources "$underlay,$(lab_ul_addr h2)/32" --count "$COUNT" --half-open-rate "$RATE" --seconds 40 \
    --malformed-fraction 0.5
lab_wait_for h3 20 grep -q '^# spoof:' "$(lab_log_of spoof)" || { cat "$(lab_log_of spoof)"; exit 1; }
spoof_pid=$(cat "$LAB_DIR/pids/spoof.pid")

# h1's half-open SAs and resident memory every 0.2 s while the flood runs (bounded: 60 s at most).
( for _ in $(seq 300); do
      kill -0 "$spoof_pid" 2>/dev/null || break
      echo "$(counter half_open) $(ho_rss_kib h1)" >>"$tmp/samples" || true
      sleep 0.2
  done ) &
sampler=$!

# 2. h2 restarts mid-flood: SIGTERM (it deletes its IKE SA with h1), then a new daemon.
sleep 2
pid=$(lab_pid overlayd-h2)
kill -TERM "$pid"
for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$pid" 2>/dev/null || { echo "overlayd-h2 did not stop within 15 s"; exit 1; }
rm -f "$LAB_DIR/pids/overlayd-h2.pid" "$LAB_DIR/pids/overlayd-h2.node"
ov_start h2
t_back=$(now_ms)
up_ms=
deadline=$((t_back + (HO_RETRY + 15) * 1000))
while (( $(now_ms) < deadline )); do
    spi1=$(ho_red_spi h1)
    if [[ -n $spi1 && $spi1 != "$spi_before" ]]; then
        up_ms=$(( $(now_ms) - t_back ))
        [[ -n $(ho_red_spi h2) ]] && break # h2 installs its side before it answers IKE_AUTH
        up_ms=
    fi
    sleep 0.1
done
flooding=$(kill -0 "$spoof_pid" 2>/dev/null && echo yes || echo no)

# 3. The flood ends; h1's half-open SAs must be gone within half_open_timeout (+2 s for the sampling and timers).
lab_wait_for h3 45 sh -c "! kill -0 $spoof_pid 2>/dev/null" || true
wait "$sampler" || true
t_end=$(now_ms)
drained_ms=
while (( $(now_ms) < t_end + (HO_TIMEOUT + 2) * 1000 )); do
    [[ $(counter half_open) == 0 ]] && { drained_ms=$(( $(now_ms) - t_end )); break; }
    sleep 0.1
done
summary=$(sed -n 's/^spoof //p' "$(lab_log_of spoof)")
max_half_open=$(awk '$1 > m { m = $1 } END { print m + 0 }' "$tmp/samples")
max_rss=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$tmp/samples")
rss_after=$(ho_rss_kib h1)
read -r malformed limited expired unrouted < <(ov_q h1 '.ike.counters | "\(.init_malformed // 0) \(.init_per_source_limited // 0) \(.half_open_expired // 0) \(.unrouted)"')

echo "spoof tool:  $summary"
echo "h2 back -> tunnel up: ${up_ms:-never} ms (retry_interval ${HO_RETRY} s; flood still running then: $flooding)"
echo "h1 half-open: at most $max_half_open during the flood ($(wc -l <"$tmp/samples") samples), 0 again ${drained_ms:-never} ms after it (half_open_timeout ${HO_TIMEOUT} s)"
echo "h1 RSS: $((rss_before / 1024)) MiB before, at most $((max_rss / 1024)) MiB during, $((rss_after / 1024)) MiB after"
echo "h1 counters during the flood: init_malformed +$((malformed - malformed0)), init_per_source_limited +$((limited - limited0)), half_open_expired +$((expired - expired0)), unrouted +$((unrouted - unrouted0))"
echo "h1 ike counters: $(ov_q h1 '.ike.counters | to_entries | map("\(.key)=\(.value)") | join(" ")')"

check "forged IKE_SA_INITs sent (no send errors)" "$COUNT 0" "$(jq -r '"\(.sent) \(.errors)"' <<<"$summary")"
if [[ -n $up_ms ]] && (( up_ms <= HO_RETRY * 1000 )); then ok "tunnel up again ${up_ms} ms after h2's return (<= retry_interval ${HO_RETRY} s)"
else bad "tunnel not up within retry_interval ${HO_RETRY} s of h2's return (${up_ms:-never} ms)"; fi
check "the flood still ran when the tunnel was up again" yes "$flooding"
if (( max_half_open <= HO_PER_SOURCE )); then ok "h1 half-open SAs during the flood: $max_half_open <= half_open_per_source $HO_PER_SOURCE (one peer address)"
else bad "h1 half-open SAs during the flood: $max_half_open > $HO_PER_SOURCE"; fi
[[ -n $drained_ms ]] && ok "h1 half-open SAs back to 0 ${drained_ms} ms after the flood" || bad "h1 still has $(counter half_open) half-open SAs $((HO_TIMEOUT + 2)) s after the flood"
if (( max_rss - rss_before <= RSS_BOUND_KIB )); then ok "h1 RSS grew by $(((max_rss - rss_before) / 1024)) MiB (<= $((RSS_BOUND_KIB / 1024)) MiB)"
else bad "h1 RSS grew by $(((max_rss - rss_before) / 1024)) MiB (> $((RSS_BOUND_KIB / 1024)) MiB)"; fi
positive "malformed IKE_SA_INITs h1 dropped before any state" "$((malformed - malformed0))"
positive "IKE_SA_INITs refused at h2's address's half-open limit" "$((limited - limited0))"
positive "h1 half-open SAs that expired" "$((expired - expired0))"
lab_wait_for h1red 5 ping -c1 -W1 192.168.101.21 >/dev/null && ok "red h1 -> h2 through the new tunnel" || bad "red h1 cannot reach red h2"
exit "$fail"
