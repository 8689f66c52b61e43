#!/usr/bin/env bash
# make demo: the story of IBM's TVD prototype, run by the real daemons (docs/demo.md). Three hosts (network
# namespaces on an underlay bridge), each running tvd-overlayd from its own overlayd.toml with an embedded swtpm
# and IKEv2 with certificates of a demo CA; the policy demo/policy.toml: TVD grid (attested) and TVD office.
#   1 hosts     h1 h2 h3 up: CA, certificates, AK pins, reference values, daemons
#   2 guests    started by the daemons through [[guest]]: h1 boinc-server (netns) + office-h1; h2 boinc-client (the
#               BOINC client VM under TCG; a netns guest when libvirtd cannot run) + office-h2; h3 office-h3
#   3 grid      h1 and h2 attest each other, grid and office CHILD_SAs up, grid traffic crosses
#   4 boinc     tvd-boinc-server in boinc-server; the VM's boinc 7.20 (or Debian's boinc in the namespace guest)
#               attaches, runs both work units, uploads, reports; the server says all valid; grid ESP carried it
#   5 office    office-h2 tries the BOINC server: nothing arrives (captures, counters), policy explain says why
#   6 h3        h3 measured an unknown binary: refused for grid with the finding, still in office
#   7 wall      Chinese Wall: tvdctl guest start refused; a rogue virsh start destroyed and audited
#   8 example   examples/policy.toml offline: a decision of each kind explained, a broken copy refused
#   9 metrics   h1's [metrics] endpoint: grid/office ESP packets per peer, the join verdicts, the evidence's age
#  10 picture   tvdctl graph: out/demo/topology.svg and .png (h1), topology-h2.svg; labels and pixels checked
# Then a table of the steps with pass/fail and timings. Exit 0 only if every step held.
#
#   scripts/demo.sh            run it, tear everything down (also on Ctrl-C / SIGTERM)
#   KEEP=1 scripts/demo.sh     leave it running and print the tvdctl commands to explore it
#   CLUSTER=1 scripts/demo.sh  the same story in cluster mode (docs/cluster.md): a 3-member etcd (one member in each
#                              host's namespace), no peer in any config, the AKs enrolled and the policy pushed to
#                              the store; an extra step 2 shows the rollout, the inventory and a second version pushed
#   scripts/demo.sh clean      tear down a demo left running by KEEP=1 (make demo-clean)
# Environment: TVD_DEMO_BACKEND=netns runs boinc-client and rival-client as namespace guests even with libvirt.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
export REPO_ROOT
cd "$REPO_ROOT"

# One fixed lab prefix, so that KEEP=1 and `make demo-clean` find the demo again: namespaces demo-*, the state
# directory /tmp/demo-lab. The daemons' namespace guests are demo-g<N>-<guest>, covered by the same prefix.
export LAB_PREFIX=demo- LAB_TRAP=0 LAB_STOP_GRACE=10
LAB_DIR=${LAB_TMPDIR:-/tmp}/${LAB_PREFIX}lab
export LAB_DIR
# shellcheck source=../netns-lab/lib/lab.sh
source netns-lab/lib/lab.sh
# shellcheck source=../netns-lab/lib/overlay.sh
source netns-lab/lib/overlay.sh
# at_pin, at_stop, at_children, at_wait_children, at_audit, at_reference, AT_REFERENCE, AT_UNKNOWN, OV_POLICY
# shellcheck source=../netns-lab/scenarios/attested-ike/attest.sh
source netns-lab/scenarios/attested-ike/attest.sh
# lv_virsh, lv_port_of, lv_cleanup (LV_DOMAINS: which domains are the demo's), LV_MARK
# shellcheck source=../netns-lab/scenarios/libvirt-guest/libvirt.sh
source netns-lab/scenarios/libvirt-guest/libvirt.sh
LV_DOMAINS='^(boinc-client|rival-client)$'
# shellcheck source=../netns-lab/lib/checks.sh
source netns-lab/lib/checks.sh
# bo_server_start, bo_client_netns, bo_client_vm, bo_wait_valid, bo_status, bo_*_lines, bo_grid_esp, bo_node
# shellcheck source=../netns-lab/lib/boinc.sh
source netns-lab/lib/boinc.sh

TVDCTL=$OV_BIN/tvdctl
POLICY_SRC=$REPO_ROOT/demo/policy.toml
OUT=$REPO_ROOT/out/demo
METRICS_PORT=9469                       # h1's [metrics] listener, on its loopback
PKI=$LAB_DIR/pki
HOSTS=(h1 h2 h3)
# Guests: host, backend (netns; libvirt for the VMs when libvirtd runs), network, address, autostart.
declare -A G_HOST=([boinc-server]=h1 [office-h1]=h1 [boinc-client]=h2 [rival-client]=h2 [office-h2]=h2 [office-h3]=h3)
declare -A G_NET=([boinc-server]=grid-net [office-h1]=office-net [boinc-client]=grid-net [rival-client]=grid-net
                  [office-h2]=office-net [office-h3]=office-net)
declare -A G_ADDR=([boinc-server]=10.10.0.1 [boinc-client]=10.10.0.2 [rival-client]=10.10.0.3
                   [office-h1]=10.10.0.11 [office-h2]=10.10.0.12 [office-h3]=10.10.0.13)
GUESTS=(boinc-server office-h1 boinc-client rival-client office-h2 office-h3)
SERVER=${G_ADDR[boinc-server]} CLIENT=${G_ADDR[boinc-client]}
MASTER_URL=http://$SERVER/      # the BOINC project's master URL (tvd-boinc-server in boinc-server)
VM_BACKEND=netns      # libvirt once libvirtd answers (step 1)
# The BOINC client VM's image (scripts/guest-image.sh --boinc; kept in out/, rebuilt only when something changed)
# and its serial console, written by h2's daemon (console_log_dir).
VM_IMAGE=$REPO_ROOT/out/guest-image-boinc
VM_CONSOLE=$LAB_DIR/h2/console/boinc-client.console.log
BOINC_AUTH=""         # the client's account authenticator, made in step 1 (on the VM's kernel command line)
CLUSTER=${CLUSTER:-0} # 1: cluster mode on etcd (scripts/etcd.sh), the store's endpoints in ETCD_EP
ETCD_DIR=$LAB_DIR/etcd
ETCD_EP=""

