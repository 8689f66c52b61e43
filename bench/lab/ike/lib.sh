# bench/lab/ike/lib.sh — pieces of bench/lab/ike-setup.sh: the two-namespace topology (prefix tikb-),
# starting/stopping charon and tvd-ikebench in a namespace, CPU accounting and statistics.
# Every process started here is recorded in IK_PIDS and stopped by ik_cleanup; every wait is bounded.

IK_NS_A=tikb-a
IK_NS_B=tikb-b
IK_ADDR_A=10.251.0.1
IK_ADDR_B=10.251.0.2
IK_PSK=tikb-bench-psk-not-secret-0123456789
IK_PIDS=""

ik_log() { echo "[$(date +%T)] $*" >&2; }

# Stops only the processes this script started (by pid), then removes namespaces and run dirs.
ik_cleanup() {
    local p i
    for p in $IK_PIDS; do kill -TERM "$p" 2>/dev/null; done
    for p in $IK_PIDS; do
        for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    IK_PIDS=""
    ip netns del $IK_NS_A 2>/dev/null
    ip netns del $IK_NS_B 2>/dev/null
    [[ -n ${IK_RUN:-} && -d $IK_RUN ]] && rm -rf "$IK_RUN"
    return 0
}

# hostA (10.251.0.1) --veth-- hostB (10.251.0.2); the protected subnets 10.10.1.1/24 and 10.10.2.1/24
# live on a veth stub in each namespace (libipsec routes need a local address in local_ts).
ik_topology() {
    ip netns add $IK_NS_A && ip netns add $IK_NS_B || return 1
    ip link add tikb-va type veth peer name tikb-vb || return 1
    ip link set tikb-va netns $IK_NS_A && ip link set tikb-vb netns $IK_NS_B || return 1
    ip -n $IK_NS_A addr add $IK_ADDR_A/24 dev tikb-va
    ip -n $IK_NS_B addr add $IK_ADDR_B/24 dev tikb-vb
    ip -n $IK_NS_A link add tikb-ia type veth peer name tikb-ja
    ip -n $IK_NS_B link add tikb-ib type veth peer name tikb-jb
    ip -n $IK_NS_A addr add 10.10.1.1/24 dev tikb-ia
    ip -n $IK_NS_B addr add 10.10.2.1/24 dev tikb-ib
    local d
    for d in lo tikb-va tikb-ia tikb-ja; do ip -n $IK_NS_A link set $d up; done
    for d in lo tikb-vb tikb-ib tikb-jb; do ip -n $IK_NS_B link set $d up; done
    ip netns exec $IK_NS_A ping -c 1 -W 2 $IK_ADDR_B >/dev/null
}

# ik_charon_start <a|b>: charon in that namespace with its own /run, config and vici socket.
ik_charon_start() {
    local side=$1 ns dir local remote lid rid lts rts i
    if [[ $side == a ]]; then ns=$IK_NS_A; local=$IK_ADDR_A; remote=$IK_ADDR_B; lid=hostA; rid=hostB; lts=10.10.1.0/24; rts=10.10.2.0/24
    else ns=$IK_NS_B; local=$IK_ADDR_B; remote=$IK_ADDR_A; lid=hostB; rid=hostA; lts=10.10.2.0/24; rts=10.10.1.0/24; fi
    dir=$IK_RUN/charon-$side; rm -rf "$dir"; mkdir -p "$dir/run"
    sed "s#@RUN@#$dir#g" "$IK_HERE/strongswan.conf.in" > "$dir/strongswan.conf"
    sed -e "s#@LOCAL@#$local#" -e "s#@REMOTE@#$remote#" -e "s#@LID@#$lid#" -e "s#@RID@#$rid#" -e "s#@LTS@#$lts#" \
        -e "s#@RTS@#$rts#" -e "s#@PSK@#$IK_PSK#" -e "s#@GROUP@#$IK_GROUP_NAME#" "$IK_HERE/swanctl.conf.in" > "$dir/swanctl.conf"
    # ip netns exec, unshare, sh and env all exec: $! is charon itself
    ip netns exec $ns unshare -m --propagation private sh -c \
        "mount --bind $dir/run /run && exec env STRONGSWAN_CONF=$dir/strongswan.conf /usr/lib/ipsec/charon" > "$dir/stdout" 2>&1 &
    eval "IK_CHARON_$side=$!"; IK_PIDS="$IK_PIDS $!"
    for i in $(seq 100); do [[ -S $dir/charon.vici ]] && break; sleep 0.1; done
    [[ -S $dir/charon.vici ]] || { ik_log "charon $side did not start"; cat "$dir/stdout" "$dir/charon.log" >&2; return 1; }
    timeout 30 swanctl --load-all --file "$dir/swanctl.conf" --uri "unix://$dir/charon.vici" > "$dir/load.txt" 2>&1 \
        || { ik_log "swanctl --load-all failed on $side"; cat "$dir/load.txt" >&2; return 1; }
}

