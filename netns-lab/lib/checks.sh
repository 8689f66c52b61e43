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

# _lab_tcp_pair RECEIVER SENDER PORT SCRIPT RECV_OUT SEND_OUT RECV_ARGS SEND_ARGS — RECEIVER listens on PORT
# with `SCRIPT recv PORT RECV_ARGS`, then SENDER runs `SCRIPT send SEND_ARGS`; each side's stdout goes to
# its *_OUT file, each side is bounded to 60 s. The argument lists are split on spaces.
_lab_tcp_pair() {
    local receiver=$1 sender=$2 port=$3 script=$LAB_LIB_DIR/$4 pid
    # shellcheck disable=SC2086  # argument lists split on purpose
    lab_exec "$receiver" timeout 60 python3 "$script" recv "$port" $7 >"$5" &
    pid=$!
    lab_wait_for "$receiver" 10 sh -c "ss -ltn | grep -q ':$port '"
    # shellcheck disable=SC2086
    lab_exec "$sender" timeout 60 python3 "$script" send $8 >"$6"
    wait "$pid"
}

# lab_tcp_transfer RECEIVER SENDER ADDR PORT IN OUT — SENDER sends file IN over TCP to ADDR:PORT, where
# RECEIVER writes what arrives to OUT (bounded: 60 s each side). Paths without spaces.
lab_tcp_transfer() { _lab_tcp_pair "$1" "$2" "$4" xfer.py /dev/null /dev/null "$6" "$3 $4 $5"; }

# lab_tcp_stream RECEIVER SENDER ADDR PORT SECONDS OUT — SENDER streams to ADDR:PORT for SECONDS as fast as
# TCP goes; OUT.send and OUT.recv each get "BYTES SHA256" of what that side sent or received.
lab_tcp_stream() { _lab_tcp_pair "$1" "$2" "$4" stream.py "$6.recv" "$6.send" "" "$3 $4 $5"; }
