# shellcheck shell=bash source-path=SCRIPTDIR
# netns-lab/lib/lab.sh — a lab of hosts and guests built from network namespaces.
#
# Source this file, then:   lab_init; lab_add_host h1; lab_add_guest h1 h1red 192.168.101.11/24
#
#   ┌──────────────────────── namespace ${P}ul (the underlay) ───────────────────────┐
#   │                              bridge ${P}br                                       │
#   │              port ${P}h1 ──────┘    └────── port ${P}h2                          │
#   └──────────────────│──────────────────────────────────│───────────────────────────┘
#                 veth │                                   │ veth
#   ┌─ namespace ${P}h1 (host) ───────┐   ┌─ namespace ${P}h2 (host) ───────┐
#   │ ${P}ul 10.200.0.1/24            │   │ ${P}ul 10.200.0.2/24            │
#   │ ${P}h1red (guest port, up,      │   │ ${P}h2red ...                   │
#   │            no address)          │   │                                 │
#   └──────│──────────────────────────┘   └─────────────────────────────────┘
#     veth │
#   ┌─ namespace ${P}h1red (guest) ───┐
#   │ ${P}eth 192.168.101.11/24       │
#   └─────────────────────────────────┘
#
# Naming: every namespace, link and temp dir starts with the lab prefix P, "tl" + three
# random [a-z0-9] + "-" (e.g. "tl4k9-"), or $LAB_PREFIX. Interface names must fit in
# IFNAMSIZ (15 characters), so a node name has at most 15 - ${#P} characters (9 for the
# default prefix). Every link is created directly inside lab namespaces, never in the root
# namespace, so deleting the namespaces removes every link.
#
# State lives in $LAB_DIR (${LAB_TMPDIR:-/tmp}/${P}lab): nodes/ (one key=value file per
# node), logs/ (output of lab_bg processes), pids/ (their pid files), owner (pid and start
# time of the process that owns the lab; a lab whose owner is gone is stale).
#
# Namespaces are entered with `nsenter --net=/run/netns/NS`, not `ip netns exec`, because
# the latter remounts /sys and hides /sys/fs/bpf (pinned XDP maps).

[[ -n ${_LAB_SH_LOADED:-} ]] && return 0
_LAB_SH_LOADED=1

LAB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_ROOT=$(cd "$LAB_LIB_DIR/.." && pwd)
LAB_BASE=tl                                  # base of generated prefixes; see lab_cleanup_stale
LAB_PREFIX_RE='^tl[0-9a-z]{3}-$'             # what a generated prefix looks like
LAB_TMPDIR=${LAB_TMPDIR:-/tmp}
LAB_UNDERLAY_NET=${LAB_UNDERLAY_NET:-10.200.0}   # hosts get .1, .2, ... in the order added
# shellcheck disable=SC2034
LAB_UNDERLAY_LEN=24                          # used by topology.sh
LAB_IPV6=${LAB_IPV6:-0}                      # 0: IPv6 off in lab namespaces (quiet captures)
LAB_STOP_GRACE=${LAB_STOP_GRACE:-3}          # seconds between SIGTERM and SIGKILL

export LAB_ROOT LAB_LIB_DIR

lab_log() { printf '[lab] %s\n' "$*" >&2; }
lab_die() { printf '[lab] error: %s\n' "$*" >&2; return 1; }

# Monotonic-enough clock in milliseconds, for bounded polling loops.
_lab_now_ms() { local t=${EPOCHREALTIME/./}; printf '%s\n' $(( t / 1000 )); }

