# shellcheck shell=bash
# attested-ike helpers: the policy (red requires known-good, green nothing), the reference values, the [ike]
# tables, AK pins read off the daemons, stopping a daemon, and charon (moon) with a red and a green child.
AT_PSK=attested-ike-lab-psk-0123456789
AT_REFERENCE=$LAB_DIR/reference.txt
AT_MAX_AGE=15        # s: short, so staleness is found within the scenario's time
AT_UNKNOWN=$LAB_DIR/tools/unknown-tool
OV_POLICY=$LAB_DIR/policy.toml

# at_policy VERSION PIN1 PIN2 PIN3 — the lab policy: TVDs red (vlan 101, requires known-good) and green (103,
# none); guests red1-3, green1-3; hosts h1-h3 and moon; known-good pins each host's AK and reads AT_REFERENCE.
at_policy() {
    local version=$1 replaces=""
    (( version > 1 )) && replaces="replaces = $(( version - 1 ))"
    cat >"$OV_POLICY" <<TOML
[policy]
name = "attested-lab"
version = $version
$replaces

[[tvd]]
name = "red"
vlan = 101
label = "tvd:red"
attestation = "known-good"

[[tvd]]
name = "green"
vlan = 103
label = "tvd:green"

[[attestation]]
name = "known-good"
pcrs = "sha256:13"
reference_values = "$AT_REFERENCE"
max_age = $AT_MAX_AGE
software_tpm = true          # the lab's hosts have swtpm: no hardware root of trust (docs/protocol.md)
ak_pins = { h1 = "$2", h2 = "$3", h3 = "$4" }
TOML
    local i
    for i in 1 2 3; do
        printf '\n[[guest]]\nname = "red%s"\ntypes = ["red"]\nnetworks = ["red-net"]\n' "$i" >>"$OV_POLICY"
        printf '\n[[guest]]\nname = "green%s"\ntypes = ["green"]\nnetworks = ["green-net"]\n' "$i" >>"$OV_POLICY"
    done
    printf '\n[[network]]\nname = "red-net"\ntvd = "red"\n\n[[network]]\nname = "green-net"\ntvd = "green"\n' >>"$OV_POLICY"
    for i in h1 h2 h3 moon; do printf '\n[[host]]\nname = "%s"\ntypes = ["*"]\n' "$i" >>"$OV_POLICY"; done
}

# at_reference — what a known-good host of this lab runs from: the daemon's binary and assembly, its config,
# the policy (the daemon measures exactly these at start, docs/attestation.md).
at_reference() {
    {
        echo "# attested-ike lab: the daemon, the hosts' configs, the policy"
        sha256sum "$OV_BIN/tvd-overlayd" "$OV_BIN/tvd-overlayd.dll" "$(ov_config_file h1)" "$(ov_config_file h2)" "$(ov_config_file h3)" "$OV_POLICY"
    } >"$AT_REFERENCE"
}

# at_ike_config HOST PEER:INITIATE... — HOST's [ike] with one [[ike.peer]] per PEER (yes|no|auto); moon is
# a standard IPsec peer (inner mode ip).
at_ike_config() {
    local h=$1 p; shift
    cat >>"$(ov_config_file "$h")" <<TOML

[ike]
dpd_interval = 2
retransmit_timeout = 500
retransmit_tries = 2
retry_interval = 3
TOML
    for p in "$@"; do
        printf '\n[[ike.peer]]\nname = "%s"\ninitiate = "%s"\n' "${p%%:*}" "${p#*:}" >>"$(ov_config_file "$h")"
        # Each pair its own key; moon's is the one charon holds (SW_PSK).
        if [[ ${p%%:*} == moon ]]; then
            printf 'psk = "%s"\n' "$AT_PSK" >>"$(ov_config_file "$h")"
        else
            printf 'psk = "%s"\n' "$(ov_psk "$h" "${p%%:*}")" >>"$(ov_config_file "$h")"
        fi
        [[ ${p%%:*} == moon ]] && printf 'mode = "ip"\nlocal_ts = "10.13.1.0/24"\nremote_ts = "10.13.2.0/24"\n' >>"$(ov_config_file "$h")"
    done
    return 0
}

# at_pin HOST — the AK fingerprint HOST's daemon reports (its swtpm's AK: the same after a restart).
at_pin() { ov_q "$1" '.attest.ak.fingerprint'; }

# at_stop HOST — SIGTERM HOST's daemon and wait until it is gone (its embedded swtpm goes with it).
at_stop() {
    local pid
    pid=$(lab_pid "overlayd-$1") || return 1
    kill -TERM "$pid"
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$pid" 2>/dev/null || { echo "overlayd-$1 did not stop within 15 s"; return 1; }
    rm -f "$LAB_DIR/pids/overlayd-$1.pid" "$LAB_DIR/pids/overlayd-$1.node"
}

# at_children HOST PEER — HOST's installed CHILD_SA labels with PEER, sorted, space-separated.
at_children() { ov_q "$1" "[.ike.child_sas[] | select(.peer==\"$2\") | .label] | unique | join(\" \")"; }

# at_wait_children HOST PEER LABELS SECONDS — until HOST's CHILD_SAs with PEER are exactly LABELS.
at_wait_children() {
    local h=$1 p=$2 want=$3 limit=$4 deadline=$(( SECONDS + $4 ))
    while (( SECONDS < deadline )); do
        [[ $(at_children "$h" "$p") == "$want" ]] && return 0
        sleep 0.5
    done
    echo "$h's CHILD_SAs with $p after ${limit}s: '$(at_children "$h" "$p")', expected '$want'" >&2
    return 1
}

# at_audit HOST REGEX — the audit lines of HOST's daemon log matching REGEX.
at_audit() { grep -E "audit .*$2" "$(lab_log_of "overlayd-$1")" || true; }
