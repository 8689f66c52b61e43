# shellcheck shell=bash
# cluster lab helpers: the policy versions, the lab PKI, per-host overlayd.toml in cluster mode ([cluster], [ike] with a
# certificate, no [[dataplane.peer]] and no [[ike.peer]]), tvdctl's cluster verbs run from a lab host, status queries.
CL_ETCD=$LAB_DIR/etcd                 # scripts/etcd.sh's dir: data dirs, pid files, logs of e1-e3
CL_PKI=$LAB_DIR/pki
CL_TTL=4                              # [cluster] lease_ttl_s: a stopped host's registration goes after this
CL_GRACE=2                            # [cluster] peer_grace_s: ... and its SAs this much later
CL_HOSTS="h1 h2 h3 h4"                # the enrolled daemons; h5 is the rogue
OV_POLICY=$LAB_DIR/policy.toml

# cl_endpoints — the etcd client URLs, comma-separated.
cl_endpoints() { "$REPO_ROOT/scripts/etcd.sh" endpoints "$CL_ETCD"; }

# cl_tvdctl ARGS... — tvdctl run on h1 (the lab's admin sits on a host: etcd listens on the lab bridge only).
cl_tvdctl() { lab_exec h1 "$OV_BIN/tvdctl" "$@"; }

# cl_policy VERSION [cw] — the lab policy as file $LAB_DIR/policy-vVERSION.toml (printed): TVDs red and blue, the guests
# of h1-h5 (and one more guest per version, so each version differs), hosts h1-h5; with `cw` a Chinese Wall conflict
# set {red, blue}: a host running a red and a blue guest at once (h1) must refuse it.
cl_policy() {
    local v=$1 f=$LAB_DIR/policy-v$1.toml g
    {
        printf '[policy]\nname = "cluster-lab"\nversion = %s\n' "$v"
        (( v > 1 )) && printf 'replaces = %s\n' $(( v - 1 ))
        printf '\n[[tvd]]\nname = "red"\nvlan = 101\nlabel = "tvd:red"\n'
        printf '\n[[tvd]]\nname = "blue"\nvlan = 102\nlabel = "tvd:blue"\n'
        [[ ${2:-} == cw ]] && printf '\n[[conflict_set]]\nname = "red-blue"\ntypes = ["red", "blue"]\n'
        for g in red1 red2 red4 red5 "red-v$v"; do printf '\n[[guest]]\nname = "%s"\ntypes = ["red"]\nnetworks = ["red-net"]\n' "$g"; done
        for g in blue1 blue3; do printf '\n[[guest]]\nname = "%s"\ntypes = ["blue"]\nnetworks = ["blue-net"]\n' "$g"; done
        printf '\n[[network]]\nname = "red-net"\ntvd = "red"\n\n[[network]]\nname = "blue-net"\ntvd = "blue"\n'
        for g in h1 h2 h3 h4 h5; do printf '\n[[host]]\nname = "%s"\ntypes = ["*"]\n' "$g"; done
    } >"$f"
    printf '%s\n' "$f"
}

# cl_pki — a lab CA and a certificate per host (EC P-256, the host's name as CN and DNS subjectAltName: its IKE
# identity). h5 gets one too: the CA vouches for its name, only its AK is not the enrolled one.
cl_pki() {
    mkdir -p "$CL_PKI"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=TVD cluster lab CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$CL_PKI/ca.key" -out "$CL_PKI/ca.pem" 2>/dev/null
    local h
    for h in h1 h2 h3 h4 h5; do
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$h" \
            -keyout "$CL_PKI/$h.key" -out "$CL_PKI/$h.csr" 2>/dev/null
        openssl x509 -req -in "$CL_PKI/$h.csr" -CA "$CL_PKI/ca.pem" -CAkey "$CL_PKI/ca.key" -CAcreateserial -days 2 \
            -extfile <(printf 'subjectAltName = DNS:%s\nkeyUsage = critical, digitalSignature\n' "$h") \
            -out "$CL_PKI/$h.pem" 2>/dev/null
    done
}

# cl_config HOST GUESTNODE:POLICYGUEST:NETWORK... — HOST's overlayd.toml: its ports, [ike] with its certificate and
# short timers (DPD off: a stopped host must be dropped by the inventory, not by dead-peer detection), [cluster].
cl_config() {
    local h=$1 p f endpoints
    shift
    ov_config "$h" no-key-export
    for p in "$@"; do
        IFS=: read -r node guest net <<<"$p"
        ov_port "$h" "$node" "$guest" "$net"
    done
    f=$(ov_config_file "$h")
    printf '\n[ike]\ncertificate = "%s"\nprivate_key = "%s"\nca = ["%s"]\n' "$CL_PKI/$h.pem" "$CL_PKI/$h.key" "$CL_PKI/ca.pem" >>"$f"
    printf 'dpd_interval = 0\nretransmit_timeout = 500\nretransmit_tries = 2\nretry_interval = 2\n' >>"$f"
    endpoints=$(cl_endpoints | sed 's/[^,]*/"&"/g; s/,/, /g')
    printf '\n[cluster]\nendpoints = [%s]\nlease_ttl_s = %s\npeer_grace_s = %s\ndial_timeout_ms = 1000\nrequest_timeout_ms = 2000\n' \
        "$endpoints" "$CL_TTL" "$CL_GRACE" >>"$f"
}

