# shellcheck shell=bash
# bench/lab/lib/iperf.sh — one measurement row: iperf3 TCP and UDP from guest A to guest B, with the
# CPU the carrying daemons used and the packets guest B received. Every iperf3 is bounded by timeout.

DUR=${DUR:-10}
UDP_LENS=${UDP_LENS:-"1372 1400"}

# tb_measure VARIANT "PID..." — appends "VARIANT TEST Gbit/s kpps cpu% cpu-s/GB sent-kpps forwarded-kpps" lines to
# $TB_DIR/results.txt. UDP is sent at TB_UDP_RATE: one iperf3 -b for every length, or "LEN:RATE ..." (a length not
# listed: 0); default 0, as fast as the sender can.
tb_measure() {
    local variant=$1 pids=$2 spid
    tb_bg "iperf-server-$variant" $NS_GB iperf3 -s -B "$GUEST_B"; spid=$TB_LAST
    sleep 0.5
    tb_iperf "$variant" tcp ""
    local len
    for len in $UDP_LENS; do tb_iperf "$variant" "udp$len" "-u -b $(tb_udp_rate "$len") -l $len"; done
    tb_stop "$spid"
}

tb_udp_rate() {
    local rate=${TB_UDP_RATE:-0} item
    [[ $rate == *:* ]] || { echo "$rate"; return; }
    for item in $rate; do [[ ${item%%:*} == "$1" ]] && { echo "${item#*:}"; return; }; done
    echo 0
}

# tb_measure_capture VARIANT "PID..." — the same tests on one set-up, in one run, without (rows VARIANT-nocap) and
# with (rows VARIANT-cap) `tvdctl capture --tvd red` running on host A the whole time: every frame, whole frames,
# written as pcap to /dev/null (the daemon's copy, JSON and socket, tvdctl's decode and libpcap write; no disk).
# CAPTURE_ROUNDS (default 3) cycles in ABBA order (without, with, with, without), so a drift of the shared machine's
# load weighs on both alike; the report gives each side's median over its passes, their ratio, and the range of the
# cycles' ratios (one pass of fragmented UDP on two shared cores varies by ±20 % with nothing changed).
# Equal work on both sides: UDP is offered at one fixed rate per length, CAPTURE_UDP_RATE (as TB_UDP_RATE; default
# "1372:1G 1400:800M", about 91,000 and 71,000 datagrams/s: as much as host A forwards here or more, 143,000
# fragments/s for 1400 B, and what guest A's iperf3 reaches with and without a capture). At -b 0 the offered load is
# not equal: in 4 passes each, guest A's iperf3 sent 730-890 k datagrams of 1400 B with a capture running and
# 560-600 k without, while host A's port loop took 665-735 k against 690-770 k frames at 3.3-3.6 µs of its CPU per
# frame either way; more fragments dropped at host A's full port socket orphan their partners, so fewer datagrams
# arrived whole, and the capture looked like a 0.71-0.82x slow-down it does not cause. The report shows both the
# delivered rate and host A's forwarding rate (frames its guest port took per second). Each capture's summary (frames
# delivered, frames its ring dropped) is logged.
tb_measure_capture() {
    local variant=$1 pids=$2 cycle round TB_DROPS=1 TB_UDP_RATE=${CAPTURE_UDP_RATE:-1372:1G 1400:800M} # TB_DROPS: where datagrams were lost
    for cycle in $(seq "${CAPTURE_ROUNDS:-3}"); do
        for round in nocap cap cap nocap; do
            if [[ $round == nocap ]]; then tb_measure "$variant-nocap" "$pids"; else tb_capture_during "$variant" "$pids"; fi
        done
    done
}

