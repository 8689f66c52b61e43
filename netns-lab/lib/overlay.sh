# shellcheck shell=bash
# netns-lab/lib/overlay.sh — tvd-overlayd in lab hosts: a lab policy, per-host overlayd.toml
# with static SAs, start/stop, and `tvdctl status --json` queries. Not loaded by lab.sh; a
# scenario that runs the overlay sources it:  source "$LAB_LIB_DIR/overlay.sh"
#
# Files per host H: $LAB_DIR/H.toml (config), $LAB_DIR/H/ (state, 0700 run dir with the
# control socket), $LAB_DIR/H.esp_sa (Wireshark keys, debug_key_export), log overlayd-H.

OV_BIN=${OV_BIN:-$REPO_ROOT/bin}
OV_POLICY=${OV_POLICY:-}

# ov_policy — writes the lab policy ($LAB_DIR/policy.toml): TVDs red (VLAN 101) and blue
# (VLAN 102), one red and one blue guest per host (red1 blue1 on h1, red2 blue2 on h2, red3 on h3).
ov_policy() {
    OV_POLICY=$LAB_DIR/policy.toml
    cat >"$OV_POLICY" <<'TOML'
[policy]
name = "lab"
version = 1

[[tvd]]
name = "red"
vlan = 101
label = "tvd:red"

[[tvd]]
name = "blue"
vlan = 102
label = "tvd:blue"

[[guest]]
name = "red1"
types = ["red"]
networks = ["red-net"]

[[guest]]
name = "red2"
types = ["red"]
networks = ["red-net"]

[[guest]]
name = "red3"
types = ["red"]
networks = ["red-net"]

[[guest]]
name = "blue1"
types = ["blue"]
networks = ["blue-net"]

[[guest]]
name = "blue2"
types = ["blue"]
networks = ["blue-net"]

[[network]]
name = "red-net"
tvd = "red"

[[network]]
name = "blue-net"
tvd = "blue"

[[host]]
name = "h1"
types = ["*"]

[[host]]
name = "h2"
types = ["*"]

[[host]]
name = "h3"
types = ["*"]
TOML
}

ov_config_file() { printf '%s\n' "$LAB_DIR/$1.toml"; }
ov_socket() { printf '%s\n' "$LAB_DIR/$1/run/control.sock"; }
ov_keyfile() { printf '%s\n' "$LAB_DIR/$1.esp_sa"; }

# ov_psk A B — the pre-shared key of the host pair {A, B} (the same from either end; each pair has its own, so a
# host holding one cannot claim to be a third: daemon.md, [[ike.peer]] psk). Lab keys, not secrets.
ov_psk() { printf 'lab-psk-%s-%s\n' "$(printf '%s\n' "$1" "$2" | sort | head -n1)" "$(printf '%s\n' "$1" "$2" | sort | tail -n1)"; }

# A fresh AES-128 key + 4-byte salt, hex (20 bytes).
ov_key() { python3 -c 'import secrets; print(secrets.token_hex(20))'; }

# ov_config HOST [no-key-export] — starts HOST's overlayd.toml: [daemon] and [dataplane] on its underlay
# address, exporting keys for tshark unless no-key-export (a load test: the export rewrites its files as
# SAs come and go).
ov_config() {
    local h=$1
    mkdir -p "$LAB_DIR/$h"
    cat >"$(ov_config_file "$h")" <<TOML
[daemon]
host = "$h"
policy = "$OV_POLICY"
state_dir = "$LAB_DIR/$h/state"
runtime_dir = "$LAB_DIR/$h/run"

[dataplane]
port = 4500
underlay = "$(lab_ul_addr "$h")"
TOML
    # `port` stays off the last line: Tomlyn takes a `port` key right above [[dataplane.port]] for its redefinition.
    [[ ${2:-} == no-key-export ]] || echo "debug_key_export = \"$(ov_keyfile "$h")\"" >>"$(ov_config_file "$h")"
}

# ov_port HOST GUESTNODE POLICYGUEST NETWORK [IO] — a guest port: the guest node's host-side link;
# IO af_xdp or af_packet (default: the daemon's, AF_PACKET with the guest's offloads handled).
ov_port() {
    cat >>"$(ov_config_file "$1")" <<TOML

[[dataplane.port]]
name = "$2"
interface = "$(lab_port "$2")"
guest = "$3"
network = "$4"
TOML
    [[ -n ${5:-} ]] && echo "io = \"$5\"" >>"$(ov_config_file "$1")"
    return 0
}

# ov_peer HOST PEERHOST — PEERHOST by its underlay address.
ov_peer() {
    cat >>"$(ov_config_file "$1")" <<TOML

[[dataplane.peer]]
name = "$2"
address = "$(lab_ul_addr "$2")"
TOML
}

# ov_sa HOST PEER TVD in|out SPI KEY — one static SA in HOST's config.
ov_sa() {
    cat >>"$(ov_config_file "$1")" <<TOML

[[dataplane.sa]]
peer = "$2"
tvd = "$3"
direction = "$4"
spi = $5
key = "$6"
TOML
}

# ov_tunnel A B TVD SPI_AB SPI_BA — the SAs of TVD between A and B, both ways, fresh keys.
ov_tunnel() {
    local a=$1 b=$2 tvd=$3 k1 k2
    k1=$(ov_key) k2=$(ov_key)
    ov_sa "$a" "$b" "$tvd" out "$4" "$k1"; ov_sa "$b" "$a" "$tvd" in "$4" "$k1"
    ov_sa "$b" "$a" "$tvd" out "$5" "$k2"; ov_sa "$a" "$b" "$tvd" in "$5" "$k2"
}

# ov_start HOST [CONFIG] — runs tvd-overlayd in HOST (from CONFIG, default its overlayd.toml); returns when its
# control socket answers.
ov_start() {
    local h=$1
    lab_bg "$h" "overlayd-$h" "$OV_BIN/tvd-overlayd" --config "${2:-$(ov_config_file "$h")}"
    lab_wait_for "$h" 30 "$OV_BIN/tvdctl" status --socket "$(ov_socket "$h")" \
        || { tail -n 20 "$(lab_log_of "overlayd-$h")" >&2; return 1; }
}

# ov_status HOST — the status document (JSON).
ov_status() { "$OV_BIN/tvdctl" status --json --socket "$(ov_socket "$1")"; }

# ov_q HOST JQ-FILTER — one value from the status document.
ov_q() { ov_status "$1" | jq -r "$2"; }

# ov_underlay_segmented HOST — the host's underlay link segments the daemon's UDP GSO sends in
# software before they leave (tx-udp-segmentation off), so a capture on the wire holds one ESP packet
# per frame, as a NIC without USO puts them on a real wire: tshark cannot split a GSO super-packet
# captured inside a host (docs/debugging.md). For the scenarios that read captures.
ov_underlay_segmented() {
    lab_exec "$1" ethtool -K "$(lab_node_get "$1" if)" tx-udp-segmentation off >/dev/null
}

# ov_guest_prepare GUEST [on|off] — the guest link's TX checksum and segmentation offloads. On (the
# default, as a virtio guest has them): its port must be AF_PACKET, which segments and checksums.
# Off: the guest hands over finished frames, as an AF_XDP port needs.
ov_guest_prepare() {
    local state=${2:-on}
    lab_exec "$1" ethtool -K "$(lab_guest_if)" tx "$state" tso "$state" gso "$state" >/dev/null 2>&1 \
        || lab_exec "$1" ethtool -K "$(lab_guest_if)" tx "$state" >/dev/null
}
