# shellcheck shell=bash
# netns-lab/lib/boinc.sh — the demo's BOINC project in a lab: tvd-boinc-server (docs/demo.md "BOINC project server")
# in one node and a BOINC client in another, either the real boinc 7.20 of Debian's boinc-client in a namespace or the
# BOINC VM of scripts/guest-image.sh --boinc (docs/hypervisor.md "The BOINC client guest"). Used by scripts/demo.sh
# (step 4) and the boinc scenario. Needs lab.sh and overlay.sh loaded (lab_bg, OV_BIN).
#
# Files: $LAB_DIR/boinc-server/{data/,status.json} and log boinc-server; a namespace client's data directory
# $LAB_DIR/boinc-client/ and log boinc-client. BO_CLIENT_LOG names the file holding the client's log (that log, or the
# VM's console file), BO_CLIENT_RPC how boinccmd reaches it ("NODE HOST": run in NODE, --host HOST).

BO_DIR=$LAB_DIR/boinc-server
BO_CLIENT_LOG=${BO_CLIENT_LOG:-}
BO_CLIENT_RPC=${BO_CLIENT_RPC:-}

# bo_node NODE NETNS — a namespace someone else made (a daemon's netns guest) as a lab node: lab_bg, lab_exec and
# lab_wait_for then work there, and teardown stops what lab_bg started in it.
bo_node() { printf 'kind=guest\nns=%s\n' "$2" >"$LAB_DIR/nodes/$1"; }

# bo_auth — a fresh account authenticator (32 lower-case hex digits), as the server accepts any.
bo_auth() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

# bo_vm_cmdline ADDR/LEN NAME MASTER_URL AUTH — the kernel command line of the BOINC VM.
bo_vm_cmdline() {
    printf 'console=ttyS0 quiet panic=-1 tvd.ip=%s tvd.name=%s tvd.boinc_url=%s tvd.boinc_auth=%s\n' "$1" "$2" "$3" "$4"
}

# bo_server_start NODE ADDR ARGS... — tvd-boinc-server in NODE on ADDR:80 (ARGS: --units, --rounds, ...); returns
# when it wrote its status, fails after 20 s.
bo_server_start() {
    local node=$1 addr=$2; shift 2
    mkdir -p "$BO_DIR/data"
    rm -f "$BO_DIR/status.json"
    lab_bg "$node" boinc-server "$OV_BIN/tvd-boinc-server" --listen "$addr:80" --data "$BO_DIR/data" \
        --status "$BO_DIR/status.json" "$@"
    lab_wait_for "$node" 20 test -s "$BO_DIR/status.json" \
        || { tail -n 5 "$(lab_log_of boinc-server)" >&2; return 1; }
}

# bo_status JQ-FILTER — a value of the server's status (docs/demo.md "The status JSON").
bo_status() { jq -r "$1" "$BO_DIR/status.json" 2>/dev/null; }

# bo_client_netns NODE MASTER_URL AUTH — the real boinc client in NODE, attached to the project: the demo's app in the
# project directory the server names (the anonymous platform), computing even on a busy machine.
bo_client_netns() {
    local node=$1 url=$2 auth=$3 dir=$LAB_DIR/boinc-client proj
    proj=$dir/$(bo_status .clientProjectDir)
    [[ $proj != "$dir/" && $proj != "$dir/null" ]] || { echo "bo_client_netns: the server's status names no project directory" >&2; return 1; }
    mkdir -p "$proj"
    cp "$REPO_ROOT"/demo/boinc/app/* "$proj/"
    chmod +x "$proj/tvd_hashchain.sh"
    echo '<global_preferences><suspend_cpu_usage>0</suspend_cpu_usage><max_ncpus_pct>50</max_ncpus_pct></global_preferences>' \
        >"$dir/global_prefs_override.xml"
    lab_bg "$node" boinc-client boinc --dir "$dir" --allow_remote_gui_rpc --skip_cpu_benchmarks --no_gpus --no_info_fetch \
        --attach_project "$url" "$auth"
    BO_CLIENT_LOG=$(lab_log_of boinc-client) BO_CLIENT_RPC="$node 127.0.0.1"
}
# (evaltest.sh and the like, in another shell than the one that started it: BO_CLIENT_LOG=$(lab_log_of boinc-client).)

# bo_client_vm CONSOLE_LOG RPC_NODE CLIENT_ADDR — the client is the BOINC VM whose console is CONSOLE_LOG, its GUI RPC
# reached from RPC_NODE (a node of the same TVD) at CLIENT_ADDR.
bo_client_vm() { BO_CLIENT_LOG=$1 BO_CLIENT_RPC="$2 $3"; }

# bo_password — the client's GUI RPC password: the VM prints it on its console, a namespace client wrote it to its
# data directory. Empty until the client is up.
bo_password() {
    if [[ -e $LAB_DIR/boinc-client/gui_rpc_auth.cfg ]]; then
        cat "$LAB_DIR/boinc-client/gui_rpc_auth.cfg"
    else
        sed -n 's/.*tvd-guest: boinc gui_rpc ready port=[0-9]* password=\([0-9a-f]*\).*/\1/p' "$BO_CLIENT_LOG" 2>/dev/null | tail -n1
    fi
}

