# shellcheck shell=bash
# ike-storm — what pretest and evaltest.sh share: the storm tool (bench/Overlay.IkeBench), the hosts'
# [ike] tables, and a snapshot of the counters that would show an ESP packet lost.

STORM_PSK=ike-storm-lab-psk-0123456789
STORM_DLL=$REPO_ROOT/bench/Overlay.IkeBench/bin/Release/net10.0/tvd-ikebench.dll

# storm_build — builds tvd-ikebench (Release) unless it is newer than its sources and those of the IKE it
# runs (Overlay.Ike, and the daemon's transport over a data plane) (`make test` has built it with the
# solution already; `make build` does not build it).
storm_build() {
    local stale
    stale=$(find "$REPO_ROOT/bench/Overlay.IkeBench" "$REPO_ROOT/src/Overlay.Ike" "$REPO_ROOT/src/Overlay.DataPlane" \
        "$REPO_ROOT/src/Overlay.Daemon" -name '*.cs' -newer "$STORM_DLL" \
        -not -path '*/obj/*' -print -quit 2>/dev/null || echo missing)
    [[ -f $STORM_DLL && -z $stale ]] && return 0
    echo "building tvd-ikebench ($([[ -f $STORM_DLL ]] && echo "stale: $stale" || echo missing))"
    timeout 300 dotnet build -c Release --nologo -v quiet "$REPO_ROOT/bench/Overlay.IkeBench" >"$LAB_DIR/tmp/storm-build.txt" 2>&1 \
        || { tail -n 20 "$LAB_DIR/tmp/storm-build.txt"; return 1; }
}

# storm_ike_config HOST PEER... — HOST's [ike]: the storm tool's suite (aes128gcm16-prfsha256-x25519, ESP
# aes128gcm16 without ESN), no DPD, no cookies and no per-source bound on half-open SAs (the storm comes from
# one address, h3's): every half-open IKE_SA_INIT costs h1 a key exchange and state, the most an IKE storm can
# ask of it. h3 is answered, never initiated to.
storm_ike_config() {
    local h=$1 p; shift
    cat >>"$(ov_config_file "$h")" <<TOML

[ike]
proposals = "aes128gcm16-prfsha256-x25519"
esp_proposals = "aes128gcm16-esn, aes128gcm16"
dpd_interval = 0
retransmit_timeout = 1000
cookie_threshold = 0
half_open_per_source = 1000000
TOML
    for p in "$@"; do
        printf '\n[[ike.peer]]\nname = "%s"\n' "$p" >>"$(ov_config_file "$h")"
        # Each pair its own key; h3's is the one the storm tool authenticates with (--psk).
        if [[ $p == h3 ]]; then
            printf 'psk = "%s"\ninitiate = "no"\n' "$STORM_PSK" >>"$(ov_config_file "$h")"
        else
            printf 'psk = "%s"\n' "$(ov_psk "$h" "$p")" >>"$(ov_config_file "$h")"
        fi
    done
    return 0
}

# storm_drops HOST — "DATAPLANE KERNEL IKEQUEUE": packets the data plane dropped (every reason), datagrams
# the kernel dropped at the underlay socket and the guest ports (socket buffers full: a stalled loop),
# and IKE datagrams dropped by a full IKE queue (an IKE message lost, never ESP; status ike.queue).
storm_drops() {
    ov_status "$1" | jq -r '[
        (.dataplane.drops_total // 0),
        ((.dataplane.underlay_counters.kernel_drops // 0) + ([.dataplane.ports[]?.kernel_drops // 0] | add // 0)),
        (.ike.queue.dropped_full // 0)
    ] | map(tostring) | join(" ")'
}

# storm_retrans NODE — TCP segments NODE's stack has retransmitted so far (/proc/net/snmp of its namespace).
storm_retrans() {
    lab_exec "$1" awk '$1 == "Tcp:" && !h { for (i = 1; i <= NF; i++) col[$i] = i; h = 1; next }
        $1 == "Tcp:" { print $col["RetransSegs"] }' /proc/net/snmp
}