# cl_ike_peers HOST — the names HOST holds an established IKE SA with, sorted, space-separated.
cl_ike_peers() { ov_q "$1" '[.ike.ike_sas[]? | select(.state == "established") | .peer] | unique | join(" ")'; }

# cl_children HOST PEER — HOST's CHILD_SA labels with PEER, sorted, space-separated.
cl_children() { ov_q "$1" "[.ike.child_sas[]? | select(.peer==\"$2\") | .label] | unique | join(\" \")"; }

# cl_wait SECONDS CMD... — until CMD succeeds (polled every 0.3 s); fails after SECONDS.
cl_wait() {
    local deadline=$(( SECONDS + $1 )); shift
    while (( SECONDS < deadline )); do "$@" && return 0; sleep 0.3; done
    return 1
}

# cl_mesh_is HOST PEERS — HOST has established IKE SAs with exactly PEERS.
cl_mesh_is() { [[ $(cl_ike_peers "$1") == "$2" ]]; }

# cl_others HOST — the enrolled hosts but HOST, space-separated.
cl_others() { local h o=(); for h in $CL_HOSTS; do [[ $h == "$1" ]] || o+=("$h"); done; echo "${o[*]}"; }

# cl_ms_since NS — milliseconds since NS (date +%s%N).
cl_ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# cl_stop HOST — SIGTERM HOST's daemon and wait until it is gone.
cl_stop() {
    local pid
    pid=$(lab_pid "overlayd-$1") || return 1
    kill -TERM "$pid"
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$pid" 2>/dev/null || { echo "overlayd-$1 did not stop within 15 s"; return 1; }
    rm -f "$LAB_DIR/pids/overlayd-$1.pid" "$LAB_DIR/pids/overlayd-$1.node"
}

# What the daemon says of the cluster (tvdctl status --json: cluster section; docs/cluster.md).
# cl_connected HOST — "true" or "false".
cl_connected() { ov_q "$1" '.cluster.connected'; }
# cl_hosts HOST — the daemon's own inventory view (`tvdctl hosts --json --socket`: the control socket's `hosts` verb,
# {self, connected, revision, admitted[], ignored[]}).
cl_hosts() { "$OV_BIN/tvdctl" hosts --json --socket "$(ov_socket "$1")"; }
# cl_admitted HOST — the hosts HOST's inventory admits as peers, sorted, space-separated.
cl_admitted() { cl_hosts "$1" | jq -r '[.admitted[].host] | sort | join(" ")'; }
# cl_ignored HOST PEER — the reason HOST's inventory ignores PEER ("" when it does not).
cl_ignored() { cl_hosts "$1" | jq -r --arg p "$2" '[.ignored[] | select(.host == $p) | .reason] | first // ""'; }
# cl_policy_version HOST — the policy version HOST's engine runs.
cl_policy_version() { ov_q "$1" '.policy.version'; }

# cl_until_all T0 BOUND WHAT FN HOST... — polls `FN HOST` (every 0.2 s) for every HOST until it holds, all against one
# deadline BOUND s after T0 (date +%s%N); "ok: HOST WHAT after N ms" per host, "FAIL" (with `FN_why HOST` when defined)
# for each that did not within BOUND. For evaltest.sh (checks.sh's ok/bad).
cl_until_all() {
    local t0=$1 bound=$2 what=$3 fn=$4 pending left h
    shift 4
    pending="$*"
    while [[ -n $pending ]]; do
        left=""
        for h in $pending; do
            if "$fn" "$h"; then ok "$h $what $(cl_ms_since "$t0") ms after it (bound ${bound} s)"; else left+=" $h"; fi
        done
        pending=${left# }
        [[ -n $pending ]] && (( $(cl_ms_since "$t0") < bound * 1000 )) || break
        sleep 0.2
    done
    for h in $pending; do
        bad "$h: not $what within ${bound} s$(declare -F "${fn}_why" >/dev/null && echo ": $("${fn}_why" "$h")")"
    done
}
cl_is_connected() { [[ $(cl_connected "$1") == true ]]; }
cl_is_connected_why() { ov_q "$1" '.cluster | tojson'; }
cl_is_disconnected() { [[ $(cl_connected "$1") == false ]]; }
cl_is_disconnected_why() { ov_q "$1" '.cluster | tojson'; }