# ---- output --------------------------------------------------------------------------------------------------------
shown() { printf '\033[36m$ %s\033[0m\n' "$*"; }   # a command as a person would type it (run separately)
bold() { printf '\033[1m%s\033[0m\n' "$*"; }
say() { printf '\n'; bold "== $*"; }
note() { printf '   %s\n' "$*"; }
# show CMD... — prints the command as a person would type it (tvdctl for bin/tvdctl), runs it, prints its output
# indented; returns its exit code. `showed REGEX` then asks whether that output had a line matching REGEX.
show() {
    local rc=0 shown=${*//$OV_BIN\//}
    printf '\033[36m$ %s\033[0m\n' "$shown"
    "$@" >"$LAB_DIR/tmp/shown" 2>&1 || rc=$?
    sed 's/^/    /' "$LAB_DIR/tmp/shown"
    return "$rc"
}
showed() { grep -qE -- "$1" "$LAB_DIR/tmp/shown"; }
sock() { ov_socket "$1"; }
tvdctl_on() { local h=$1; shift; "$TVDCTL" "$@" --socket "$(sock "$h")"; }

# ---- guests --------------------------------------------------------------------------------------------------------
g_ns() { printf '%sg%s-%s\n' "$LAB_PREFIX" "${G_HOST[$1]#h}" "$1"; }   # a namespace guest's namespace
g_backend() { [[ $1 == boinc-client || $1 == rival-client ]] && echo "$VM_BACKEND" || echo netns; }
# gexec GUEST CMD... — run CMD inside a namespace guest (the daemon made the namespace).
gexec() { local g=$1; shift; nsenter --net="/run/netns/$(g_ns "$g")" -- "$@"; }
# g_state HOST GUEST — "STATE PORTSTATE" from `tvdctl guest list` (e.g. "running attached").
g_state() { tvdctl_on "$1" guest list 2>/dev/null | awk -v g="$2" '$1 == g { print $3, $NF; exit }'; }
g_wait_running() {
    local g=$1 limit=$2 deadline=$(( SECONDS + $2 ))
    while (( SECONDS < deadline )); do
        [[ $(g_state "${G_HOST[$g]}" "$g") == "running attached" ]] && return 0
        sleep 0.3
    done
    echo "$g not running and attached after ${limit}s: '$(g_state "${G_HOST[$g]}" "$g")'" >&2
    return 1
}

# ---- step 1: hosts -------------------------------------------------------------------------------------------------
# The demo CA and one certificate per host: EC P-256, the host's name as CN and DNS subjectAltName (its IKE identity).
make_pki() {
    mkdir -p "$PKI"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=TVD demo CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$PKI/ca.key" -out "$PKI/ca.pem" 2>/dev/null
    local h
    for h in "${HOSTS[@]}"; do
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$h" \
            -keyout "$PKI/$h.key" -out "$PKI/$h.csr" 2>/dev/null
        openssl x509 -req -in "$PKI/$h.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial -days 2 \
            -extfile <(printf 'subjectAltName = DNS:%s\nkeyUsage = critical, digitalSignature\n' "$h") \
            -out "$PKI/$h.pem" 2>/dev/null
    done
}

# ike_section HOST PEER:INITIATE... — IKEv2 with the host's certificate; every peer proves its name by the demo CA.
# In cluster mode no peer is configured: [cluster] names the store, and the peers come from its inventory.
ike_section() {
    local h=$1 p f; shift
    f=$(ov_config_file "$h")
    (( CLUSTER )) || for p in "$@"; do ov_peer "$h" "${p%%:*}"; done
    printf '\n[ike]\ncertificate = "%s"\nprivate_key = "%s"\nca = ["%s"]\n' "$PKI/$h.pem" "$PKI/$h.key" "$PKI/ca.pem" >>"$f"
    # Short timers: a refused or missing peer is tried again within seconds, a dead one found in 2 s.
    printf 'dpd_interval = 2\nretransmit_timeout = 500\nretransmit_tries = 2\nretry_interval = 3\n' >>"$f"
    if (( CLUSTER )); then
        # epoch_period_s: a third of grid's max_age, so attested IKE's challenge is always the cluster's epoch.
        printf '\n[cluster]\nendpoints = [%s]\nlease_ttl_s = 5\npeer_grace_s = 5\nepoch_period_s = 5\n' \
            "$(sed 's/[^,]*/"&"/g; s/,/, /g' <<<"$ETCD_EP")" >>"$f"
        return 0
    fi
    for p in "$@"; do
        printf '\n[[ike.peer]]\nname = "%s"\nauth = "pubkey"\ninitiate = "%s"\n' "${p%%:*}" "${p#*:}" >>"$f"
    done
}

# ---- cluster mode (CLUSTER=1) --------------------------------------------------------------------------------------
# One etcd member in each host's namespace, on its underlay address (2379 clients, 2380 peers).
start_etcd() {
    local h members=()
    for h in "${HOSTS[@]}"; do members+=(--member "e${h#h}=$(lab_ns "$h")@$(lab_ul_addr "$h")"); done
    scripts/etcd.sh start "$ETCD_DIR" "${members[@]}" --retention 1h | sed 's/^/   /' || return 1
    ETCD_EP=$(scripts/etcd.sh endpoints "$ETCD_DIR")
    note "etcd: 3 members ($ETCD_EP), auto-compaction keeping 1 h of history"
}

# cluster_ctl ARGS... — tvdctl's cluster verbs against the demo's store, from h1 (the store is on the underlay).
# cluster_show ARGS... — the same through `show`, printed as an administrator on h1 types it.
cluster_ctl() { nsenter --net="/run/netns/$(lab_ns h1)" -- "$TVDCTL" "$@" --cluster "$ETCD_EP"; }
cluster_show() {
    local rc=0
    printf '\033[36mh1$ tvdctl %s --cluster %s\033[0m\n' "$*" "$ETCD_EP"
    cluster_ctl "$@" >"$LAB_DIR/tmp/shown" 2>&1 || rc=$?
    sed 's/^/    /' "$LAB_DIR/tmp/shown"
    return "$rc"
}

# The administrator's part: each host's AK enrolled (never trusted on first use), the policy pushed to the store.
cluster_enroll_and_push() {
    local h
    for h in "${HOSTS[@]}"; do
        cluster_show host enroll "$h" --ak "sha256:$(grep -oP "\\b$h = \"\\K[0-9a-f]{64}" "$OV_POLICY")" \
            || { bad "enrolling $h failed"; return 1; }
    done
    cluster_show policy push "$OV_POLICY" || { bad "the policy push failed"; return 1; }
}


# guest_section HOST — [hypervisor] and one [[guest]] per guest of HOST.
guest_section() {
    local h=$1 f g ip
    f=$(ov_config_file "$h")
    printf '\n[hypervisor]\nnetns_prefix = "%sg%s-"\naudit_log = "%s"\n' "$LAB_PREFIX" "${h#h}" "$LAB_DIR/$h/guest-audit.log" >>"$f"
    if [[ $h == h2 && $VM_BACKEND == libvirt ]]; then
        printf 'uri = "%s"\nacceleration = "auto"\ntap_netns = "/proc/%s/ns/net"\nconsole_log_dir = "%s"\n' \
            "$LV_URI" "$(pgrep -xo libvirtd)" "$(dirname "$VM_CONSOLE")" >>"$f"
    fi
    for g in "${GUESTS[@]}"; do
        [[ ${G_HOST[$g]} == "$h" ]] || continue
        printf '\n[[guest]]\nname = "%s"\nbackend = "%s"\nnetworks = ["%s"]\nautostart = %s\n' "$g" "$(g_backend "$g")" \
            "${G_NET[$g]}" "$([[ $g == rival-client ]] && echo false || echo true)" >>"$f"
        if [[ $(g_backend "$g") == libvirt ]]; then
            # The BOINC client VM (scripts/guest-image.sh --boinc: the test guest's ping and HTTP on :80, plus
            # boinc-client 7.20 attached at boot to the project, its log on the console). rival-client boots the
            # same image without a project: it only has to exist and be refused.
            printf 'kernel = "%s"\ninitrd = "%s"\n' "$VM_IMAGE/vmlinuz" "$VM_IMAGE/initrd.img" >>"$f"
            if [[ $g == boinc-client ]]; then
                printf 'cmdline = "%s"\nmemory_mib = 384\n' \
                    "$(bo_vm_cmdline "${G_ADDR[$g]}/24" "$g" "$MASTER_URL" "$BOINC_AUTH")" >>"$f"
            else
                printf 'cmdline = "console=ttyS0 quiet panic=-1 tvd.ip=%s/24 tvd.name=%s"\nmemory_mib = 256\n' "${G_ADDR[$g]}" "$g" >>"$f"
            fi
        else
            printf 'addresses = ["%s/24"]\n' "${G_ADDR[$g]}" >>"$f"
        fi
    done
}