ik_vici() { echo "$IK_RUN/charon-$1/charon.vici"; }

# ik_run <cmd...>: runs a bounded command in the background and waits for it, so a TERM/INT trap runs at
# once (bash defers traps until a foreground command ends) and ik_cleanup stops the command too.
ik_run() {
    "$@" &
    local p=$! rc
    IK_PIDS="$IK_PIDS $p"
    wait $p; rc=$?
    IK_PIDS=$(echo " $IK_PIDS " | sed "s/ $p / /")
    return $rc
}

# ik_stop <pid>: TERM, bounded wait, KILL; drops it from IK_PIDS.
ik_stop() {
    local p=$1 i
    kill -TERM "$p" 2>/dev/null
    for i in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null
    IK_PIDS=$(echo " $IK_PIDS " | sed "s/ $p / /")
}

# ik_ours_respond <b|a> <logfile>: tvd-ikebench responder in that namespace; waits for "ready".
ik_ours_respond() {
    local side=$1 out=$2 ns addr rid i
    if [[ $side == b ]]; then ns=$IK_NS_B; addr=$IK_ADDR_B; rid=hostA; else ns=$IK_NS_A; addr=$IK_ADDR_A; rid=hostB; fi
    local lid; [[ $rid == hostA ]] && lid=hostB || lid=hostA
    ip netns exec $ns $IK_DOTNET "$IK_DLL" respond --local $addr --side $side --local-id $lid --remote-id $rid \
        --psk "$IK_PSK" --group $IK_GROUP --max-seconds 900 ${IK_RESP_ARGS:-} > "$out" 2>&1 &
    IK_OURS_RESP=$!; IK_PIDS="$IK_PIDS $!"
    for i in $(seq 150); do grep -q '^ready' "$out" 2>/dev/null && return 0; kill -0 $IK_OURS_RESP 2>/dev/null || break; sleep 0.1; done
    ik_log "tvd-ikebench responder did not start"; cat "$out" >&2; return 1
}

# ik_ours_init <mode> <logfile> [args]: tvd-ikebench initiator in namespace A towards B (bounded by timeout).
# It execs: call it in the background (ik_ours_init ... & or ik_run ik_ours_init ...), so $! is the process.
ik_ours_init() {
    local mode=$1 out=$2; shift 2
    exec timeout 600 ip netns exec $IK_NS_A $IK_DOTNET "$IK_DLL" $mode --local $IK_ADDR_A --remote $IK_ADDR_B --side a \
        --local-id hostA --remote-id hostB --psk "$IK_PSK" --group $IK_GROUP "$@" > "$out" 2>&1
}

# CPU seconds (user+system) a process has used so far.
ik_cpu() { awk -v t="$(getconf CLK_TCK)" '{print ($14+$15)/t}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# stdin: numbers -> "median min max mean n"
ik_stats() { sort -g | awk '{v[NR]=$1; s+=$1} END {if (NR==0) {print "- - - - 0"; exit}
    m = NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%.1f %.1f %.1f %.1f %d\n", m, v[1], v[NR], s/NR, NR}'; }

# stdin: numbers -> "p50 p90 max n" (nearest rank)
ik_pct() { sort -g | awk '{v[NR]=$1} END {if (NR==0) {print "- - - 0"; exit}
    i50=int(NR*0.5+0.999); i90=int(NR*0.9+0.999); printf "%.2f %.2f %.2f %d\n", v[i50], v[i90], v[NR], NR}'; }

# ik_perf_start <pid> <data>: perf record of that process (call graph), stopped by ik_perf_stop.
ik_perf_start() {
    command -v perf >/dev/null || { ik_log "perf not installed; no profile"; return 0; }
    perf record -F 999 -g -p "$1" -o "$2" >/dev/null 2>&1 &
    IK_PERF_PID=$!; IK_PIDS="$IK_PIDS $!"
}

# ik_perf_stop <data> <report.txt>: ends the recording and writes the top symbols.
ik_perf_stop() {
    [[ -n ${IK_PERF_PID:-} ]] || return 0
    kill -INT "$IK_PERF_PID" 2>/dev/null
    local i; for i in $(seq 100); do kill -0 "$IK_PERF_PID" 2>/dev/null || break; sleep 0.1; done
    ik_stop "$IK_PERF_PID"; IK_PERF_PID=""
    timeout 120 perf report -i "$1" --no-children -g none --percent-limit 0.4 --sort dso,sym --stdio 2>/dev/null \
        | grep -v '^#' | grep '%' | head -n 50 > "$2"
    ik_log "profile of our responder: $2"; head -n 25 "$2" >&2
}
