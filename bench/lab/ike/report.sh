# bench/lab/ike/report.sh — the table of bench/lab/ike-setup.sh from the files in $IK_OUT:
#   <v>-rate.txt   "rate <up> <secs> <per_s> <fails>" per rep
#   <v>-serial.txt one setup latency (ms) per line, "FAIL ..." for a failed one
#   <v>-cpu.txt    "respcpu <s>" and "initcpu <s> <setups>" over the timed rate reps (deletes included)

ik_name() {
    case $1 in
        ours-ours) echo "ours -> ours" ;; ours-ss) echo "ours -> strongSwan" ;;
        ss-ours) echo "strongSwan -> ours" ;; ss-ours-lock) echo "strongSwan -> ours (lock)" ;; ss-ss) echo "strongSwan -> strongSwan" ;; *) echo "$1" ;;
    esac
}

# median setups/s of a variant ("" if none)
ik_rate_median() { [[ -s $IK_OUT/$1-rate.txt ]] && awk '$1=="rate"{print $4}' "$IK_OUT/$1-rate.txt" | ik_stats | awk '$5>0{print $1}'; }
# best setups/s of a variant: on a shared machine outside load only ever slows a rep down
ik_rate_best() { [[ -s $IK_OUT/$1-rate.txt ]] && awk '$1=="rate"{print $4}' "$IK_OUT/$1-rate.txt" | ik_stats | awk '$5>0{print $3}'; }
ik_lat_median() { [[ -s $IK_OUT/$1-serial.txt ]] && grep -E '^[0-9.]+$' "$IK_OUT/$1-serial.txt" | ik_pct | awk '$4>0{print $1}'; }

ik_report() {
    local v s p fails up rc ic
    echo
    echo "IKE_SA+CHILD_SA setup, PSK, aes128gcm16-prfsha256-$IK_GROUP_NAME, ESP aes128gcm16, label tvd:red; $(nproc) cores shared by both sides"
    echo "rate: $ROUNDS rounds (variants interleaved) x $REPS rep x $N setups, $W in flight (after >= 3 s of warm-up); latency: $SERIAL_N serial setups, initiate -> CHILD_SA up"
    printf '%-26s %-30s %-6s %-28s %-11s %-11s\n' "initiator -> responder" "setups/s median [min-max] n" "fails" "latency ms p50 / p90 / max" "resp CPU" "init CPU"
    printf '%-26s %-30s %-6s %-28s %-11s %-11s\n' "" "" "" "" "ms/setup" "ms/setup"
    for v in $VARIANTS; do
        s=$(awk '$1=="rate"{print $4}' "$IK_OUT/$v-rate.txt" 2>/dev/null | ik_stats)
        fails=$(awk '$1=="rate"{f+=$5; u+=$2} END{print f+0}' "$IK_OUT/$v-rate.txt" 2>/dev/null)
        p=$(grep -E '^[0-9.]+$' "$IK_OUT/$v-serial.txt" 2>/dev/null | ik_pct)
        local pf; pf=$(grep -c FAIL "$IK_OUT/$v-serial.txt" 2>/dev/null)
        rc=$(awk '$1=="respcpu"{r+=$2} $1=="initcpu"{n+=$3} END{if (n>0) printf "%.2f", 1000*r/n; else print "-"}' "$IK_OUT/$v-cpu.txt" 2>/dev/null)
        ic=$(awk '$1=="initcpu"{c+=$2; n+=$3} END{if (n>0) printf "%.2f", 1000*c/n; else print "-"}' "$IK_OUT/$v-cpu.txt" 2>/dev/null)
        set -- $s; local r1="$1 [$2-$3] n=$5"
        set -- $p; local l1="$1 / $2 / $3 (n=$4${pf:+, $pf failed})"
        printf '%-26s %-30s %-6s %-28s %-11s %-11s\n' "$(ik_name $v)" "$r1" "${fails:--}" "$l1" "${rc:--}" "${ic:--}"
    done
    echo
    local oo=$(ik_rate_median ours-ours) ss=$(ik_rate_median ss-ss) os=$(ik_rate_median ours-ss) so=$(ik_rate_median ss-ours)
    local loo=$(ik_lat_median ours-ours) lss=$(ik_lat_median ss-ss) los=$(ik_lat_median ours-ss) lso=$(ik_lat_median ss-ours)
    ratio() { [[ -n $1 && -n $2 ]] && echo "scale=2; $1 / $2" | bc -l | sed 's/^\./0./' || echo "-"; }
    echo "ratios (ours / strongSwan, same run):"
    echo "  setups/s (median)  ours->ours / ss->ss = $(ratio "$oo" "$ss")   ours->ss / ss->ss = $(ratio "$os" "$ss")   ss->ours / ss->ss = $(ratio "$so" "$ss")"
    local boo=$(ik_rate_best ours-ours) bss=$(ik_rate_best ss-ss) bos=$(ik_rate_best ours-ss) bso=$(ik_rate_best ss-ours)
    echo "  setups/s (best)    ours->ours / ss->ss = $(ratio "$boo" "$bss")   ours->ss / ss->ss = $(ratio "$bos" "$bss")   ss->ours / ss->ss = $(ratio "$bso" "$bss")"
    echo "  latency p50        ours->ours / ss->ss = $(ratio "$loo" "$lss")   ours->ss / ss->ss = $(ratio "$los" "$lss")   ss->ours / ss->ss = $(ratio "$lso" "$lss")"
    if [[ -n $oo && -n $ss && -n $loo && -n $lss ]]; then
        local ok_rate ok_lat
        ok_rate=$(echo "$oo >= 1.5 * $ss" | bc -l); ok_lat=$(echo "$loo < $lss" | bc -l)
        echo "goal (issue 6 #9: ours<->ours >= 1.5x strongSwan setups/s and lower latency): rate $([[ $ok_rate == 1 ]] && echo met || echo NOT met), latency $([[ $ok_lat == 1 ]] && echo met || echo NOT met)"
    fi
    echo "logs: $IK_OUT"
}