# A first start of every daemon from its final config, stopped again, to learn what the policy and the reference
# values must name: each host's AK (its embedded swtpm keeps it across restarts) and the digests of the guest images
# it launched (kernel, initrd and definition, measured as tvd:<TVD>/<guest>/…; the definitions are the same bytes at
# every start). The demo plays the administrator who approves the images it built: those digests become the
# known-good guest images of their TVDs (`tvd <TVD> <sha256>` in reference.txt).
first_start() {
    local h g pin pids=()
    for h in "${HOSTS[@]}"; do ov_start "$h" & pids+=($!); done
    wait_pids "${pids[@]}" || return 1
    pids=()
    for g in "${GUESTS[@]}"; do
        [[ $g == rival-client ]] || g_wait_running "$g" 60 || return 1
    done
    echo "# the demo's guest images as its daemons launched them (kernel, initrd, definition): known-good per TVD" \
        >"$LAB_DIR/guest-images.txt"
    for h in "${HOSTS[@]}"; do
        pin=$(at_pin "$h")
        [[ $pin =~ ^[0-9a-f]{64}$ ]] || { echo "no AK fingerprint from $h"; return 1; }
        sed -i "s/\b$h = \"0\{64\}\"/$h = \"$pin\"/" "$OV_POLICY"
        note "$h: AK sha256:${pin:0:16}…, guest images: $(awk '$5 ~ /^tvd:/ { printf "%s ", $5 }' "$(ov_q "$h" '.attest.ascii_measurement_log')")"
        awk '$5 ~ /^tvd:/ { split($5, p, "/"); sub(/^sha256:/, "", $4); print "tvd", substr(p[1], 5), $4 }' \
            "$(ov_q "$h" '.attest.ascii_measurement_log')" >>"$LAB_DIR/guest-images.txt"
        at_stop "$h" & pids+=($!)
    done
    wait_pids "${pids[@]}"
}

# wait_pids PID... — waits for these background jobs (not the daemons lab_bg left as jobs); fails if one failed.
wait_pids() { local p rc=0; for p in "$@"; do wait "$p" || rc=1; done; return "$rc"; }

start_libvirt() {
    if [[ ${TVD_DEMO_BACKEND:-} == netns ]]; then
        note "TVD_DEMO_BACKEND=netns: boinc-client and rival-client run as namespace guests"
        return 0
    fi
    if ! scripts/libvirtd.sh status >/dev/null 2>&1; then
        if scripts/libvirtd.sh start | sed 's/^/   /'; then touch "$LV_MARK"; fi
    fi
    if scripts/libvirtd.sh status >/dev/null 2>&1; then
        if scripts/guest-image.sh --boinc "$VM_IMAGE" >"$LAB_DIR/tmp/guest-image.log" 2>&1; then
            tail -n 1 "$LAB_DIR/tmp/guest-image.log" | sed 's/^/   /'
        else
            tail -n 5 "$LAB_DIR/tmp/guest-image.log" | sed 's/^/   /'
            bad "scripts/guest-image.sh --boinc failed: no BOINC client VM"
            return 1
        fi
        VM_BACKEND=libvirt
    else
        bold "   libvirtd cannot run here: boinc-client and rival-client become NAMESPACE guests (no VM in this run)"
    fi
}

step_hosts() {
    local h
    for h in "${HOSTS[@]}"; do lab_add_host "$h"; done
    note "hosts h1 h2 h3: namespaces ${LAB_PREFIX}h1..h3 on the underlay bridge ${LAB_PREFIX}br, 10.200.0.1-3"
    if (( CLUSTER )); then start_etcd || { bad "etcd did not start"; return 1; }; fi
    start_libvirt || return 1
    make_pki
    BOINC_AUTH=$(bo_auth)
    note "demo CA $PKI/ca.pem; certificates h1.pem h2.pem h3.pem (CN and DNS subjectAltName = host name)"
    cp "$POLICY_SRC" "$OV_POLICY"
    # A pushed policy's relative file names resolve on each host against <state_dir>/cluster/: name it absolutely.
    (( CLUSTER == 0 )) || sed -i "s|^reference_values = \"reference.txt\"|reference_values = \"$AT_REFERENCE\"|" "$OV_POLICY"
    echo "# filled in below" >"$AT_REFERENCE"
    for h in "${HOSTS[@]}"; do ov_config "$h" no-key-export; done
    # h1 initiates to h2; h3 initiates to both (it is the one that comes asking).
    ike_section h1 h2:yes h3:no
    ike_section h2 h1:no h3:no
    ike_section h3 h1:yes h2:yes
    for h in "${HOSTS[@]}"; do guest_section "$h"; done
    printf '\n[metrics]\nlisten = "127.0.0.1:%s"   # Prometheus text format, on h1'"'"'s loopback only\n' "$METRICS_PORT" >>"$(ov_config_file h1)"
    note "configs: $(ov_config_file h1) $(ov_config_file h2) $(ov_config_file h3) ([dataplane], [ike] with certificates, [hypervisor], [[guest]]$( ((CLUSTER)) && echo ', [cluster] and no peers'))"
    first_start || { bad "the first start of the daemons failed"; return 1; }
    at_reference
    cat "$LAB_DIR/guest-images.txt" >>"$AT_REFERENCE"
    note "reference values ($AT_REFERENCE): the daemon's binary and assembly, the three configs, the policy, $(grep -c '^tvd ' "$AT_REFERENCE") guest images"
    show "$TVDCTL" policy check "$OV_POLICY" || bad "the demo policy does not check"
    if (( CLUSTER )); then cluster_enroll_and_push || return 1; fi
    # h3 first: it measures a binary no reference value names before anyone talks to it (as IMA would record it).
    mkdir -p "$(dirname "$AT_UNKNOWN")"
    head -c 4096 /dev/urandom >"$AT_UNKNOWN"
    ov_start h3 || return 1
    show "$TVDCTL" attest daemon-measure "$AT_UNKNOWN" --socket "$(sock h3)" || bad "h3 did not measure the unknown binary"
    ov_start h1 & local p1=$!
    ov_start h2 & local p2=$!
    wait_pids "$p1" "$p2" || { bad "a daemon did not start"; return 1; }
    show "$TVDCTL" status --socket "$(sock h1)" | sed -n '1,/^ *last reload/p'
    note "h1's TPM: $(ov_q h1 '"\(.attest.tpm.kind) (pid \(.attest.tpm.swtpm_pid)): \(.attest.tpm.warning)"'); $(ov_q h1 '.attest.measurements') measurements in PCR $(ov_q h1 '.attest.pcr')"
    for h in "${HOSTS[@]}"; do
        check "$h: daemon up, embedded swtpm" "embedded_swtpm" "$(ov_q "$h" '.attest.tpm.kind')"
    done
    return "$fail"
}

