# shellcheck shell=bash
# ike-failures — what pretest and evaltest.sh share: each host's whole overlayd.toml, written again for each case.

IF_RETRY=2   # [ike] retry_interval: h1 tries again every 2 s, so the rate limit is seen to hold back repeats
OV_POLICY=$LAB_DIR/policy.toml   # written by pretest (ov_policy)

# if_config HOST PEER PSK [PROPOSALS] — HOST's overlayd.toml: data plane on its underlay address, one IKE peer
# with PSK, fast retransmits (0.3 s, 2 tries: a dead peer is given up in about 1.5 s), IKE PROPOSALS (default ours),
# metrics on the namespace's own loopback (each host is a namespace: the same port on each).
if_config() {
    ov_config "$1" no-key-export
    ov_peer "$1" "$2"
    cat >>"$(ov_config_file "$1")" <<TOML

[metrics]
listen = "127.0.0.1:9469"

[ike]
proposals = "${4:-aes256gcm16-prfsha384-x25519}"
dpd_interval = 0
retransmit_timeout = 300
retransmit_tries = 2
retry_interval = $IF_RETRY

[[ike.peer]]
name = "$2"
psk = "$3"
TOML
}

# if_stop HOST — SIGTERM to HOST's daemon; returns when it is gone (at most 10 s).
if_stop() {
    local pid
    pid=$(lab_pid "overlayd-$1")
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$pid" 2>/dev/null || { echo "overlayd-$1 did not stop within 10 s"; return 1; }
    rm -f "$LAB_DIR/pids/overlayd-$1.pid" "$LAB_DIR/pids/overlayd-$1.node"
}

# if_failures HOST REASON — HOST's count of IKE failures of REASON (tvdctl status --json .ike.failures).
if_failures() { ov_q "$1" ".ike.failures.$2 // 0"; }

# if_metric HOST REASON — HOST's tvd_ike_failures_total{reason=REASON} as its metrics endpoint serves it.
if_metric() {
    lab_exec "$1" curl -fsS -m 3 http://127.0.0.1:9469/metrics \
        | awk -v r="reason=\"$2\"" '/^tvd_ike_failures_total\{/ && index($0, r) {print $NF}'
}

# if_lines HOST TEXT — how many lines of HOST's daemon log contain TEXT.
if_lines() { grep -cF -- "$2" "$(lab_log_of "overlayd-$1")" || true; }