# bo_nudge MASTER_URL — a scheduler RPC now (boinccmd --project URL update): a client whose first master fetch failed
# (nothing answered yet, or not this server) backs off a minute or more; this clears the backoff.
bo_nudge() {
    local node=${BO_CLIENT_RPC%% *} host=${BO_CLIENT_RPC#* } pw
    pw=$(bo_password)
    [[ -n $pw ]] || { echo "   (no GUI RPC password from the client yet)"; return 1; }
    lab_exec "$node" timeout 10 boinccmd --host "$host" --passwd "$pw" --project "$1" update
}

# bo_wait_valid MASTER_URL SECONDS — until the server says all work units valid; when nothing moves at the server for
# 12 s (the client backing off), nudges the client. Fails after SECONDS.
bo_wait_valid() {
    local url=$1 deadline=$(( SECONDS + $2 )) seen="" now quiet_since=$SECONDS
    while (( SECONDS < deadline )); do
        [[ $(bo_status .allValid) == true ]] && return 0
        now=$(bo_status '[.requests, .counts] | tostring')
        if [[ $now != "$seen" ]]; then
            seen=$now quiet_since=$SECONDS
        elif (( SECONDS - quiet_since >= 12 )); then
            echo "   nothing reached the server for 12 s: boinccmd --project $url update"
            bo_nudge "$url" 2>&1 | sed 's/^/   /' || true
            quiet_since=$SECONDS
        fi
        sleep 0.5
    done
    echo "the server did not say all work units valid within $2 s: $(bo_status '.counts | tostring')" >&2
    return 1
}

# bo_server_lines — the server's step lines (master page, scheduler RPC, download, upload, reported, all valid).
bo_server_lines() {
    grep -E 'tvd-boinc-server: project|master page|scheduler RPC|download|upload|reported|all work units|reject' \
        "$(lab_log_of boinc-server)" | cut -c1-200
}

# bo_client_lines URL — the client's lines about the project (named by its URL until the first scheduler reply names
# it, then by its name), and the VM's own "tvd-guest: boinc" lines; up to the reply to the report of the results.
bo_client_lines() {
    local name
    name=$(bo_status .project)
    tr -d '\r' <"$BO_CLIENT_LOG" 2>/dev/null | awk -v url="[$1]" -v name="[$name]" '
        /tvd-guest: boinc/ { print; next }
        index($0, url) || index($0, name) {
            if ($0 ~ /Computer ID|cross-project ID|update requested/) next
            print
            if ($0 ~ /Reporting [0-9]+ completed tasks/) reported = 1
            else if (reported && $0 ~ /Scheduler request completed/) exit
        }' | cut -c1-200
}

# bo_grid_esp HOST TVD — "in out": the packets HOST's data plane decrypted and encrypted on TVD's SAs.
bo_grid_esp() {
    ov_q "$1" "[.dataplane.sas[] | select(.tvd==\"tvd:$2\")] | \"\([.[] | select(.direction==\"in\") | .packets] | add // 0) \([.[] | select(.direction==\"out\") | .packets] | add // 0)\""
}

# bo_stop — stops the server and a namespace client by their pid files. Call it before stopping the daemons: a
# daemon that stops removes its netns guests' namespaces, and a process left in a namespace without a name is
# one the lab's teardown no longer finds.
bo_stop() {
    local n
    for n in boinc-client boinc-server; do
        [[ ! -e $LAB_DIR/pids/$n.pid ]] || lab_stop "$n" 2>/dev/null || true
    done
}