# ---- cluster mode only: the store ----------------------------------------------------------------------------------
# Every host runs the pushed policy, the inventory admits the three enrolled hosts, and a second version pushed to
# the store reaches every daemon without touching a host.
step_cluster() {
    local t0 ms v2=$LAB_DIR/policy-v2.toml
    cluster_show policy rollout --wait 30 || bad "not every host committed the pushed policy"
    check "rollout of version 1: h1 h2 h3 committed" "3" "$(grep -cE '^h[123] +[0-9a-z]+ +committed' "$LAB_DIR/tmp/shown")"
    cluster_show hosts || bad "tvdctl hosts failed"
    check "inventory: h1 h2 h3 admitted" "3" "$(grep -cE '^h[123] .*admitted' "$LAB_DIR/tmp/shown")"
    sed 's/^version = 1$/version = 2\nreplaces = 1/' "$OV_POLICY" >"$v2"
    # Each host measures the policy it commits, as <state_dir>/cluster/policy-v2.toml: the reference values must name
    # that file before the push, or every host's evidence turns unknown and grid goes (docs/cluster.md).
    local h digest
    digest=$(sha256sum <"$v2" | cut -d' ' -f1)
    for h in "${HOSTS[@]}"; do printf '%s  %s\n' "$digest" "$LAB_DIR/$h/state/cluster/policy-v2.toml"; done >>"$AT_REFERENCE"
    note "reference values: version 2 as each host will measure it (sha256:${digest:0:16}…), added before the push"
    t0=$EPOCHREALTIME
    cluster_show policy push "$v2" || bad "pushing version 2 failed"
    cluster_show policy rollout --version 2 --wait 30 || bad "version 2 did not reach every host"
    ms=$(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 ))
    note "version 2: pushed and committed by all three hosts in $ms ms (no host touched)"
    check "h1 runs version 2" "2" "$(ov_q h1 '.policy.version')"
    show "$TVDCTL" status --socket "$(sock h2)"
    showed '^ *cluster' || bad "h2's status has no cluster section"
    # One challenge for the whole cluster: the epoch the elected leader publishes (one TPM quote per epoch per host).
    local src="" i
    for i in $(seq 30); do
        src=$(ov_q h1 '.attest.handshakes.challenge_source')
        [[ $src == cluster_epoch ]] && break
        sleep 0.3
    done
    check "h1's attestation challenge: the cluster's epoch (leader $(ov_q h1 '.cluster.epoch.leader'))" cluster_epoch "$src"
    return "$fail"
}

# ---- step 2: guests ------------------------------------------------------------------------------------------------
step_guests() {
    local g h
    for g in "${GUESTS[@]}"; do
        [[ $g == rival-client ]] && continue
        g_wait_running "$g" 60 && ok "$g on ${G_HOST[$g]}: $(g_backend "$g"), running, port attached" || bad "$g is not running"
    done
    start_web_stand_in || bad "the stand-in web server in boinc-server did not start"
    for h in h1 h2; do show "$TVDCTL" guest list --socket "$(sock "$h")" || true; done
    check "rival-client (autostart = false) is not running" "" "$(g_state h2 rival-client | grep -w running || true)"
    if [[ $VM_BACKEND == libvirt ]]; then
        show lv_virsh list --all | grep -E 'boinc-client|rival-client' || true
        lv_port_of boinc-client h2 >"$LAB_DIR/taps"; lv_port_of rival-client h2 >>"$LAB_DIR/taps"
    fi
    return "$fail"
}

# ---- step 3: attestation, CHILD_SAs, grid traffic ------------------------------------------------------------------
tvd_field() { ov_q "$1" ".ike.peers[] | select(.name==\"$2\") | .tvds[] | select(.tvd==\"$3\") | .$4"; }

step_grid() {
    at_wait_children h1 h2 "tvd:grid tvd:office" 60 && ok "h1 <-> h2: CHILD_SAs for grid and office" || bad "no grid and office CHILD_SAs between h1 and h2"
    show "$TVDCTL" attest peers --socket "$(sock h1)" || bad "tvdctl attest peers on h1"
    check "h1 sees h2 attested for grid" true "$(tvd_field h1 h2 grid attested)"
    check "h2 sees h1 attested for grid" true "$(tvd_field h2 h1 grid attested)"
    local q='.ike.child_sas[] | "\(.peer)  \(.label)  in \(.in_spi) out \(.out_spi)  \(.suite)"'
    printf '\033[36m$ tvdctl status --json --socket %s | jq -r '"'"'%s'"'"'\033[0m\n' "$(sock h1)" "$q"
    ov_status h1 | jq -r "$q" | sed 's/^/    /'
    check "h2 authenticated with its certificate" "CN=h2" "$(ov_q h1 '.ike.ike_sas[] | select(.peer=="h2") | .peer_certificate' | head -n1)"
    # The VM boots under TCG; wait for its first answer through the overlay.
    local start=$SECONDS
    if lab_wait_for boinc-server 120 ping -c1 -W1 "$CLIENT"; then
        note "boinc-client answered through the overlay after $(( SECONDS - start )) s"
    fi
    show gexec boinc-server ping -c3 -i0.2 -W2 "$CLIENT"
    showed ' 0% packet loss' && ok "grid ping boinc-server (h1) -> boinc-client (h2)" || bad "grid ping boinc-server -> boinc-client"
    if [[ $VM_BACKEND == libvirt ]]; then
        # The tiny guest serves its name over HTTP; the BOINC client image will talk to the server instead.
        show gexec boinc-server curl -fsS --max-time 5 "http://$CLIENT/"
        showed "tvd-guest boinc-client" && ok "grid HTTP boinc-server -> boinc-client (the VM's httpd)" || bad "grid HTTP to the VM"
    else
        show gexec boinc-client curl -fsS --max-time 5 "http://$SERVER/"
        showed "boinc-server" && ok "grid HTTP boinc-client -> boinc-server" || bad "grid HTTP boinc-client -> boinc-server"
    fi
    return "$fail"
}

# A stand-in web server in the server guest (what answers on the BOINC server's address until it is built).
start_web_stand_in() {
    mkdir -p "$LAB_DIR/www"
    echo "boinc-server $SERVER (stand-in web server)" >"$LAB_DIR/www/index.html"
    printf 'kind=guest\nns=%s\n' "$(g_ns boinc-server)" >"$LAB_DIR/nodes/boinc-server"
    lab_bg boinc-server web python3 -m http.server --bind "$SERVER" --directory "$LAB_DIR/www" 80
    lab_wait_for boinc-server 10 sh -c "ss -ltn | grep -q '$SERVER:80 '"
}