# "1.5" -> 1500; rejects anything that is not a non-negative decimal number.
_lab_secs_to_ms() {
    local s=$1 i f
    [[ $s =~ ^[0-9]+(\.[0-9]+)?$ ]] || { lab_die "not a number of seconds: '$s'"; return 1; }
    i=${s%%.*}; f=0
    [[ $s == *.* ]] && f=${s#*.}
    f=${f}000
    printf '%d\n' $(( 10#$i * 1000 + 10#${f:0:3} ))
}

_lab_require_root() {
    [[ $(id -u) -eq 0 ]] || lab_die "must run as root (network namespaces need CAP_SYS_ADMIN)"
}

_lab_require_lab() {
    [[ -n ${LAB_PREFIX:-} && -n ${LAB_DIR:-} && -d ${LAB_DIR:-/nonexistent} ]] \
        || lab_die "no lab: call lab_init (or lab_attach with LAB_PREFIX and LAB_DIR set)"
}

# "pid starttime" of a process; the start time guards against pid reuse.
_lab_proc_identity() {
    local pid=$1 stat f
    { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }                        # comm may contain spaces; fields follow ") "
    read -r -a f <<<"$stat"
    printf '%s %s\n' "$pid" "${f[19]}"       # field 22 overall = index 19 after comm
}

_lab_check_prefix() {
    local p=$1
    [[ $p =~ ^[a-z][a-z0-9]{0,6}-$ ]] \
        || lab_die "bad lab prefix '$p': 1-7 of [a-z0-9] starting with a letter, then '-'"
}

# Does anything (namespace, root-namespace link, state dir) carry this prefix?
_lab_prefix_in_use() {
    local p=$1
    ip netns list 2>/dev/null | awk '{print $1}' | grep -q -F -- "$p" && return 0
    ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | grep -q "^${p}" && return 0
    [[ -e $LAB_TMPDIR/${p}lab ]]
}

_lab_random_id() {
    local id
    id=$(LC_ALL=C tr -dc 'a-z0-9' </dev/urandom | head -c 3) || true
    printf '%s\n' "$id"
}

# lab_init — create the lab: prefix, state dir, underlay namespace with its bridge.
# Installs EXIT/INT/TERM traps that tear the lab down unless LAB_TRAP=0 (the run script
# installs its own).
lab_init() {
    _lab_require_root || return 1
    local t
    for t in ip nsenter setsid timeout; do
        command -v "$t" >/dev/null || { lab_die "missing tool: $t"; return 1; }
    done
    if [[ -n ${LAB_PREFIX:-} ]]; then
        _lab_check_prefix "$LAB_PREFIX" || return 1
        if _lab_prefix_in_use "$LAB_PREFIX"; then
            if _lab_owner_alive "$LAB_TMPDIR/${LAB_PREFIX}lab"; then
                lab_die "lab prefix $LAB_PREFIX is in use by a running lab"; return 1
            fi
            lab_log "removing leftovers of an earlier lab with prefix $LAB_PREFIX"
            _lab_remove_prefix "$LAB_PREFIX"
        fi
        mkdir -m 0700 "$LAB_TMPDIR/${LAB_PREFIX}lab" || return 1
    else
        local p
        for _ in $(seq 1 50); do
            p=$LAB_BASE$(_lab_random_id)-
            [[ $p =~ $LAB_PREFIX_RE ]] || continue
            _lab_prefix_in_use "$p" && continue
            mkdir -m 0700 "$LAB_TMPDIR/${p}lab" 2>/dev/null && { LAB_PREFIX=$p; break; }
        done
        [[ -n ${LAB_PREFIX:-} ]] || { lab_die "could not pick a free lab prefix"; return 1; }
    fi
    LAB_DIR=$LAB_TMPDIR/${LAB_PREFIX}lab
    export LAB_PREFIX LAB_DIR
    mkdir -p "$LAB_DIR/nodes" "$LAB_DIR/logs" "$LAB_DIR/pids" "$LAB_DIR/tmp"
    : >"$LAB_DIR/.netns-lab"
    _lab_proc_identity "$BASHPID" >"$LAB_DIR/owner.new" && mv "$LAB_DIR/owner.new" "$LAB_DIR/owner"
    if [[ ${LAB_TRAP:-1} != 0 ]]; then
        trap 'lab_teardown' EXIT
        trap 'lab_teardown; exit 130' INT
        trap 'lab_teardown; exit 143' TERM
    fi
    _lab_add_ns ul underlay || return 1
    ip -n "${LAB_PREFIX}ul" link add "${LAB_PREFIX}br" type bridge forward_delay 0 stp_state 0 \
        && ip -n "${LAB_PREFIX}ul" link set "${LAB_PREFIX}br" up \
        && _lab_meta_set ul bridge "${LAB_PREFIX}br"
}

# lab_attach — use the lab named by $LAB_PREFIX/$LAB_DIR from a child script (pretest,
# posttest, evaltest.sh, checks). Installs no traps: the owner tears the lab down.
lab_attach() {
    _lab_require_lab || return 1
    [[ -f $LAB_DIR/.netns-lab ]] || lab_die "$LAB_DIR is not a lab state dir"
}

# ---- node metadata ($LAB_DIR/nodes/NODE, key=value lines) --------------------------------

_lab_meta_set() { printf '%s=%s\n' "$2" "$3" >>"$LAB_DIR/nodes/$1"; }

# lab_node_get NODE KEY — print a node's attribute (kind, ns, addr, host, port, if, ...).
lab_node_get() {
    local node=$1 key=$2 line
    [[ -f $LAB_DIR/nodes/$node ]] || { lab_die "unknown node '$node'"; return 1; }
    line=$(grep -m1 "^$key=" "$LAB_DIR/nodes/$node") || { lab_die "node '$node' has no '$key'"; return 1; }
    printf '%s\n' "${line#*=}"
}

# lab_nodes [KIND] — list node names (optionally only hosts, guests or underlay).
lab_nodes() {
    local f
    for f in "$LAB_DIR"/nodes/*; do
        [[ -f $f ]] || continue
        [[ -z ${1:-} ]] || grep -qx "kind=$1" "$f" || continue
        printf '%s\n' "${f##*/}"
    done
}

lab_ns()          { lab_node_get "$1" ns; }          # namespace of a node
lab_ul_addr()     { lab_node_get "$1" addr; }        # a host's underlay address
lab_ul_if()       { printf '%s\n' "${LAB_PREFIX}ul"; }   # underlay link inside every host
lab_port()        { lab_node_get "$1" port; }        # host-side link of a guest
lab_guest_if()    { printf '%s\n' "${LAB_PREFIX}eth"; }  # the link inside every guest
lab_guests_of()   { local g; for g in $(lab_nodes guest); do
                        [[ $(lab_node_get "$g" host) == "$1" ]] && printf '%s\n' "$g"; done; }

# ---- running commands in nodes ------------------------------------------------------------

# lab_exec NODE CMD... — run CMD in NODE's network namespace (root mount namespace kept).
lab_exec() {
    local node=$1 ns; shift
    ns=$(lab_ns "$node") || return 1
    nsenter --net="/run/netns/$ns" -- "$@"
}

# lab_bg [--own-run] NODE NAME CMD... — start CMD in NODE as a background daemon in its
# own session. Output goes to $LAB_DIR/logs/NAME.log, the pid to $LAB_DIR/pids/NAME.pid.
# Teardown (or lab_stop NAME) sends SIGTERM to its process group, then SIGKILL after
# LAB_STOP_GRACE s. --own-run gives it a private mount namespace whose /run is the dir
# $LAB_DIR/run/NAME (lab_run_dir NAME), for daemons with fixed paths under /run (charon's
# pid file and vici socket, swtpm's): hosts then do not collide and the root /run stays
# untouched; /sys (and /sys/fs/bpf) stay shared.
lab_bg() {
    local own_run=0 node name ns pidf deadline wrap=()
    [[ ${1:-} == --own-run ]] && { own_run=1; shift; }
    node=${1:-} name=${2:-}; shift 2 || { lab_die "usage: lab_bg [--own-run] NODE NAME CMD..."; return 1; }
    [[ $name =~ ^[A-Za-z0-9._-]+$ ]] || { lab_die "bad process name '$name'"; return 1; }
    (( $# > 0 )) || { lab_die "lab_bg $node $name: no command"; return 1; }
    ns=$(lab_ns "$node") || return 1
    pidf=$LAB_DIR/pids/$name.pid
    [[ ! -e $pidf ]] || { lab_die "a process named '$name' is already running"; return 1; }
    if (( own_run )); then
        mkdir -p "$LAB_DIR/run/$name"
        # shellcheck disable=SC2016  # expanded by the child
        wrap=(unshare --mount --propagation private
              sh -c 'mount --bind "$0" /run && exec "$@"' "$LAB_DIR/run/$name")
    fi
    # The child writes its own pid before exec, so the pid file is right even when the
    # caller has job control on (setsid would fork then).
    # shellcheck disable=SC2016  # expanded by the child
    setsid bash -c 'echo "$$" >"$1.tmp" && mv "$1.tmp" "$1"; shift; exec "$@"' _ \
        "$pidf" nsenter --net="/run/netns/$ns" -- "${wrap[@]}" "$@" \
        </dev/null >>"$LAB_DIR/logs/$name.log" 2>&1 &
    deadline=$(( $(_lab_now_ms) + 2000 ))
    until [[ -s $pidf ]]; do
        (( $(_lab_now_ms) < deadline )) || { lab_die "lab_bg $name: no pid file"; return 1; }
        sleep 0.01
    done
    printf '%s\n' "$node" >"$LAB_DIR/pids/$name.node"
}

# lab_run_dir NAME — what a `lab_bg --own-run` daemon sees as /run.
lab_run_dir() { printf '%s\n' "$LAB_DIR/run/$1"; }

# lab_pid NAME — pid of a lab_bg process (fails if it is not running).
lab_pid() {
    local pid
    pid=$(cat "$LAB_DIR/pids/$1.pid" 2>/dev/null) || { lab_die "no process named '$1'"; return 1; }
    _lab_alive "$pid" || { lab_die "process '$1' ($pid) is not running"; return 1; }
    printf '%s\n' "$pid"
}

# lab_stop NAME — stop a lab_bg process (SIGTERM to its group, SIGKILL after the grace).
lab_stop() {
    local pidf=$LAB_DIR/pids/$1.pid pid
    pid=$(cat "$pidf" 2>/dev/null) || { lab_die "no process named '$1'"; return 1; }
    _lab_kill_groups "$pid"
    rm -f "$pidf" "$LAB_DIR/pids/$1.node"
}

# lab_log_of NAME — path of a lab_bg process's log.
lab_log_of() { printf '%s\n' "$LAB_DIR/logs/$1.log"; }

# lab_wait_for NODE TIMEOUT_S CMD... — poll CMD in NODE every 0.1 s until it succeeds;
# fail after TIMEOUT_S seconds (fractions allowed). Each attempt is itself bounded.
lab_wait_for() {
    local node=$1 limit=$2 deadline left; shift 2
    deadline=$(_lab_secs_to_ms "$limit") || return 1
    deadline=$(( $(_lab_now_ms) + deadline ))
    while :; do
        left=$(( deadline - $(_lab_now_ms) ))
        (( left > 0 )) || break
        timeout -k 1 "$(( (left + 999) / 1000 ))" nsenter --net="/run/netns/$(lab_ns "$node")" \
            -- "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    lab_die "timed out after ${limit}s waiting in $node for: $*"
}

# shellcheck source=topology.sh
source "$LAB_LIB_DIR/topology.sh"
# shellcheck source=cleanup.sh
source "$LAB_LIB_DIR/cleanup.sh"
