# shellcheck shell=bash
# netns-lab/lib/cleanup.sh — teardown, leftover checks and removal of stale labs.
# Sourced by lab.sh. Removal is by prefix, not by what this shell remembers creating, so
# it also removes what a crashed run left behind: processes first (a namespace held by a
# process survives `ip netns del` with its links), then namespaces, then the state dir.

_LAB_REMOVED_INODES=()   # net namespace inodes removed by the last _lab_remove_prefix
_LAB_REMOVED_PIDS=()     # processes it stopped

# Alive and not a zombie (a killed child of this shell stays a zombie until reaped).
_lab_alive() {
    local st
    { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
    st=${st##*) }
    [[ ${st:0:1} != Z ]]
}

# _lab_kill_groups PID... — SIGTERM each process group (lab_bg uses setsid, so the group
# is the daemon and its children), wait up to LAB_STOP_GRACE s, then SIGKILL.
_lab_kill_groups() {
    local pid deadline left
    for pid in "$@"; do
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    deadline=$(( $(_lab_now_ms) + $(_lab_secs_to_ms "$LAB_STOP_GRACE") ))
    while (( $(_lab_now_ms) < deadline )); do
        left=0
        for pid in "$@"; do _lab_alive "$pid" && left=1; done
        (( left )) || return 0
        sleep 0.05
    done
    for pid in "$@"; do
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    done
}

_lab_namespaces_of() { ip netns list 2>/dev/null | awk '{print $1}' | grep "^$1" || true; }
_lab_root_links_of() {
    ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^$1" || true
}

# _lab_remove_prefix PREFIX — remove every process, namespace, link and dir of a lab.
_lab_remove_prefix() {
    local p=$1 dir=$LAB_TMPDIR/${1}lab f pid ns link deadline recorded=() inside=()
    _LAB_REMOVED_INODES=() _LAB_REMOVED_PIDS=()
    [[ -n $p ]] || return 0
    # 1. Processes started with lab_bg, gracefully; only if still inside one of our
    #    namespaces (a recycled pid belongs to someone else).
    for f in "$dir"/pids/*.pid; do
        [[ -f $f ]] || continue
        { read -r pid <"$f"; } 2>/dev/null || continue
        [[ $pid =~ ^[0-9]+$ ]] || continue
        [[ $(ip netns identify "$pid" 2>/dev/null) == "$p"* ]] && recorded+=("$pid")
    done
    (( ${#recorded[@]} == 0 )) || _lab_kill_groups "${recorded[@]}"
    # 2. Anything else still running inside the lab's namespaces (checks, children).
    for ns in $(_lab_namespaces_of "$p"); do
        _LAB_REMOVED_INODES+=("$(stat -L -c %i "/run/netns/$ns" 2>/dev/null)")
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null && inside+=("$pid")
        done
    done
    _LAB_REMOVED_PIDS=("${recorded[@]}" "${inside[@]}")
    deadline=$(( $(_lab_now_ms) + 2000 ))
    for pid in "${inside[@]}"; do
        while _lab_alive "$pid" && (( $(_lab_now_ms) < deadline )); do sleep 0.02; done
    done
    # 3. Namespaces (their links go with them), then any stray link in the root namespace.
    for ns in $(_lab_namespaces_of "$p"); do
        ip netns del "$ns" 2>/dev/null || lab_log "cannot delete namespace $ns"
    done
    for link in $(_lab_root_links_of "$p"); do
        ip link del "$link" 2>/dev/null || lab_log "cannot delete link $link"
    done
    # 4. State dir, only if it is really a lab's.
    [[ -f $dir/.netns-lab ]] && rm -rf -- "$dir"
    return 0
}

# lab_teardown — remove the current lab entirely. Idempotent; safe in traps.
lab_teardown() {
    [[ -n ${LAB_PREFIX:-} ]] || return 0
    [[ -z ${_LAB_TEARING:-} ]] || return 0
    _LAB_TEARING=1
    _lab_remove_prefix "$LAB_PREFIX" || true
    unset _LAB_TEARING
    return 0
}

# lab_leftovers PREFIX — print whatever of lab PREFIX still exists; 1 if anything does.
# Call after teardown in the same shell: it also looks for processes still inside the
# namespaces (by inode) that teardown removed.
lab_leftovers() {
    local p=$1 found=0 x line ino pid inodes
    for x in $(_lab_namespaces_of "$p"); do echo "namespace $x"; found=1; done
    for x in $(_lab_root_links_of "$p"); do echo "link $x (root namespace)"; found=1; done
    [[ ! -e $LAB_TMPDIR/${p}lab ]] || { echo "directory $LAB_TMPDIR/${p}lab"; found=1; }
    for pid in $(printf '%s\n' "${_LAB_REMOVED_PIDS[@]}" | sort -u); do
        _lab_alive "$pid" || continue
        # Reported below with more detail if it still sits in a removed namespace.
        [[ " ${_LAB_REMOVED_INODES[*]} " == *" $(stat -L -c %i "/proc/$pid/ns/net" 2>/dev/null) "* ]] && continue
        echo "process $pid"; found=1
    done
    if (( ${#_LAB_REMOVED_INODES[@]} > 0 )); then
        inodes=" ${_LAB_REMOVED_INODES[*]} "
        while read -r ino line; do
            [[ $inodes == *" $ino "* ]] || continue
            pid=${line#/proc/}; pid=${pid%%/*}
            echo "process $pid in a removed lab namespace"; found=1
        done < <(stat -L -c '%i %n' /proc/[0-9]*/ns/net 2>/dev/null)
    fi
    return $(( found ))
}

# _lab_owner_alive DIR — does the process recorded in DIR/owner still run?
_lab_owner_alive() {
    local dir=$1 owner now age
    if [[ ! -f $dir/owner ]]; then
        # lab_init writes the owner right after mkdir: a young dir without one is a lab
        # being born, an old one is a crash.
        [[ -d $dir ]] || return 1
        now=$(date +%s); age=$(( now - $(stat -c %Y "$dir") ))
        (( age < 30 ))
        return
    fi
    { read -r owner <"$dir/owner"; } 2>/dev/null || return 1
    [[ $(_lab_proc_identity "${owner%% *}" 2>/dev/null) == "$owner" ]]
}

# lab_cleanup_stale [--force] — remove labs with a generated prefix (tlXXX-) whose owner
# process is gone (crashed runs). With --force, remove every such lab, live or not.
# With LAB_PREFIX set, consider only that prefix. Prints one line per lab removed.
lab_cleanup_stale() {
    local force=0 p prefixes removed=0
    [[ ${1:-} == --force ]] && force=1
    if [[ -n ${LAB_PREFIX:-} ]]; then
        prefixes=$LAB_PREFIX
    else
        prefixes=$( { ip netns list 2>/dev/null | awk '{print $1}'
                      _lab_root_links_of "$LAB_BASE"
                      for p in "$LAB_TMPDIR"/"$LAB_BASE"???-lab; do
                          [[ -f $p/.netns-lab ]] && basename "$p"
                      done
                    } | grep -oE "^${LAB_BASE}[0-9a-z]{3}-" | sort -u)
    fi
    for p in $prefixes; do
        if (( ! force )) && _lab_owner_alive "$LAB_TMPDIR/${p}lab"; then
            continue
        fi
        lab_log "removing $( (( force )) && echo lab || echo 'stale lab') $p"
        _lab_remove_prefix "$p"
        removed=$(( removed + 1 ))
    done
    (( removed == 0 )) || lab_log "removed $removed lab(s)"
    return 0
}
