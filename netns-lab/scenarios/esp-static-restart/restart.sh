# shellcheck shell=bash
# esp-static-restart — what pretest and evaltest.sh share: h1's daemon started with a small reservation block (a
# test knob, so the stream crosses many background reservations), its sequence state, h2's view of SA 0x1101.
RESTART_BLOCK=4096

# start_h1 — runs h1's tvd-overlayd (log overlayd-h1, appended across restarts); returns when it answers.
start_h1() {
    lab_bg h1 overlayd-h1 env TVD_OVERLAYD_TEST_SEQUENCE_BLOCK=$RESTART_BLOCK "$OV_BIN/tvd-overlayd" --config "$(ov_config_file h1)"
    lab_wait_for h1 30 "$OV_BIN/tvdctl" status --socket "$(ov_socket h1)" \
        || { tail -n 20 "$(lab_log_of overlayd-h1)" >&2; return 1; }
}

# h1_mark — the reserved mark in h1's state file of SA 0x1101 ("none" without one).
h1_mark() {
    local f
    for f in "$LAB_DIR"/h1/state/esp-sequence/esp-seq-00001101-*; do
        [[ -f $f ]] && { sed -n 's/^reserved //p' "$f"; return 0; }
    done
    echo none
}

# h2_in N — SA 0x1101's packets opened by h2 (N: which field, default packets).
h2_in() { ov_q h2 ".dataplane.sas[] | select(.spi==\"0x00001101\" and .direction==\"in\") | .${1:-packets}"; }
