#!/usr/bin/env bash
# bench/lab/workers.sh — the receiving host's inbound rate with `[dataplane] workers = 1` and `= 2`, in ONE run on
# ONE three-host topology (prefix "twork-"): two senders at once, two SAs, two flows into one host.
#
#   ┌─ twork-g1 ─┐   ┌─ twork-s1 ──────┐                                 ┌─ twork-r ─────────────────┐   ┌─ twork-gr1 ─┐
#   │ .60.1      │───│ overlayd        │──┐   ┌─ twork-ul ──────────┐  ┌─│ overlayd (workers = N)    │───│ .60.11      │
#   └────────────┘   └─────────────────┘  ├───│ bridge tw-br        │──┤ │ SA 0x1001 from s1, 0x1002 │   └─────────────┘
#   ┌─ twork-g2 ─┐   ┌─ twork-s2 ──────┐  │   │ 10.251.0.0/24       │  │ │ from s2 (SPI-steered: one │   ┌─ twork-gr2 ─┐
#   │ .60.2      │───│ overlayd        │──┘   └─────────────────────┘  └─│ worker each when N = 2)   │───│ .60.12      │
#   └────────────┘   └─────────────────┘                                 └───────────────────────────┘   └─────────────┘
#
# Per pass (every daemon with workers = N, N = 1 then 2): iperf3 UDP -b 0 -l 1372 g1 -> gr1 and g2 -> gr2 at once
# for DUR s (the receiver's inbound rate: datagrams the guests received per second, and the ESP r opened per second),
# then one TCP flow g1 -> gr1 for DUR s. Prints a table, the CPU the receiving daemon used, and the ratios
# workers=2 / workers=1 (goal: inbound >= 1.5x; single-flow TCP not worse). Needs root, iperf3, jq and
# tvd-overlayd/tvdctl in $OV_BIN (default bin/, from `make build`). Env: DUR (10), TW_DIR (/tmp/twork-run).
# Everything it creates (namespaces, links, processes) is removed on exit, also on failure.
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OV_BIN=${OV_BIN:-$REPO_ROOT/bin}
[[ $OV_BIN == /* ]] || OV_BIN=$REPO_ROOT/$OV_BIN
DUR=${DUR:-10}
TW=twork-
TW_DIR=${TW_DIR:-/tmp/${TW}run}
declare -a TW_PIDS=()

[[ $(id -u) -eq 0 ]] || { echo "workers.sh: must run as root (namespaces)" >&2; exit 2; }
for t in iperf3 jq nsenter; do command -v $t >/dev/null || { echo "workers.sh: missing $t" >&2; exit 2; }; done
[[ -x $OV_BIN/tvd-overlayd && -x $OV_BIN/tvdctl ]] || { echo "workers.sh: no $OV_BIN/tvd-overlayd or tvdctl (make build)" >&2; exit 2; }

log() { printf '[workers] %s\n' "$*" >&2; }
x() { local ns=$1; shift; nsenter --net=/run/netns/"$TW$ns" "$@"; }
# bg NAME NS CMD... — CMD in NS in the background (nsenter execs it: its pid is CMD's), log in $TW_DIR/NAME.log.
bg() { local name=$1 ns=$2; shift 2; nsenter --net=/run/netns/"$TW$ns" "$@" >"$TW_DIR/$name.log" 2>&1 & TW_LAST=$!; TW_PIDS+=("$TW_LAST"); }
stop() {
    local p=$1 keep=() q
    kill "$p" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null
    for q in "${TW_PIDS[@]}"; do [[ $q == "$p" ]] || keep+=("$q"); done
    TW_PIDS=("${keep[@]}")
}
cleanup() {
    local p ns
    for p in "${TW_PIDS[@]}"; do stop "$p"; done
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${TW}"); do ip netns del "$ns" 2>/dev/null; done
}
cpu_s() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk -v t="$(getconf CLK_TCK)" '{print ($12+$13)/t} END {if (!NR) print 0}'; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
cleanup
rm -rf "$TW_DIR"; mkdir -p "$TW_DIR"

topology() {
    local ns i=0 h
    for ns in ul s1 s2 r g1 g2 gr1 gr2; do
        ip netns add "$TW$ns"; ip -n "$TW$ns" link set lo up
        x "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    done
    ip -n ${TW}ul link add name tw-br type bridge; ip -n ${TW}ul link set dev tw-br up
    for h in s1 s2 r; do
        i=$((i + 1))
        ip link add name "tw-$h" netns ${TW}ul type veth peer name ul netns "$TW$h"
        ip -n ${TW}ul link set dev "tw-$h" master tw-br up
        ip -n "$TW$h" addr add "10.251.0.$i/24" dev ul; ip -n "$TW$h" link set ul up
    done
    for g in g1:s1:192.168.60.1 g2:s2:192.168.60.2 gr1:r:192.168.60.11 gr2:r:192.168.60.12; do
        IFS=: read -r gn hn addr <<<"$g"
        ip link add name "p$gn" netns "$TW$hn" numtxqueues 2 numrxqueues 2 type veth peer name eth0 netns "$TW$gn" numtxqueues 2 numrxqueues 2
        ip -n "$TW$hn" link set "p$gn" up mtu 1500
        ip -n "$TW$gn" link set eth0 up mtu 1400; ip -n "$TW$gn" addr add "$addr/24" dev eth0
    done
    x s1 ping -c 1 -W 2 10.251.0.3 >/dev/null && x s2 ping -c 1 -W 2 10.251.0.3 >/dev/null || { log "underlay ping failed"; return 1; }
}

policy() {
    cat >"$TW_DIR/policy.toml" <<'TOML'
[policy]
name = "workers-bench"
version = 1

[[tvd]]
name = "red"
vlan = 101
label = "tvd:red"

[[network]]
name = "red-net"
tvd = "red"
TOML
    local n
    for n in g1 g2 gr1 gr2; do printf '\n[[guest]]\nname = "%s"\ntypes = ["red"]\nnetworks = ["red-net"]\n' "$n" >>"$TW_DIR/policy.toml"; done
    for n in s1 s2 r; do printf '\n[[host]]\nname = "%s"\ntypes = ["*"]\n' "$n" >>"$TW_DIR/policy.toml"; done
}

# config HOST ADDR WORKERS — [daemon] and [dataplane]; ports, peers and SAs are appended.
config() {
    rm -rf "$TW_DIR/$1"; mkdir -p "$TW_DIR/$1"
    printf '[daemon]\nhost = "%s"\npolicy = "%s"\nstate_dir = "%s"\nruntime_dir = "%s"\n\n[dataplane]\nport = 4500\nunderlay = "%s"\nworkers = %s\n' \
        "$1" "$TW_DIR/policy.toml" "$TW_DIR/$1/state" "$TW_DIR/$1/run" "$2" "$3" >"$TW_DIR/$1.toml"
}
port() { printf '\n[[dataplane.port]]\nname = "%s"\ninterface = "p%s"\nguest = "%s"\nnetwork = "red-net"\n' "$2" "$2" "$2" >>"$TW_DIR/$1.toml"; }
peer() { printf '\n[[dataplane.peer]]\nname = "%s"\naddress = "%s"\n' "$2" "$3" >>"$TW_DIR/$1.toml"; }
sa() { printf '\n[[dataplane.sa]]\npeer = "%s"\ntvd = "red"\ndirection = "%s"\nspi = %s\nkey = "%s"\n' "$2" "$3" "$4" "$5" >>"$TW_DIR/$1.toml"; }
key() { python3 -c 'import secrets; print(secrets.token_hex(20))'; }

# start_pass N — three daemons with workers = N; leaves the receiver's pid in R_PID.
start_pass() {
    local n=$1 k
    config s1 10.251.0.1 "$n"; config s2 10.251.0.2 "$n"; config r 10.251.0.3 "$n"
    port s1 g1; port s2 g2; port r gr1; port r gr2
    peer s1 r 10.251.0.3; peer s2 r 10.251.0.3; peer r s1 10.251.0.1; peer r s2 10.251.0.2
    for s in s1:0x1001:0x2001 s2:0x1002:0x2002; do
        IFS=: read -r h out in <<<"$s"
        k=$(key); sa "$h" r out "$out" "$k"; sa r "$h" in "$out" "$k"
        k=$(key); sa r "$h" out "$in" "$k"; sa "$h" r in "$in" "$k"
    done
    PIDS=()
    for h in s1 s2 r; do bg "overlayd-$h-w$n" "$h" "$OV_BIN/tvd-overlayd" --config "$TW_DIR/$h.toml"; PIDS+=("$TW_LAST"); done
    R_PID=$TW_LAST
    local deadline=$((SECONDS + 40))
    until x r "$OV_BIN/tvdctl" status --socket "$TW_DIR/r/run/control.sock" >/dev/null 2>&1 && x g1 ping -c 1 -W 1 192.168.60.11 >/dev/null 2>&1 && x g2 ping -c 1 -W 1 192.168.60.12 >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { log "workers=$n: guests cannot reach the receiver's guests (logs in $TW_DIR)"; return 1; }
        sleep 0.3
    done
}

# The two senders' daemons' CPU-seconds so far (PIDS holds s1, s2, r): on a 2-CPU box they bound the receiver's input.
senders_cpu_s() { awk -v a="$(cpu_s "${PIDS[0]}")" -v b="$(cpu_s "${PIDS[1]}")" 'BEGIN {print a + b}'; }

opened() { x r "$OV_BIN/tvdctl" status --json --socket "$TW_DIR/r/run/control.sock" | jq '[.dataplane.worker_counters[].esp_opened] | add'; }

# measure N — UDP from both senders at once, then one TCP flow; one line into results.txt.
measure() {
    local n=$1 s1 s2 o0 o1 c0 c1 pps opened_pps gbit tcp cpu s0 s1cpu senders
    bg "iperf-gr1-w$n" gr1 iperf3 -s -B 192.168.60.11; s1=$TW_LAST
    bg "iperf-gr2-w$n" gr2 iperf3 -s -B 192.168.60.12; s2=$TW_LAST
    sleep 1
    o0=$(opened) c0=$(cpu_s "$R_PID") s0=$(senders_cpu_s)
    x g1 timeout $((DUR + 15)) iperf3 -J -c 192.168.60.11 -u -b 0 -l 1372 -t "$DUR" >"$TW_DIR/udp1-w$n.json" 2>"$TW_DIR/udp1-w$n.err" &
    local j1=$!
    x g2 timeout $((DUR + 15)) iperf3 -J -c 192.168.60.12 -u -b 0 -l 1372 -t "$DUR" >"$TW_DIR/udp2-w$n.json" 2>"$TW_DIR/udp2-w$n.err" &
    local j2=$!
    wait "$j1" "$j2"
    o1=$(opened) c1=$(cpu_s "$R_PID") s1cpu=$(senders_cpu_s)
    pps=$(jq -s "map(.end.sum | (.packets - .lost_packets)) | add / $DUR | floor" "$TW_DIR/udp1-w$n.json" "$TW_DIR/udp2-w$n.json" 2>/dev/null || echo 0)
    gbit=$(jq -s "map(.end.sum | (.packets - .lost_packets)) | add * 1372 * 8 / $DUR / 1e9 * 1000 | floor / 1000" "$TW_DIR/udp1-w$n.json" "$TW_DIR/udp2-w$n.json" 2>/dev/null || echo 0)
    opened_pps=$(( (o1 - o0) / DUR ))
    cpu=$(awk -v a="$c0" -v b="$c1" -v d="$DUR" 'BEGIN {printf "%.2f", (b - a) / d}')
    senders=$(awk -v a="$s0" -v b="$s1cpu" -v d="$DUR" 'BEGIN {printf "%.2f", (b - a) / d}')
    x g1 timeout $((DUR + 15)) iperf3 -J -c 192.168.60.11 -t "$DUR" >"$TW_DIR/tcp-w$n.json" 2>"$TW_DIR/tcp-w$n.err"
    tcp=$(jq '.end.sum_received.bits_per_second / 1e9 * 1000 | floor / 1000' "$TW_DIR/tcp-w$n.json" 2>/dev/null || echo 0)
    stop "$s1"; stop "$s2"
    printf '%s %s %s %s %s %s %s\n' "$n" "$pps" "$gbit" "$opened_pps" "$cpu" "$tcp" "$senders" >>"$TW_DIR/results.txt"
}

topology || exit 1
policy
: >"$TW_DIR/results.txt"
for n in 1 2; do
    if start_pass "$n"; then measure "$n"; else printf '%s 0 0 0 0 0 0\n' "$n" >>"$TW_DIR/results.txt"; fi
    for p in "${PIDS[@]}"; do stop "$p"; done
done

echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
printf '%-10s %14s %10s %16s %14s %14s %14s\n' workers "UDP in pps" "Gbit/s" "ESP opened/s" "r CPU (cores)" "TCP 1 Gbit/s" "s CPU (cores)"
while read -r n pps gbit opened cpu tcp senders; do
    printf '%-10s %14s %10s %16s %14s %14s %14s\n' "$n" "$pps" "$gbit" "$opened" "$cpu" "$tcp" "${senders:-0}"
done <"$TW_DIR/results.txt"
awk '{pps[$1]=$2; opened[$1]=$4; tcp[$1]=$6; r[$1]=$5; s[$1]=$7} END {
    if (opened[1] > 0) printf "inbound ESP opened by the receiver (2 senders, 2 SAs) workers=2 / workers=1: %.2fx (goal >= 1.5x)\n", opened[2] / opened[1];
    if (pps[1] > 0) printf "UDP delivered to the receiver'"'"'s guests workers=2 / workers=1: %.2fx\n", pps[2] / pps[1];
    if (r[1] > 0) printf "the receiver used %.2f / %.2f cores, its senders %.2f / %.2f of the %d CPUs (a receiver below one core is not what bounds the rate)\n", r[1], r[2], s[1], s[2], '"$(nproc)"';
    if (tcp[1] > 0) printf "single-flow TCP workers=2 / workers=1: %.2fx (goal: not worse, >= 1.0x within noise)\n", tcp[2] / tcp[1] }' "$TW_DIR/results.txt"