# ---- step 4: BOINC -------------------------------------------------------------------------------------------------
# The BOINC project server (tvd-boinc-server, docs/demo.md) in the namespace guest boinc-server ($SERVER, h1) takes
# port 80 from the stand-in; the client in boinc-client ($CLIENT, h2) is the VM of guest_section (boinc 7.20 attached
# at boot to $MASTER_URL), or with no libvirt the real boinc client in the namespace guest. Attach, scheduler RPC,
# work unit, upload, report, validation — all through the overlay.
step_boinc() {
    local esp1 esp2 t0=$SECONDS
    esp1=$(bo_grid_esp h1 grid) esp2=$(bo_grid_esp h2 grid)
    lab_stop web 2>/dev/null || true
    shown "nsenter --net=/run/netns/$(g_ns boinc-server) tvd-boinc-server --listen $SERVER:80 --data $BO_DIR/data --units 2 --rounds 50 --next-rpc-delay 2 --status $BO_DIR/status.json &"
    bo_server_start boinc-server "$SERVER" --units 2 --rounds 50 --next-rpc-delay 2 \
        || { bad "tvd-boinc-server did not start in boinc-server"; return 1; }
    ok "tvd-boinc-server in boinc-server (h1) on $SERVER:80: 2 work units of a 50-round hash chain"
    if [[ $VM_BACKEND == libvirt ]]; then
        bo_client_vm "$VM_CONSOLE" boinc-server "$CLIENT"
        bold "   the client: boinc 7.20 in the libvirt VM boinc-client (h2), attached at boot to $MASTER_URL"
        # It booted before this server listened (the stand-in answered, or nothing did): its master fetch failed and
        # it backs off a minute or more. Its GUI RPC, reached from the server's side of grid, asks for an RPC now.
        local pw_wait=$(( SECONDS + 60 ))
        while [[ -z $(bo_password) ]] && (( SECONDS < pw_wait )); do sleep 0.5; done
        shown "nsenter --net=/run/netns/$(g_ns boinc-server) boinccmd --host $CLIENT --passwd $(bo_password) --project $MASTER_URL update"
        bo_nudge "$MASTER_URL" || note "(boinccmd could not reach the client yet; waiting for its own retry)"
    else
        bo_node boinc-client "$(g_ns boinc-client)"
        shown "nsenter --net=/run/netns/$(g_ns boinc-client) boinc --dir $LAB_DIR/boinc-client --attach_project $MASTER_URL $BOINC_AUTH &"
        bo_client_netns boinc-client "$MASTER_URL" "$BOINC_AUTH" || { bad "the BOINC client did not start"; return 1; }
        bold "   the client: boinc 7.20 (Debian boinc-client) in the NAMESPACE guest boinc-client (h2): no VM in this run"
    fi
    if bo_wait_valid "$MASTER_URL" 180; then
        ok "the server says all work units valid, $(( SECONDS - t0 )) s after it started"
    else
        bad "the server did not say all work units valid within 180 s"
    fi
    # The client logs the server's answer to its report a moment after the server logged it (at most 10 s here).
    local seen=$(( SECONDS + 10 ))
    until bo_client_lines "$MASTER_URL" | tail -n 1 | grep -q "Scheduler request completed" || (( SECONDS >= seen )); do sleep 0.5; done
    shown "cat $(lab_log_of boinc-server)   # tvd-boinc-server in boinc-server (h1)"
    bo_server_lines | sed 's/^/    /'
    shown "grep $MASTER_URL $BO_CLIENT_LOG   # the client in boinc-client (h2)"
    bo_client_lines "$MASTER_URL" | sed 's/^/    /'
    check "work units valid (status.json counts.valid)" 2 "$(bo_status .counts.valid)"
    check "addresses the server heard from (status.json clients)" "$CLIENT" "$(bo_status '[.clients[].address] | join(" ")')"
    for step in "master page to $CLIENT" "scheduler RPC from $CLIENT .*sent wu_1, wu_2" "upload wu_1_0 .*hash chain checks out" \
                "upload wu_2_0 .*hash chain checks out" "result wu_1_0 reported: valid" "result wu_2_0 reported: valid"; do
        grep -qE "$step" "$(lab_log_of boinc-server)" && ok "server: $step" || bad "server log has no '$step'"
    done
    bo_client_lines "$MASTER_URL" | grep -q "Reporting 2 completed tasks" && ok "client: reported 2 completed tasks" \
        || bad "the client's log has no 'Reporting 2 completed tasks'"
    # All of it crossed h1 <-> h2 inside grid's ESP: both data planes' grid SA counters moved.
    local e1 e2
    e1=$(bo_grid_esp h1 grid) e2=$(bo_grid_esp h2 grid)
    note "grid ESP packets in/out: h1 $esp1 -> $e1, h2 $esp2 -> $e2"
    at_least "h1 grid ESP packets decrypted meanwhile" 10 "$(( ${e1% *} - ${esp1% *} ))"
    at_least "h2 grid ESP packets decrypted meanwhile" 10 "$(( ${e2% *} - ${esp2% *} ))"
    return "$fail"
}

# ---- step 5: office cannot reach the BOINC server ------------------------------------------------------------------
port_of() { ov_q "$1" ".dataplane.ports[] | select(.guest==\"$2\") | .$3"; }
# ICMP echo requests the server guest's kernel received (its own counter, /proc/net/snmp of its namespace).
server_echos() { gexec boinc-server awk '/^Icmp:/ { if (n++) { for (i = 1; i <= NF; i++) if (h[i] == "InEchos") print $i } else for (i = 1; i <= NF; i++) h[i] = $i }' /proc/net/snmp; }