tb_capture_during() {
    local variant=$1 pids=$2 cpid
    # shellcheck disable=SC2086  # CAPTURE_ARGS: more tvdctl capture options, e.g. "--snaplen 64"
    "$OV_BIN/tvdctl" capture --tvd red -q -w /dev/null --socket "$TB_DIR/a/run/control.sock" ${CAPTURE_ARGS:-} \
        >"$TB_DIR/capture.out" 2>"$TB_DIR/capture-summary.txt" &
    cpid=$!; TB_PIDS+=("$cpid")
    sleep 1
    kill -0 "$cpid" 2>/dev/null || { tb_log "$variant: tvdctl capture did not start: $(cat "$TB_DIR/capture-summary.txt")"; return 1; }
    # What the capture's consumers cost: tvdctl, and the daemon's thread draining the ring ("tvd capture …").
    local c0 t0 c1 t1 d0 d1 drain
    drain=$(grep -l '^tvd capture' /proc/"${pids%% *}"/task/*/comm 2>/dev/null | head -n1); drain=${drain%/comm}
    c0=$(tb_cpu_s "$cpid"); d0=$(tb_cpu_s "${drain#/proc/}"); t0=$EPOCHREALTIME
    tb_measure "$variant-cap" "$pids"
    c1=$(tb_cpu_s "$cpid"); d1=$(tb_cpu_s "${drain#/proc/}"); t1=$EPOCHREALTIME
    tb_log "capture consumers' CPU during $variant-cap: tvdctl $(awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" 'BEGIN{printf "%.1f %%", 100*(c1-c0)/(t1-t0)}'), the daemon's drain thread $(awk -v c0="$d0" -v c1="$d1" -v t0="$t0" -v t1="$t1" 'BEGIN{printf "%.1f %%", 100*(c1-c0)/(t1-t0)}')"
    kill -TERM "$cpid" 2>/dev/null # as Ctrl-C (ignored by a background job): tvdctl ends the capture and prints the summary
    for _ in $(seq 100); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.1; done
    tb_stop "$cpid"
    tb_log "capture during $variant-cap: $(cat "$TB_DIR/capture-summary.txt")"
}

# tb_port_rx HOST — frames HOST's daemon has taken from its guest ports so far (0 when it does not answer).
tb_port_rx() {
    "$OV_BIN/tvdctl" status --json --socket "$TB_DIR/$1/run/control.sock" 2>/dev/null |
        jq '[.. | objects | select(has("interface") and has("rx_packets")) | .rx_packets] | add // 0' 2>/dev/null || echo 0
}

# tb_drop_counts — the loss counters along the path guest A → host A → host B → guest B, one "name=count" each:
# host A's guest port (its socket was full), host B's underlay socket, host B's drops on its guest port, guest B's UDP
# receive buffer and its IP reassembly failures (a datagram that lost a fragment). Set TB_DROPS=1 to log them per test.
tb_drop_counts() {
    local a b
    a=$("$OV_BIN/tvdctl" status --json --socket "$TB_DIR/a/run/control.sock" 2>/dev/null) || a='{}'
    b=$("$OV_BIN/tvdctl" status --json --socket "$TB_DIR/b/run/control.sock" 2>/dev/null) || b='{}'
    printf 'a_port_kernel=%s ' "$(jq '[.. | objects | select(has("interface") and has("kernel_drops")) | .kernel_drops] | add // 0' <<<"$a")"
    printf 'b_underlay_kernel=%s ' "$(jq '[.. | objects | .underlay_counters? // empty | .kernel_drops] | add // 0' <<<"$b")"
    printf 'b_port_drops=%s ' "$(jq '[.. | objects | select(has("interface") and has("drops")) | .drops | to_entries[].value] | add // 0' <<<"$b")"
    ip netns exec "$NS_GB" awk '/^Udp: [0-9]/ {u=$6} /^Ip: [0-9]/ {q=$15; r=$17} END {printf "gb_udp_rcvbuf=%s gb_fragments=%s gb_reasm_fails=%s\n", u, q, r}' /proc/net/snmp
}

# tb_drop_diff BEFORE AFTER — each counter's growth between two tb_drop_counts lines.
tb_drop_diff() {
    awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " ");
        for (i = 1; i <= n; i++) { split(x[i], p, "="); split(y[i], q, "="); printf "%s%s=%d", (i > 1 ? " " : ""), p[1], q[2] - p[2] } }'
}

# tb_iperf VARIANT TEST "EXTRA-ARGS"
tb_iperf() {
    local variant=$1 test=$2 extra=$3 json=$TB_DIR/$1-$2.json p c0 c1 t0 t1 rx0 rx1
    declare -A before=()
    for p in $pids; do before[$p]=$(tb_cpu_s "$p"); done
    local profile=
    [[ -n ${PERF:-} && $variant == overlay-* && $test == "${PERF_TEST:-tcp}" ]] && profile=1
    local target=${pids%% *}; [[ ${PERF_HOST:-a} == b ]] && target=${pids##* }
    [[ -n $profile ]] && tb_perf_start "$variant-$test" "$target"
    local drops0=; [[ -n ${TB_DROPS:-} ]] && drops0=$(tb_drop_counts)
    local fw0=; [[ $variant == overlay-* ]] && fw0=$(tb_port_rx a)
    rx0=$(tb_rx_packets); t0=$EPOCHREALTIME
    # shellcheck disable=SC2086
    tb_x $NS_GA timeout $((DUR + 15)) iperf3 -J -c "$GUEST_B" -B "$GUEST_A" -t "$DUR" $extra >"$json" 2>"$json.err"
    t1=$EPOCHREALTIME; rx1=$(tb_rx_packets)
    local fwd_kpps=0; [[ -n $fw0 ]] && fwd_kpps=$(awk -v a="$fw0" -v b="$(tb_port_rx a)" -v t0="$t0" -v t1="$t1" 'BEGIN{printf "%.1f", (b-a)/(t1-t0)/1e3}')
    [[ -n $drops0 ]] && tb_log "$variant $test: where packets were lost: $(tb_drop_diff "$drops0" "$(tb_drop_counts)")"
    [[ -n $profile ]] && tb_perf_stop "$variant-$test"
    local cpu=0 cpu_s=0
    for p in $pids; do
        c1=$(tb_cpu_s "$p"); c0=${before[$p]}
        cpu=$(awk -v a="$cpu" -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" 'BEGIN{printf "%.0f", a + 100*(c1-c0)/(t1-t0)}')
        cpu_s=$(awk -v a="$cpu_s" -v c0="$c0" -v c1="$c1" 'BEGIN{printf "%.3f", a + c1 - c0}')
    done
    local gbps kpps bytes
    if [[ $test == tcp ]]; then
        gbps=$(jq -r '.end.sum_received.bits_per_second/1e9 // 0' "$json" 2>/dev/null || echo 0)
        bytes=$(jq -r '.end.sum_received.bytes // 0' "$json" 2>/dev/null || echo 0)
        kpps=$(awk -v a="$rx0" -v b="$rx1" -v t0="$t0" -v t1="$t1" 'BEGIN{printf "%.1f", (b-a)/(t1-t0)/1e3}')
    else
        local len=${test#udp}
        # The receiver's side (sum_received): datagrams that arrived whole. A datagram that lost a
        # fragment counts as lost; when the server got nothing its report is all zeros.
        gbps=$(jq -r "((.end.sum_received.packets-.end.sum_received.lost_packets)*$len*8/.end.sum_received.seconds/1e9) // 0" "$json" 2>/dev/null || echo 0)
        kpps=$(jq -r '((.end.sum_received.packets-.end.sum_received.lost_packets)/.end.sum_received.seconds/1e3) // 0' "$json" 2>/dev/null || echo 0)
        bytes=$(jq -r "((.end.sum_received.packets-.end.sum_received.lost_packets)*$len) // 0" "$json" 2>/dev/null || echo 0)
    fi
    [[ -n $gbps && $gbps != null ]] || gbps=0
    # CPU per byte: the carrying daemons' CPU-seconds (utime+stime of both hosts' processes, /proc/PID/stat) per GB
    # of guest payload iperf3 delivered (its receiver's byte count); 0 when nothing was delivered or no daemon PIDs.
    local per_gb
    per_gb=$(awk -v c="$cpu_s" -v b="${bytes:-0}" 'BEGIN{printf "%.3f", (b>0 ? c/(b/1e9) : 0)}')
    # What guest A's iperf3 offered (UDP: datagrams it sent per second; TCP: 0, TCP paces itself to what arrives).
    local sent_kpps=0; [[ $test == udp* ]] && sent_kpps=$(jq -r '((.end.sum_sent.packets // 0)/(.end.sum_sent.seconds // 1)/1e3)' "$json" 2>/dev/null || echo 0)
    printf '%s %s %.3f %.1f %s %s %.1f %s\n' "$variant" "$test" "$gbps" "$kpps" "$cpu" "$per_gb" "${sent_kpps:-0}" "$fwd_kpps" >>"$TB_DIR/results.txt"
    tb_log "$(printf '%-12s %-8s %7.3f Gbit/s %8.1f kpps  daemons %s%% CPU, %s CPU-s/GB' "$variant" "$test" "$gbps" "$kpps" "$cpu" "$per_gb")"
}
