# shellcheck shell=bash
# netns-lab/lib/checks.sh — what evaltest.sh scripts share: checks that print "ok: ..." or "FAIL: ..."
# (a FAIL sets fail=1; the script ends with `exit "$fail"`), and a TCP transfer between two nodes.
# Source it: source "$LAB_LIB_DIR/checks.sh"
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

# check DESCRIPTION EXPECTED ACTUAL
check() { if [[ $2 == "$3" ]]; then ok "$1 ($3)"; else bad "$1: expected '$2', got '$3'"; fi; }

# positive DESCRIPTION VALUE — a whole number above 0
positive() { if [[ $2 =~ ^[1-9][0-9]*$ ]]; then ok "$1 ($2)"; else bad "$1: expected > 0, got '$2'"; fi; }

# at_least DESCRIPTION MIN VALUE
at_least() { if [[ $3 =~ ^[0-9]+$ ]] && (( $3 >= $2 )); then ok "$1 ($3 >= $2)"; else bad "$1: expected >= $2, got '$3'"; fi; }

# lab_tcp_transfer RECEIVER SENDER ADDR PORT IN OUT — SENDER sends file IN over TCP to ADDR:PORT, where
# RECEIVER writes what arrives to OUT (bounded: 60 s each side).
lab_tcp_transfer() {
    local receiver=$1 sender=$2 addr=$3 port=$4 in=$5 out=$6 pid
    lab_exec "$receiver" timeout 60 python3 "$LAB_LIB_DIR/xfer.py" recv "$port" "$out" &
    pid=$!
    lab_wait_for "$receiver" 10 sh -c "ss -ltn | grep -q ':$port '"
    lab_exec "$sender" timeout 60 python3 "$LAB_LIB_DIR/xfer.py" send "$addr" "$port" "$in"
    wait "$pid"
}
