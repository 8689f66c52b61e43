#!/usr/bin/env bash
# scripts/etcd.sh — a real etcd cluster (Debian etcd-server 3.4) for the cluster lab, the cluster bench and tests.
#
#   scripts/etcd.sh start DIR [--members N] [--port BASE] [--member NAME=NETNS@ADDR ...]
#                             [--retention R] [--quota BYTES] [--metrics basic|extensive]
#   scripts/etcd.sh stop DIR            stop every member (SIGTERM, SIGKILL after 3 s) and remove DIR
#   scripts/etcd.sh kill DIR NAME       SIGKILL one member (its data dir stays: `restart` brings it back)
#   scripts/etcd.sh restart DIR NAME    start a killed member again from its data dir; waits until it is healthy
#   scripts/etcd.sh endpoints DIR       the client URLs, comma-separated (for [cluster] endpoints, tvdctl --cluster)
#   scripts/etcd.sh health DIR          `etcdctl endpoint health` of every member; exit 0 only if all are healthy
#
# Two layouts:
#   - loopback (default): N members (default 3) e1..eN on 127.0.0.1, member i's client port BASE+2(i-1) and peer
#     port BASE+2(i-1)+1 (BASE default 23790; pick a free range when several clusters run at once);
#   - one member per network namespace: --member e1=NETNS@10.200.0.1 (repeat per member; no --members/--port),
#     ports 2379 (client) and 2380 (peer) on ADDR inside NETNS (`ip netns`), e.g. lab hosts on the netns-lab bridge.
# DIR (created; must not exist, so a run never reuses another's data) holds per member NAME: NAME.data/ (the data
# dir), NAME.pid, NAME.log, NAME.cmd (its command line, for `restart`), NAME.netns, NAME.url; and `members`.
#
# Compaction (docs/cluster.md "Store hygiene"): every member runs with --auto-compaction-mode periodic and
# --auto-compaction-retention R (default 1h; a Go duration such as 30s or 5m, or whole hours): etcd compacts away
# revisions older than R, so the store's history is bounded. A watcher that was away for longer than R resumes
# with ErrCompacted and re-reads (Overlay.Cluster ClusterWatch). --quota BYTES sets --quota-backend-bytes (etcd's
# default 2 GiB): past it etcd answers `mvcc: database space exceeded` until compacted, defragmented and disarmed.
# --metrics extensive adds per-message gRPC counters (grpc_server_msg_received_total: every request, stream messages
# such as lease keep-alives and watch creates included) to each member's /metrics (on its client URL); bench/cluster
# counts etcd's requests with them.
set -euo pipefail

ETCD=${ETCD:-etcd}
ETCDCTL=${ETCDCTL:-etcdctl}
export ETCDCTL_API=3