step_office() {
    local tx_before tx_after echos_before drops_before port
    note "office-h2 (office, 10.10.0.12 on h2) tries the BOINC server's address $SERVER; h1 captures both TVDs meanwhile"
    "$TVDCTL" capture --tvd grid --seconds 8 --json --socket "$(sock h1)" >"$LAB_DIR/grid.capture" 2>&1 &
    local grid_cap=$!
    "$TVDCTL" capture --tvd office --peer h2 --seconds 8 --socket "$(sock h1)" >"$LAB_DIR/office.capture" 2>&1 &
    local office_cap=$!
    sleep 1.5   # tvdctl's start-up; the captures run 8 s, the counters are read inside that window
    tx_before=$(port_of h1 boinc-server tx_packets) echos_before=$(server_echos) drops_before=$(ov_q h1 '.dataplane.drops_total')
    show gexec office-h2 ping -c4 -i0.5 -W1 "$SERVER"
    showed '4 packets transmitted, 0 received' && ok "office-h2 -> $SERVER: 4 sent, 0 received" || bad "office-h2's ping of the BOINC server was not 4 sent, 0 received"
    show gexec office-h2 curl -sS --max-time 2 "http://$SERVER/" && bad "office-h2 got an HTTP answer from the BOINC server" \
        || ok "office-h2's HTTP request to the BOINC server got no answer"
    show jq -c '{clients: [.clients[].address], otherClientRequests, requests}' "$BO_DIR/status.json"
    if [[ -n $(bo_status '.clients[].address') ]] && ! bo_status '.clients[].address' | grep -qx '10\.10\.0\.12'; then
        ok "the BOINC server's clients (status.json): $(bo_status '[.clients[].address] | join(" ")'), not office-h2's 10.10.0.12"
    else
        bad "the BOINC server's clients (status.json): '$(bo_status '[.clients[].address] | join(" ")')' (office-h2 among them, or no status)"
    fi
    tx_after=$(port_of h1 boinc-server tx_packets)
    wait "$grid_cap" "$office_cap" || true
    printf '\033[36m$ tvdctl capture --tvd office --peer h2 --seconds 8 --socket %s\033[0m\n' "$(sock h1)"
    sed 's/^/    /' "$LAB_DIR/office.capture" | head -n 8
    grep -q 'tell 10.10.0.12\|10.10.0.12 >' "$LAB_DIR/office.capture" \
        && ok "h1 received office-h2's frames — in office, from peer h2" || bad "no office frame from office-h2 reached h1 (the attempt did not happen?)"
    printf '\033[36m$ tvdctl capture --tvd grid --seconds 8 --json --socket %s\033[0m\n' "$(sock h1)"
    sed 's/^/    /' "$LAB_DIR/grid.capture" | tail -n 3
    check "frames from office-h2 in h1's grid capture" 0 "$(grep -c '10\.10\.0\.12' "$LAB_DIR/grid.capture" || true)"
    jq -e 'select(.summary) | .summary.ended == "seconds"' "$LAB_DIR/grid.capture" >/dev/null 2>&1 \
        && ok "the grid capture ran its 8 s" || bad "the grid capture did not run (see above)"
    # The server's side: its kernel counted no echo request and never heard of 10.10.0.12 (an ARP request it had
    # received would have left a neighbour entry).
    check "ICMP echo requests boinc-server received meanwhile (its /proc/net/snmp InEchos)" "$echos_before" "$(server_echos)"
    show gexec boinc-server ip neigh show
    showed '^10\.10\.0\.12 ' && bad "boinc-server has a neighbour entry for office-h2" || ok "boinc-server never heard of 10.10.0.12 (no neighbour entry)"
    # The daemon's counters: what reached the server's port is grid traffic only (the capture above shows each frame);
    # office frames are never dropped at a grid boundary: they never enter grid's switch, so no drop counter moves.
    port=$(port_of h1 boinc-server name)
    at_least "frames the grid capture saw go to boinc-server's port, against the port's tx counter meanwhile ($tx_before -> $tx_after)" \
        "$(( tx_after - tx_before ))" "$(jq -s "[.[] | select(.out.name == \"$port\")] | length" "$LAB_DIR/grid.capture" 2>/dev/null)"
    note "h1 data plane drops: $drops_before before, $(ov_q h1 '.dataplane.drops_total') after"
    local rc=0
    show "$TVDCTL" policy explain "$OV_POLICY" --attach office-h2 --resource grid-net || rc=$?
    check "policy explain --attach office-h2 --resource grid-net: exit (1 = deny)" 1 "$rc"
    return "$fail"
}

# ---- step 6: h3 with an unknown binary -----------------------------------------------------------------------------
step_h3() {
    local h line rc=0
    for h in h1 h2; do
        at_wait_children "$h" h3 "tvd:office" 30 && ok "$h <-> h3: office only" || bad "$h <-> h3 is not office only"
    done
    show "$TVDCTL" attest peers --socket "$(sock h1)" || true
    check "h1's decision on h3 for grid" deny "$(tvd_field h1 h3 grid verdict)"
    for _ in $(seq 40); do   # h3 asks again every retry_interval (3 s)
        line=$(at_audit h1 "join deny .*peer=h3 tvd=grid" | grep -m1 "ref.unknown" || true)
        [[ -n $line ]] && break
        sleep 0.5
    done
    if [[ $line == *"$AT_UNKNOWN"* ]]; then
        ok "h1 audits the refusal with the finding:"; note "${line:0:400}"
    else
        bad "h1: no audit 'join deny ... peer=h3 tvd=grid ... ref.unknown' (got: $(at_audit h1 'peer=h3 tvd=grid' | tail -n 1))"
    fi
    "$TVDCTL" attest daemon-evidence --peer h1 --full --out "$LAB_DIR/h3.evidence" --socket "$(sock h3)" >/dev/null 2>&1 || true
    show "$TVDCTL" policy explain "$OV_POLICY" --join grid --host h3 --evidence "$LAB_DIR/h3.evidence" || rc=$?
    [[ $rc == 1 ]] && showed "ref\.unknown" && ok "policy explain --evidence: h3's own evidence refused for grid (exit 1, ref.unknown)" \
        || bad "policy explain --evidence on h3's evidence: exit $rc"
    show "$TVDCTL" policy explain "$OV_POLICY" --join office --host h3 && ok "office lets h3 in without attestation" \
        || bad "policy explain --join office --host h3 did not allow"
    show gexec office-h3 ping -c3 -i0.2 -W2 "${G_ADDR[office-h1]}"
    showed ' 0% packet loss' && ok "office ping office-h3 (h3) -> office-h1 (h1)" || bad "office ping h3 -> h1"
    return "$fail"
}

# ---- step 7: Chinese Wall ------------------------------------------------------------------------------------------
step_wall() {
    local rc=0 out audit=$LAB_DIR/h2/guest-audit.log state="" line
    out=$(show "$TVDCTL" guest start rival-client --socket "$(sock h2)") || rc=$?
    printf '%s\n' "$out"
    [[ $rc == 1 && $out == *"chinese-wall"*"project-b"*"project-a"* ]] \
        && ok "tvdctl guest start rival-client: refused (exit 1) by the chinese-wall rule" || bad "guest start rival-client: exit $rc"
    if [[ $VM_BACKEND == libvirt ]]; then
        # Behind the daemon's back: the domain names a managed='no' TAP, so whoever starts it makes the TAP first.
        local tap
        tap=$(lv_port_of rival-client h2)
        ip tuntap add dev "$tap" mode tap && ip link set "$tap" up
        # The daemon sees the start (a libvirt event) and destroys the domain, often before virsh's start returns.
        show lv_virsh start rival-client || true
        for _ in $(seq 150); do
            state=$(lv_virsh domstate rival-client | head -n1)
            [[ $state == "shut off" ]] && grep -q "OutOfBandDestroyed rival-client" "$audit" && break
            sleep 0.1
        done
        show lv_virsh domstate rival-client || true
    else
        show ip netns add "$(g_ns rival-client)" || true
        for _ in $(seq 150); do
            [[ -e /run/netns/$(g_ns rival-client) ]] || state="shut off"
            [[ $state == "shut off" ]] && grep -q "OutOfBandDestroyed rival-client" "$audit" && break
            sleep 0.1
        done
    fi
    check "rival-client started behind the daemon's back" "shut off" "$state"
    if line=$(grep "OutOfBandDestroyed rival-client" "$audit"); then
        ok "h2's guest audit log:"; note "$line"
    else
        bad "no OutOfBandDestroyed line for rival-client in $audit"
    fi
    check "boinc-client still running" "running attached" "$(g_state h2 boinc-client)"
    return "$fail"
}

# ---- step 8: the example policy, offline -------------------------------------------------------------------------
# examples/policy.toml (the seed data center of IBM's TVD papers): a decision of each kind, taken by the policy engine
# and explained, and a broken copy refused with every error at once. tvdctl alone, no daemon.
explain_expect() {
    local expect=$1 rc=0 got; shift
    show "$TVDCTL" policy explain examples/policy.toml "$@" || rc=$?
    got=allow; ((rc == 1)) && got=deny; ((rc > 1)) && got="error (exit $rc)"
    check "explain $*" "$expect" "$got" >/dev/null || true
    [[ $got == "$expect" ]] || echo "    ^ expected $expect, got $got"
}

step_example_policy() {
    explain_expect allow --attach hr-db --resource red-net
    explain_expect deny --attach hr-db --resource blue-net
    explain_expect allow --attach bridge-gw --resource blue-net
    explain_expect deny --start avis-web --running hertz-web
    explain_expect deny --start acct-app --host host2
    explain_expect allow --join green --host host2
    explain_expect deny --join red --host host2
    local broken=$LAB_DIR/broken-policy.toml rc=0
    sed -e 's/vlan = 102/vlan = 101/' -e 's/networks = \["blue-net"\]/networks = ["blu-net"]/' \
        -e 's/^label = "tvd:green"/lable = "tvd:green"/' examples/policy.toml >"$broken"
    show "$TVDCTL" policy check "$broken" || rc=$?
    check "a broken copy (a VLAN twice, a misspelt network, a misspelt key): policy check exit" 2 "$rc"
    check "errors reported, each with file:line:column" 3 "$(grep -cE '^ *[^ ]+\.toml:[0-9]+:[0-9]+: error' "$LAB_DIR/tmp/shown" || true)"
    return "$fail"
}

# ---- step 10: the picture (step 9, the metrics, is just above) -------------------------------------------------------------------------------------------
# tvdctl graph from h1's daemon (docs/cli.md), after every other step so that h3's refused join is there to be drawn;
# the labels read back from the SVG as a browser shows them (attested-ike's svg-labels.py), the PNG's pixels counted.
SVG_LABELS=$REPO_ROOT/netns-lab/scenarios/attested-ike/svg-labels.py
# step_metrics — what Prometheus would scrape from h1 (docs/metrics.md): grid's and office's ESP packets per peer and
# direction, the join verdicts the attestation gave each peer, and the evidence's age.
step_metrics() {
    local url="http://127.0.0.1:$METRICS_PORT/metrics" series
    bold "   \$ ip netns exec ${LAB_PREFIX}h1 curl -s $url | grep -E '^tvd_(packets_total|attestation_verdict|attestation_evidence_age_seconds)'"
    series=$(lab_exec h1 curl -fsS -m 5 "$url" 2>&1) || { bad "h1's metrics endpoint did not answer: $series"; return 1; }
    grep -E '^tvd_(packets_total|attestation_verdict|attestation_evidence_age_seconds)\{' <<<"$series" | sed 's/^/   /'
    # metric NAME LABEL=\"VALUE\"... — the value of the series with those labels, in whatever order the exporter wrote them
    metric() {
        local name=$1; shift
        awk -v name="$name{" -v want="$*" 'index($0, name) == 1 {
            n = split(want, w, " "); for (i = 1; i <= n; i++) if (!index($0, w[i])) next
            sub(/^[^}]*} /, ""); split($0, v, " "); print v[1]; exit }' <<<"$series"
    }
    local grid_out
    grid_out=$(metric tvd_packets_total 'direction="out"' 'peer="h2"' 'tvd="grid"')
    [[ ${grid_out:-0} =~ ^[0-9]+$ ]] && ((grid_out > 0)) && ok "metrics: grid ESP packets sealed for h2: $grid_out" \
        || bad "metrics: no grid packets sealed for h2 (${grid_out:-absent})"
    check "metrics: grid verdict for h2" 1 "$(metric tvd_attestation_verdict 'peer="h2"' 'tvd="grid"' 'verdict="allow"')"
    check "metrics: grid verdict for h3" 1 "$(metric tvd_attestation_verdict 'peer="h3"' 'tvd="grid"' 'verdict="deny"')"
    check "metrics: office verdict for h3" 1 "$(metric tvd_attestation_verdict 'peer="h3"' 'tvd="office"' 'verdict="allow"')"
}

