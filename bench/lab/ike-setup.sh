#!/usr/bin/env bash
# bench/lab/ike-setup.sh — IKE_SA + CHILD_SA setup rate and latency of our IKEv2 (src/Overlay.Ike,
# driven by bench/Overlay.IkeBench = tvd-ikebench) beside strongSwan 5.9.8, all in ONE run between
# two network namespaces (tikb-a initiates, tikb-b responds):
#   ours-ours  tvd-ikebench ↔ tvd-ikebench      ours-ss  tvd-ikebench → charon
#   ss-ours    charon → tvd-ikebench            ss-ss    charon → charon (kernel-libipsec, vici)
#   ss-ours-lock  charon → tvd-ikebench with one IKE worker (every exchange of the responder serialised;
#              the default runs one worker per core)
# Every run: PSK, aes128gcm16-prfsha256 + Curve25519 (IK_GROUP=19: ECP-256), ESP aes128gcm16, label
# tvd:red; charon with DoS protection/cookies off, reuse_ikesa = no (bench/lab/ike/strongswan.conf.in).
# ROUNDS rounds, each running every variant in turn (fresh processes) with
#   rate:    a warm-up (rounds of 200 for ≥ 3 s: the JIT of our side), then REPS × N setups with W in
#            flight (setups/s up to the last CHILD_SA installed)
#   latency: SERIAL_N setups one at a time, initiate → CHILD_SA installed (charon: vici initiate)
# Prints a table and the ratios ours/strongSwan. Needs root, strongSwan (charon, swanctl), python3, bc, dotnet.
# Env: N (500) W (16) ROUNDS (3) REPS (1) SERIAL_N (20) IK_GROUP (31) VARIANTS (all five) IK_OUT (/tmp/tikb-ike-setup),
# PERF=1 (perf profile of our responder during the ours-ours timed reps: $IK_OUT/perf-ours-ours.txt).
# Everything it creates (namespaces tikb-*, links, processes) is removed on exit, also on failure.
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
IK_HERE=$REPO_ROOT/bench/lab/ike
source "$IK_HERE/lib.sh"

N=${N:-500}; W=${W:-16}; ROUNDS=${ROUNDS:-3}; REPS=${REPS:-1}; SERIAL_N=${SERIAL_N:-20}
IK_GROUP=${IK_GROUP:-31}
[[ $IK_GROUP == 19 ]] && IK_GROUP_NAME=ecp256 || { IK_GROUP=31; IK_GROUP_NAME=x25519; }
VARIANTS=${VARIANTS:-"ours-ours ours-ss ss-ours ss-ours-lock ss-ss"}
IK_OUT=${IK_OUT:-/tmp/tikb-ike-setup}
IK_RUN=""
IK_DOTNET=$(command -v dotnet || echo /usr/bin/dotnet)
IK_DLL=$REPO_ROOT/bench/Overlay.IkeBench/bin/Release/net10.0/tvd-ikebench.dll

[[ $(id -u) -eq 0 ]] || { echo "ike-setup.sh: must run as root (namespaces, UDP 500/4500)" >&2; exit 2; }
for t in python3 swanctl timeout bc; do command -v $t >/dev/null || { echo "ike-setup.sh: missing $t" >&2; exit 2; }; done
[[ -x /usr/lib/ipsec/charon ]] || { echo "ike-setup.sh: missing /usr/lib/ipsec/charon (strongswan-charon)" >&2; exit 2; }

# perf names JIT frames through /tmp/perf-PID.map, which needs W^X off to name every method.
[[ -n ${PERF:-} ]] && export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
trap 'ik_cleanup' EXIT
trap 'ik_cleanup; exit 130' INT
trap 'ik_cleanup; exit 143' TERM
ik_cleanup
rm -rf "$IK_OUT"; mkdir -p "$IK_OUT"
IK_RUN=$IK_OUT/run; mkdir -p "$IK_RUN"

ik_log "building tvd-ikebench (Release)"
timeout 600 "$IK_DOTNET" build -c Release "$REPO_ROOT/bench/Overlay.IkeBench" > "$IK_OUT/build.txt" 2>&1 \
    || { tail -20 "$IK_OUT/build.txt" >&2; exit 1; }
ik_topology || { ik_log "topology failed"; exit 1; }

VICI="/usr/bin/python3 $IK_HERE/vici_bench.py"
vici_terminate() { timeout 60 swanctl --terminate --ike tvd --force --uri "unix://$(ik_vici "$1")" >/dev/null 2>&1; }