die() { echo "etcd.sh: $*" >&2; exit 2; }
usage() { sed -n '3,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 2; }

# run_in NETNS CMD... — CMD in NETNS ("" = here).
run_in() {
    local ns=$1; shift
    if [[ -n $ns ]]; then nsenter --net="/run/netns/$ns" -- "$@"; else "$@"; fi
}

member_alive() {
    local pid
    pid=$(cat "$1/$2.pid" 2>/dev/null) || return 1
    kill -0 "$pid" 2>/dev/null
}

# launch DIR NAME — start a member from NAME.cmd in its own session; the pid file is written by the child before exec.
launch() {
    local dir=$1 name=$2 ns
    ns=$(cat "$dir/$name.netns")
    mapfile -t cmd <"$dir/$name.cmd"
    local wrap=()
    [[ -z $ns ]] || wrap=(nsenter --net="/run/netns/$ns" --)
    # shellcheck disable=SC2016  # expanded by the child
    setsid bash -c 'echo "$$" >"$1.tmp" && mv "$1.tmp" "$1"; shift; exec "$@"' _ \
        "$dir/$name.pid" "${wrap[@]}" "${cmd[@]}" </dev/null >>"$dir/$name.log" 2>&1 &
    local i
    for i in $(seq 200); do [[ -s $dir/$name.pid ]] && return 0; sleep 0.01; done
    die "$name: no pid file"
}

# healthy DIR NAME — one member answers `endpoint health` (bounded: 2 s).
healthy() {
    run_in "$(cat "$1/$2.netns")" timeout -k 1 3 "$ETCDCTL" --endpoints "$(cat "$1/$2.url")" \
        --dial-timeout 1s --command-timeout 2s endpoint health >/dev/null 2>&1
}

# wait_healthy DIR SECONDS NAME... — until every NAME is healthy; exit 1 with the members' log tails if not.
wait_healthy() {
    local dir=$1 limit=$2 deadline name pending; shift 2
    deadline=$(( SECONDS + limit ))
    while :; do
        pending=()
        for name in "$@"; do
            member_alive "$dir" "$name" || { echo "etcd.sh: member $name exited:" >&2; tail -n 15 "$dir/$name.log" >&2; return 1; }
            healthy "$dir" "$name" || pending+=("$name")
        done
        (( ${#pending[@]} == 0 )) && return 0
        if (( SECONDS >= deadline )); then
            echo "etcd.sh: not healthy after ${limit}s: ${pending[*]}" >&2
            for name in "${pending[@]}"; do echo "--- $name.log" >&2; tail -n 15 "$dir/$name.log" >&2; done
            return 1
        fi
        sleep 0.2
    done
}

members() { cat "$1/members"; }

cmd_start() {
    local dir=${1:-} n=3 base=23790 retention=1h quota="" metrics=basic specs=() layout=loopback
    [[ -n $dir ]] || usage
    shift
    local loopback_opts=0
    while (( $# )); do
        (( $# >= 2 )) || die "start: $1 needs a value"
        case $1 in
            --members) n=$2; loopback_opts=1; shift 2 ;;
            --port) base=$2; loopback_opts=1; shift 2 ;;
            --member) specs+=("$2"); layout=netns; shift 2 ;;
            --retention) retention=$2; shift 2 ;;
            --quota) quota=$2; shift 2 ;;
            --metrics) metrics=$2; shift 2 ;;
            *) die "start: unknown option '$1'" ;;
        esac
    done
    [[ $layout == loopback ]] || (( loopback_opts == 0 )) || die "start: --members/--port are for loopback members; --member gives each member's address"
    [[ $n =~ ^[1-9][0-9]?$ ]] || die "start: --members must be 1..99"
    [[ $base =~ ^[0-9]+$ ]] && (( base >= 1024 && base + 2 * n < 65536 )) || die "start: bad --port $base"
    [[ $retention =~ ^[0-9]+([smh]|ms)?$ ]] || die "start: bad --retention '$retention' (a duration: 30s, 5m, 1h)"
    [[ -z $quota || $quota =~ ^[0-9]+$ ]] || die "start: bad --quota '$quota' (bytes)"
    [[ $metrics == basic || $metrics == extensive ]] || die "start: bad --metrics '$metrics' (basic or extensive)"
    command -v "$ETCD" >/dev/null && command -v "$ETCDCTL" >/dev/null \
        || die "etcd/etcdctl not on PATH (scripts/deps.sh installs etcd-server and etcd-client)"
    [[ ! -e $dir ]] || die "start: $dir exists (stop the cluster there first, or pick another dir)"
    mkdir -p -m 0700 "$dir"

    local names=() nss=() addrs=() cports=() pports=() i spec
    if [[ $layout == netns ]]; then
        for spec in "${specs[@]}"; do
            [[ $spec =~ ^([a-z][a-z0-9]*)=([A-Za-z0-9._-]+)@([0-9.]+)$ ]] || die "start: bad --member '$spec' (NAME=NETNS@ADDR)"
            [[ -e /run/netns/${BASH_REMATCH[2]} ]] || die "start: no network namespace ${BASH_REMATCH[2]}"
            names+=("${BASH_REMATCH[1]}") nss+=("${BASH_REMATCH[2]}") addrs+=("${BASH_REMATCH[3]}") cports+=(2379) pports+=(2380)
        done
    else
        for (( i = 1; i <= n; i++ )); do
            names+=("e$i") nss+=("") addrs+=(127.0.0.1) cports+=($(( base + 2 * (i - 1) ))) pports+=($(( base + 2 * (i - 1) + 1 )))
        done
    fi
    local initial="" token
    token=tvd-$(basename "$dir")-$$
    for i in "${!names[@]}"; do
        initial+="${initial:+,}${names[i]}=http://${addrs[i]}:${pports[i]}"
    done
    printf '%s\n' "${names[@]}" >"$dir/members"
    for i in "${!names[@]}"; do
        local name=${names[i]} curl="http://${addrs[i]}:${cports[i]}" purl="http://${addrs[i]}:${pports[i]}"
        printf '%s\n' "${nss[i]}" >"$dir/$name.netns"
        printf '%s\n' "$curl" >"$dir/$name.url"
        {
            printf '%s\n' "$ETCD" --name "$name" --data-dir "$dir/$name.data" \
                --listen-peer-urls "$purl" --initial-advertise-peer-urls "$purl" \
                --listen-client-urls "$curl" --advertise-client-urls "$curl" \
                --initial-cluster "$initial" --initial-cluster-state new --initial-cluster-token "$token" \
                --auto-compaction-mode periodic --auto-compaction-retention "$retention" \
                --metrics "$metrics" --logger zap --log-outputs stderr
            [[ -z $quota ]] || printf '%s\n' --quota-backend-bytes "$quota"
        } >"$dir/$name.cmd"
        launch "$dir" "$name"
    done
    if ! wait_healthy "$dir" 30 "${names[@]}"; then
        cmd_stop "$dir" >/dev/null 2>&1 || true
        exit 1
    fi
    echo "etcd: ${#names[@]} members healthy: $(cmd_endpoints "$dir")"
}

# stop_member DIR NAME SIGNAL — signal the member, wait up to 3 s, then SIGKILL.
stop_member() {
    local dir=$1 name=$2 sig=$3 pid
    pid=$(cat "$dir/$name.pid" 2>/dev/null) || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill "-$sig" "$pid" 2>/dev/null || true
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    fi
    rm -f "$dir/$name.pid"
}

cmd_stop() {
    local dir=${1:-} name
    [[ -n $dir ]] || usage
    [[ -d $dir ]] || return 0
    [[ -f $dir/members ]] || die "stop: $dir is not an etcd.sh dir"
    for name in $(members "$dir"); do stop_member "$dir" "$name" TERM; done
    rm -rf "$dir"
    echo "etcd: stopped, $dir removed"
}

cmd_kill() {
    local dir=${1:-} name=${2:-}
    [[ -n $name && -f $dir/$name.cmd ]] || die "kill: no member '$name' in $dir"
    member_alive "$dir" "$name" || die "kill: member $name is not running"
    stop_member "$dir" "$name" KILL
    echo "etcd: member $name killed"
}

cmd_restart() {
    local dir=${1:-} name=${2:-}
    [[ -n $name && -f $dir/$name.cmd ]] || die "restart: no member '$name' in $dir"
    ! member_alive "$dir" "$name" || die "restart: member $name is running"
    launch "$dir" "$name"
    wait_healthy "$dir" 30 "$name" || exit 1
    echo "etcd: member $name restarted, healthy"
}

cmd_endpoints() {
    local dir=${1:-} name urls=""
    [[ -f $dir/members ]] || die "endpoints: $dir is not an etcd.sh dir"
    for name in $(members "$dir"); do urls+="${urls:+,}$(cat "$dir/$name.url")"; done
    printf '%s\n' "$urls"
}

cmd_health() {
    local dir=${1:-} name rc=0 out
    [[ -f $dir/members ]] || die "health: $dir is not an etcd.sh dir"
    for name in $(members "$dir"); do
        if out=$(run_in "$(cat "$dir/$name.netns")" timeout -k 1 3 "$ETCDCTL" --endpoints "$(cat "$dir/$name.url")" \
            --dial-timeout 1s --command-timeout 2s endpoint health 2>&1); then
            echo "$name: $out"
        else
            echo "$name: unhealthy: $(tail -n 1 <<<"$out")"; rc=1
        fi
    done
    return $rc
}

(( $# )) || usage
verb=$1; shift
case $verb in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    kill) cmd_kill "$@" ;;
    restart) cmd_restart "$@" ;;
    endpoints) cmd_endpoints "$@" ;;
    health) cmd_health "$@" ;;
    -h|--help|help) usage ;;
    *) die "unknown verb '$verb' (start stop kill restart endpoints health)" ;;
esac