step_picture() {
    mkdir -p "$OUT"
    rm -f "$OUT/topology.svg" "$OUT/topology.png" "$OUT/topology-h2.svg"
    if [[ ! -S $(sock h1) ]]; then bad "h1's daemon is not running: nothing to draw"; return 1; fi
    show "$TVDCTL" graph -o "$OUT/topology.svg" --png "$OUT/topology.png" --socket "$(sock h1)" \
        || { bad "tvdctl graph on h1 failed"; return 1; }
    svg_q() { python3 "$SVG_LABELS" "$OUT/topology.svg" "$1" 2>&1; }
    check "picture: title" "TVD overlay — host h1" "$(svg_q title)"
    check "picture: peer hosts" "h2 h3" "$(svg_q peers)"
    check "picture: TVDs in the legend" "grid office" "$(svg_q tvds)"
    check "picture: h1's guests" "boinc-server office-h1" "$(svg_q guests)"
    check "picture: h1-h2 lines (TVD state attestation)" "grid up attested,office up not_required" "$(svg_q 'links h2')"
    [[ $(svg_q 'links h3') == "grid refused refused,office up not_required" ]] && ok "picture: h1-h3: grid refused, office up" \
        || bad "picture: h1-h3 lines: '$(svg_q 'links h3')'"
    [[ $(svg_q refusals) == *"refused h3 for grid"*"ref.unknown"* ]] && ok "picture: h3's refusal for grid with its finding" \
        || bad "picture: no refusal of h3 for grid with ref.unknown (got: $(svg_q refusals))"
    if command -v "${TVDCTL_CHROMIUM:-chromium}" >/dev/null 2>&1; then
        local look size colours inked
        look=$(python3 demo/png-look.py "$OUT/topology.png" 2>&1) || true
        read -r size colours inked <<<"$look"
        if [[ $colours =~ ^[0-9]+$ && $inked =~ ^[0-9]+\.[0-9]$ ]] && (( colours >= 4 && ${inked%.*} >= 1 )); then
            ok "picture: $OUT/topology.png rendered by headless Chromium: $size pixels, $colours colours, $inked % drawn on the background"
        else
            bad "picture: $OUT/topology.png is missing or blank (png-look: $look)"
        fi
    else
        bold "   no Chromium here: no PNG rendering (the SVG is the picture; scripts/deps.sh installs chromium)"
    fi
    # h2's own picture: the BOINC client VM (a daemon draws its own guests only).
    show "$TVDCTL" graph -o "$OUT/topology-h2.svg" --socket "$(sock h2)" || bad "tvdctl graph on h2 failed"
    check "picture of h2: its guests" "boinc-client office-h2 rival-client" \
        "$(python3 "$SVG_LABELS" "$OUT/topology-h2.svg" guests 2>&1)"
    note "open $OUT/topology.svg (h1) and $OUT/topology-h2.svg (h2) in a browser"
    return "$fail"
}