# --- our initiator (A) against responder pid $1 (rate, then serial); results in $IK_OUT/$2-*
run_ours_initiator() {
    local resp=$1 v=$2 i c0 c1
    local log=$IK_OUT/$v-rate-$IK_ROUND.log
    ik_ours_init rate "$log" --total "$N" --window "$W" --reps "$REPS" --max-seconds 400 --warmup-seconds 3 &
    local ip=$!; IK_PIDS="$IK_PIDS $ip"
    for i in $(seq 2400); do grep -q '^# warm-up:' "$log" 2>/dev/null && break; kill -0 $ip 2>/dev/null || break; sleep 0.05; done
    c0=$(ik_cpu "$resp")
    [[ -n ${PERF:-} && $v == ours-ours && $IK_ROUND == 1 ]] && ik_perf_start "$resp" "$IK_OUT/perf-$v.data"
    wait $ip; c1=$(ik_cpu "$resp"); IK_PIDS=$(echo " $IK_PIDS " | sed "s/ $ip / /")
    [[ -n ${PERF:-} && $v == ours-ours && $IK_ROUND == 1 ]] && ik_perf_stop "$IK_OUT/perf-$v.data" "$IK_OUT/perf-$v.txt"
    grep '^rate' "$log" >> "$IK_OUT/$v-rate.txt"
    echo "respcpu $(echo "$c1 - $c0" | bc -l)" >> "$IK_OUT/$v-cpu.txt"
    grep '^initcpu' "$log" >> "$IK_OUT/$v-cpu.txt"
    ik_run ik_ours_init serial "$IK_OUT/$v-serial-$IK_ROUND.log" --n "$SERIAL_N" --total 50 --max-seconds 120
    grep -v '^#' "$IK_OUT/$v-serial-$IK_ROUND.log" >> "$IK_OUT/$v-serial.txt"
}

# --- charon initiator (A) against responder pid $1 ($3 = "b" when the responder is charon B too)
run_charon_initiator() {
    local resp=$1 v=$2 bside=${3:-} r c0 c1 i0 i1
    # warm-up as for ours: rounds of 200 for at least 3 s (our responder's JIT; charon needs none)
    local w0=$SECONDS w=0
    while (( SECONDS - w0 < 3 && w < 20 )); do
        ik_run timeout 90 $VICI "$(ik_vici a)" rate 200 "$W" 60 >> "$IK_OUT/$v-warm-$IK_ROUND.txt" 2>&1
        vici_terminate a; [[ -n $bside ]] && vici_terminate b; w=$((w + 1))
    done
    sleep 1
    c0=$(ik_cpu "$resp"); i0=$(ik_cpu "$IK_CHARON_a")
    for r in $(seq "$REPS"); do
        ik_run timeout 200 $VICI "$(ik_vici a)" rate "$N" "$W" 120 >> "$IK_OUT/$v-rate.txt" 2>&1
        vici_terminate a; [[ -n $bside ]] && vici_terminate b; sleep 1
    done
    c1=$(ik_cpu "$resp"); i1=$(ik_cpu "$IK_CHARON_a")
    local up; up=$(awk '$1=="rate"{s+=$2} END{print s+0}' "$IK_OUT/$v-rate.txt")
    { echo "respcpu $(echo "$c1 - $c0" | bc -l)"; echo "initcpu $(echo "$i1 - $i0" | bc -l) $up"; } >> "$IK_OUT/$v-cpu.txt"
    ik_run timeout 300 $VICI "$(ik_vici a)" serial "$SERIAL_N" >> "$IK_OUT/$v-serial.txt" 2>&1
    vici_terminate a; [[ -n $bside ]] && vici_terminate b
}

# Rounds interleave the variants, so that load from outside (a shared machine) spreads over all of them.
for IK_ROUND in $(seq "$ROUNDS"); do
for v in $VARIANTS; do
    ik_log "== round $IK_ROUND/$ROUNDS: $v"
    case $v in
        ours-ours)
            ik_ours_respond b "$IK_OUT/$v-responder-$IK_ROUND.log" || continue
            run_ours_initiator $IK_OURS_RESP $v
            ik_stop $IK_OURS_RESP ;;
        ours-ss)
            ik_charon_start b || continue
            run_ours_initiator $IK_CHARON_b $v
            cp "$IK_RUN/charon-b/charon.log" "$IK_OUT/$v-charon-b-$IK_ROUND.log" 2>/dev/null
            ik_stop $IK_CHARON_b ;;
        ss-ours)
            ik_ours_respond b "$IK_OUT/$v-responder-$IK_ROUND.log" || continue
            ik_charon_start a || { ik_stop $IK_OURS_RESP; continue; }
            run_charon_initiator $IK_OURS_RESP $v
            cp "$IK_RUN/charon-a/charon.log" "$IK_OUT/$v-charon-a-$IK_ROUND.log" 2>/dev/null
            ik_stop $IK_CHARON_a; ik_stop $IK_OURS_RESP ;;
        ss-ours-lock)
            IK_RESP_ARGS="--workers 1" ik_ours_respond b "$IK_OUT/$v-responder-$IK_ROUND.log" || continue
            ik_charon_start a || { ik_stop $IK_OURS_RESP; continue; }
            run_charon_initiator $IK_OURS_RESP $v
            ik_stop $IK_CHARON_a; ik_stop $IK_OURS_RESP ;;
        ss-ss)
            ik_charon_start b || continue
            ik_charon_start a || { ik_stop $IK_CHARON_b; continue; }
            run_charon_initiator $IK_CHARON_b $v b
            ik_stop $IK_CHARON_a; ik_stop $IK_CHARON_b ;;
        *) ik_log "unknown variant $v" ;;
    esac
    grep -h '^# responder' "$IK_OUT/$v-responder-$IK_ROUND.log" 2>/dev/null >&2
done
done

source "$IK_HERE/report.sh"
ik_report
