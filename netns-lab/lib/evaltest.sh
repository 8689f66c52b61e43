# shellcheck shell=bash
# netns-lab/lib/evaltest.sh — the checks of a scenario, in strongSwan's testing/ format.
#
# An evaltest line is   NODE::COMMAND::REGEX::YES|NO
#   NODE     a lab node (host, guest, or "ul" for the underlay namespace)
#   COMMAND  bash, run in NODE's network namespace with the lab library loaded
#            (so $LAB_PREFIX, $(lab_ul_addr h2), $(lab_guest_if) ... work); may contain "::"
#   REGEX    extended regex (grep -E) over stdout+stderr; must not contain "::" (write :{2})
#   YES|NO   YES: the output must match; NO: it must not
# Blank lines and lines starting with # are ignored. The command's exit status is not
# looked at (as in strongSwan): say what the output must show. Every check is bounded by
# CHECK_TIMEOUT seconds; a check that times out fails whatever its expectation.
# Sourced by the run script after lab.sh.

CHECK_TIMEOUT=${CHECK_TIMEOUT:-10}
_LAB_CHILD=""            # the step or check running now; killed if the run is interrupted
_LAB_STEP_OUT=""         # output file of the step running now (shown if interrupted)
_LAB_STEP_NAME=""

# lab_parse_check LINE — split a check line into _CK_NODE _CK_CMD _CK_RE _CK_EXPECT.
lab_parse_check() {
    local rest
    [[ $1 == *::*::*::* ]] || return 1
    _CK_NODE=${1%%::*}; rest=${1#*::}
    _CK_EXPECT=${rest##*::}; rest=${rest%::*}
    _CK_RE=${rest##*::}; _CK_CMD=${rest%::*}
    [[ -n $_CK_NODE && -n $_CK_CMD && -n $_CK_RE && $_CK_EXPECT =~ ^(YES|NO)$ ]]
}

# _lab_spawn_wait OUT CMD... — run CMD in the background with output to OUT and wait for
# it, so that a signal trap in this shell runs at once (bash defers traps during a
# foreground child) and can kill it through $_LAB_CHILD.
_lab_spawn_wait() {
    local out=$1 rc; shift
    "$@" >"$out" 2>&1 </dev/null &
    _LAB_CHILD=$!
    wait "$_LAB_CHILD"; rc=$?
    _LAB_CHILD=""
    return "$rc"
}

# _lab_excerpt FILE [LINES] — the first lines of FILE, indented, long lines cut.
_lab_excerpt() {
    local n=${2:-8} total
    total=$(wc -l <"$1")
    head -n "$n" "$1" | cut -c1-160 | sed 's/^/        | /'
    (( total <= n )) || echo "        | ... ($(( total - n )) more lines)"
}

# lab_run_check N NODE COMMAND REGEX YES|NO — run one check, print "ok"/"FAIL" with the
# output on failure. Returns 0 if the check holds.
lab_run_check() {
    local n=$1 node=$2 cmd=$3 re=$4 expect=$5 ns out rc matched why=""
    local label="$node::$cmd::$re::$expect"
    out=$LAB_DIR/tmp/check.out
    if ! ns=$(lab_ns "$node" 2>/dev/null); then
        printf '  FAIL %2d  %s\n        (no node "%s" in this lab)\n' "$n" "$label" "$node"
        return 1
    fi
    # shellcheck disable=SC2016  # expanded by the child
    _lab_spawn_wait "$out" timeout -k 2 "$CHECK_TIMEOUT" nsenter --net="/run/netns/$ns" -- \
        bash -c 'source "$LAB_LIB_DIR/lab.sh" && lab_attach || exit 97; eval "$1"' check "$cmd"
    rc=$?
    if (( rc == 124 || rc == 137 )); then
        why="timed out after ${CHECK_TIMEOUT}s"
    else
        grep -qE -- "$re" "$out" 2>/dev/null; matched=$?
        if (( matched == 2 )); then why="bad regex"
        elif [[ $expect == YES ]] && (( matched != 0 )); then why="output does not match"
        elif [[ $expect == NO ]] && (( matched == 0 )); then why="output matches"
        fi
    fi
    if [[ -z $why ]]; then
        printf '  ok   %2d  %s\n' "$n" "$label"
        return 0
    fi
    printf '  FAIL %2d  %s\n        (%s; exit %d; output:)\n' "$n" "$label" "$why" "$rc"
    if [[ -s $out ]]; then _lab_excerpt "$out"; else echo "        | (no output)"; fi
    return 1
}

# lab_run_step NAME TIMEOUT_S FILE — source FILE (pretest, posttest, evaltest.sh) in a child
# bash under `set -eo pipefail` with the lab attached; print its output indented.
lab_run_step() {
    local name=$1 limit=$2 file=$3 out rc
    out=$LAB_DIR/tmp/$name.out
    _LAB_STEP_OUT=$out _LAB_STEP_NAME=$name
    # shellcheck disable=SC2016  # expanded by the child
    _lab_spawn_wait "$out" timeout -k 2 "$limit" bash -c \
        'set -eo pipefail; source "$LAB_LIB_DIR/lab.sh"; lab_attach; source "$1"' "$name" "$file"
    rc=$?
    _LAB_STEP_OUT=""
    sed "s/^/  $name| /" "$out"
    (( rc != 124 && rc != 137 )) || echo "  $name| (timed out after ${limit}s)"
    return "$rc"
}