# ---- running, summary, teardown ------------------------------------------------------------------------------------
STEP_NAMES=() STEP_RESULTS=() STEP_TIMES=()
# run_step FUNCTION TITLE — runs one step, timed; a step fails when any of its checks did.
run_step() {
    local fn=$1 title=$2 t0=$EPOCHREALTIME rc=0 ms
    say "$(( ${#STEP_NAMES[@]} + 1 )). $title"
    fail=0
    "$fn" || rc=1
    (( fail == 0 )) || rc=1
    ms=$(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 ))
    STEP_NAMES+=("$title") STEP_TIMES+=("$(printf '%d.%d' $(( ms / 1000 )) $(( ms % 1000 / 100 )))")
    STEP_RESULTS+=("$( ((rc == 0)) && echo PASS || echo FAIL)")
    return "$rc"
}
skip_step() {
    say "$(( ${#STEP_NAMES[@]} + 1 )). $1"; note "skipped: $2"
    STEP_NAMES+=("$1") STEP_RESULTS+=("SKIP") STEP_TIMES+=("-")
}

summary() {
    local i failed=0
    say "Summary"
    printf '   %-3s %-60s %-6s %8s\n' "#" "step" "result" "seconds"
    for i in "${!STEP_NAMES[@]}"; do
        printf '   %-3s %-60s %-6s %8s\n' "$(( i + 1 ))" "${STEP_NAMES[$i]}" "${STEP_RESULTS[$i]}" "${STEP_TIMES[$i]}"
        [[ ${STEP_RESULTS[$i]} == PASS ]] || failed=$(( failed + 1 ))
    done
    printf '   total %d s\n' "$(( SECONDS - DEMO_START ))"
    return "$failed"
}

# Everything the demo made: the VMs and their definitions (and libvirtd if it started it), then every process,
# namespace and link with the prefix (the daemons stop their guests and swtpms), then /tmp/demo-lab.
demo_teardown() {
    trap '' INT TERM
    local j
    for j in $(jobs -p); do kill "$j" 2>/dev/null || true; done
    [[ -d $LAB_DIR ]] || { lv_cleanup; return 0; }
    # The processes in the daemons' guest namespaces (the stand-in web server, the BOINC server, a namespace client)
    # while those namespaces still have names: a daemon that stops removes them, and teardown finds no process then.
    [[ ! -e $LAB_DIR/pids/web.pid ]] || lab_stop web 2>/dev/null || true
    bo_stop
    # The daemons first, together: each stops its guests (h2 its VMs, through libvirtd) and its swtpm.
    for j in "${HOSTS[@]}"; do lab_stop "overlayd-$j" 2>/dev/null & done
    wait
    [[ ! -d $ETCD_DIR ]] || scripts/etcd.sh stop "$ETCD_DIR" >/dev/null 2>&1 || true
    lv_cleanup
    lab_teardown
    if lab_leftovers "$LAB_PREFIX" >"$LAB_DIR.leftovers" 2>&1; then rm -f "$LAB_DIR.leftovers"
    else echo "demo: left behind:"; cat "$LAB_DIR.leftovers"; rm -f "$LAB_DIR.leftovers"; fi
}

keep_message() {
    say "The demo keeps running (KEEP=1). Explore it:"
    local h
    for h in "${HOSTS[@]}"; do
        echo "   $h:  $TVDCTL status --socket $(sock "$h")"
    done
    cat <<EOF
   $TVDCTL attest peers --socket $(sock h1)
   $TVDCTL guest list --socket $(sock h2)
   $TVDCTL capture --tvd grid --count 10 --socket $(sock h1)
   $TVDCTL policy explain $OV_POLICY --attach office-h2 --resource grid-net
$( ((CLUSTER)) && printf '   nsenter --net=/run/netns/%s %s hosts --cluster %s\n' "$(lab_ns h1)" "$TVDCTL" "$ETCD_EP")
   nsenter --net=/run/netns/$(g_ns boinc-server) ping $CLIENT        # a shell in a guest: nsenter --net=/run/netns/demo-g<N>-<guest> bash
   logs: $LAB_DIR/logs/overlayd-h1.log (h2, h3), guest audit: $LAB_DIR/h2/guest-audit.log
   virsh -c $LV_URI list --all
 Tear it down:  make demo-clean   (scripts/demo.sh clean)
EOF
}

# A demo left by KEEP=1 (its owner gone) is removed; one still running is not touched.
clean_previous() {
    [[ -e $LAB_DIR ]] || return 0
    if _lab_owner_alive "$LAB_DIR"; then
        echo "demo: another demo is running (lab $LAB_DIR); wait for it or run: scripts/demo.sh clean" >&2
        exit 2
    fi
    echo "demo: removing the demo left running before ($LAB_DIR)"
    demo_teardown
}

main() {
    [[ $(id -u) -eq 0 ]] || { echo "demo: must run as root (network namespaces, libvirtd)" >&2; exit 2; }
    if [[ ${1:-} == clean ]]; then
        [[ -e $LAB_DIR ]] || { lv_cleanup; echo "demo: nothing to clean"; exit 0; }
        if _lab_owner_alive "$LAB_DIR"; then echo "demo: a demo is running; Ctrl-C it instead" >&2; exit 2; fi
        demo_teardown; echo "demo: cleaned"; exit 0
    fi
    [[ $# -eq 0 ]] || { echo "usage: $0 [clean]   (KEEP=1 keeps the demo running)" >&2; exit 2; }
    DEMO_START=$SECONDS
    clean_previous
    lab_init
    trap 'demo_teardown' EXIT
    trap 'echo; echo "demo: interrupted; tearing down"; demo_teardown; trap - EXIT; exit 130' INT
    trap 'demo_teardown; trap - EXIT; exit 143' TERM

    if run_step step_hosts "hosts h1 h2 h3: demo CA, swtpm, IKE certificates, policy"; then
        if (( CLUSTER )); then run_step step_cluster "cluster: policy rollout from etcd, inventory, version 2 pushed" || true; fi
        if run_step step_guests "guests started by the daemons (boinc-client: $VM_BACKEND)"; then
            run_step step_grid "h1 <-> h2 attested; grid + office CHILD_SAs; grid traffic" || true
            run_step step_boinc "BOINC: attach, work unit, upload, report, validation" || true
            run_step step_office "office-h2 -> BOINC server: nothing arrives; explain says why" || true
        else
            for t in "grid CHILD_SAs and traffic" "BOINC" "office isolation"; do skip_step "$t" "the guests did not start"; done
        fi
        run_step step_h3 "h3 with an unknown binary: refused for grid, joins office" || true
        run_step step_wall "Chinese Wall: start refused; rogue start destroyed, audited" || true
    else
        note "the hosts did not come up; the daemons' logs:"
        for h in "${HOSTS[@]}"; do tail -n 15 "$(lab_log_of "overlayd-$h")" 2>/dev/null | sed "s/^/   $h| /"; done
    fi
    run_step step_example_policy "example policy: decisions explained, broken copy refused" || true
    run_step step_metrics "metrics: h1's Prometheus endpoint (packets, verdicts)" || true
    run_step step_picture "picture: out/demo/topology.svg" || true

    local rc=0
    summary || rc=1
    if [[ ${KEEP:-0} == 1 ]]; then
        trap - EXIT INT TERM
        keep_message
    fi
    (( rc == 0 )) && echo "demo: every step held" || echo "demo: some steps did not hold (see the table)"
    exit "$rc"
}

main "$@"
