# shellcheck shell=bash
# bench/lab/lib/common.sh — topology, cleanup and measurement helpers of throughput.sh.
#
#   ┌─ ns tbench-ga ─┐      ┌─ ns tbench-a (host A) ─┐  underlay veth  ┌─ ns tbench-b (host B) ─┐      ┌─ ns tbench-gb ─┐
#   │ eth0 (guest)   │─veth─│ tb-pa (guest port)     │ tb-ul 10.250.0.1│ tb-ul 10.250.0.2        │─veth─│ eth0 (guest)   │
#   └────────────────┘      │ tvd-overlayd | charon | │─────────────────│ tb-pb (guest port)      │      └────────────────┘
#                           │ wireguard-go | routing  │                 │                         │
#                           └─────────────────────────┘                 └─────────────────────────┘
# Every variant runs on this one topology: only what carries guest A's traffic to guest B changes.
# Guest links have 1 RX/TX queue (one AF_XDP socket per port), MTU 1400 in every variant. Guests keep
# TSO/GSO and checksum offload on (as virtio guests do) except for the AF_XDP variant: an XSK sees
# single buffers, so that guest must hand over wire-sized frames (tb_guest_offloads off); the
# plain-nooff variant is the plain reference under that same condition.

TB=${TB_PREFIX:-tbench-} # another prefix (TB_PREFIX=tbx-) lets two runs share a machine
NS_A=${TB}a NS_B=${TB}b NS_GA=${TB}ga NS_GB=${TB}gb
TB_DIR=${TB_DIR:-/tmp/${TB}run}
declare -a TB_PIDS=()

tb_log() { printf '[bench] %s\n' "$*" >&2; }

# Kill only the processes this script started (by pid), then remove every namespace with our prefix.
tb_cleanup() {
    local p
    for p in "${TB_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${TB_PIDS[@]}"; do
        for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null
    done
    TB_PIDS=()
    local ns
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${TB}"); do ip netns del "$ns" 2>/dev/null; done
    rm -f /var/run/wireguard/${TB}wa.sock /var/run/wireguard/${TB}wb.sock
}

# tb_bg NAME NS CMD... — start CMD in NS in the background, log to $TB_DIR/NAME.log; its pid is
# remembered for cleanup and left in TB_LAST (not echoed: a $(...) subshell would lose TB_PIDS).
tb_bg() {
    local name=$1 ns=$2; shift 2
    nsenter --net=/run/netns/"$ns" "$@" >"$TB_DIR/$name.log" 2>&1 &
    TB_LAST=$!
    TB_PIDS+=("$TB_LAST")
}

# tb_stop PID — stop one process we started and forget it.
tb_stop() {
    local p=$1 keep=() q
    kill "$p" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null
    for q in "${TB_PIDS[@]}"; do [[ $q == "$p" ]] || keep+=("$q"); done
    TB_PIDS=("${keep[@]}")
}

tb_x() { local ns=$1; shift; nsenter --net=/run/netns/"$ns" "$@"; }

tb_topology() {
    local ns
    for ns in $NS_A $NS_B $NS_GA $NS_GB; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
    ip link add tb-ul netns $NS_A type veth peer name tb-ul netns $NS_B
    ip link add tb-pa netns $NS_A numtxqueues 1 numrxqueues 1 type veth peer name eth0 netns $NS_GA numtxqueues 1 numrxqueues 1
    ip link add tb-pb netns $NS_B numtxqueues 1 numrxqueues 1 type veth peer name eth0 netns $NS_GB numtxqueues 1 numrxqueues 1
    ip -n $NS_A addr add 10.250.0.1/24 dev tb-ul; ip -n $NS_B addr add 10.250.0.2/24 dev tb-ul
    for ns in $NS_A $NS_B; do
        ip -n "$ns" link set tb-ul up
        tb_x "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
        tb_x "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    done
    ip -n $NS_A link set tb-pa up mtu 1500; ip -n $NS_B link set tb-pb up mtu 1500
    for ns in $NS_GA $NS_GB; do
        tb_x "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
        ip -n "$ns" link set eth0 up mtu 1400
    done
    tb_x $NS_A ping -c 1 -W 2 10.250.0.2 >/dev/null || { tb_log "underlay ping failed"; return 1; }
}

# tb_guest_offloads on|off — the guests' TX checksum, TSO and GSO.
tb_guest_offloads() {
    local ns
    for ns in $NS_GA $NS_GB; do
        tb_x "$ns" ethtool -K eth0 tx "$1" tso "$1" gso "$1" >/dev/null 2>&1 || tb_x "$ns" ethtool -K eth0 tx "$1" >/dev/null
    done
}

# tb_guests_l2 — both guests on one overlay subnet; the host ports carry no address.
tb_guests_l2() {
    tb_reset_addresses
    ip -n $NS_GA addr add 192.168.50.1/24 dev eth0; ip -n $NS_GB addr add 192.168.50.2/24 dev eth0
    GUEST_B=192.168.50.2 GUEST_A=192.168.50.1
}

# tb_guests_routed — guests on 10.10.1.0/24 and 10.10.2.0/24, routed by their hosts (.254).
tb_guests_routed() {
    tb_reset_addresses
    ip -n $NS_A addr add 10.10.1.254/24 dev tb-pa; ip -n $NS_B addr add 10.10.2.254/24 dev tb-pb
    ip -n $NS_GA addr add 10.10.1.1/24 dev eth0; ip -n $NS_GB addr add 10.10.2.1/24 dev eth0
    ip -n $NS_GA route add default via 10.10.1.254; ip -n $NS_GB route add default via 10.10.2.254
    GUEST_B=10.10.2.1 GUEST_A=10.10.1.1
}

tb_reset_addresses() {
    ip -n $NS_A addr flush dev tb-pa; ip -n $NS_B addr flush dev tb-pb
    ip -n $NS_GA addr flush dev eth0; ip -n $NS_GB addr flush dev eth0
    ip -n $NS_GA neigh flush dev eth0 2>/dev/null; ip -n $NS_GB neigh flush dev eth0 2>/dev/null
}

# tb_wait_ping SECONDS — guest A reaches guest B (bounded).
tb_wait_ping() {
    local deadline=$((SECONDS + $1))
    while ((SECONDS < deadline)); do
        tb_x $NS_GA ping -c 1 -W 1 "$GUEST_B" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}

# CPU seconds (user+sys, all threads) a pid has used so far.
# tb_cpu_s PID[/task/TID] — user + system CPU seconds; the fields are counted after the ")" that ends the command
# name, which may hold spaces (a thread named "tvd capture tvd:red").
tb_cpu_s() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk -v t="$(getconf CLK_TCK)" '{print ($12+$13)/t} END {if (!NR) print 0}'; }

# Packets guest B's eth0 has received so far.
tb_rx_packets() { tb_x $NS_GB cat /proc/net/dev | awk '$1=="eth0:"{print $3}'; }
