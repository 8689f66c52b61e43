# shellcheck shell=bash
# boinc — what pretest, evaltest.sh and posttest share (sourced): names, addresses, the client's kind.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/boinc.sh"
source "$PWD/../attested-ike/attest.sh"     # at_ike_config, at_wait_children, at_stop
source "$PWD/../libvirt-guest/libvirt.sh"   # lv_virsh, lv_port_of, lv_cleanup, LV_MARK, LV_URI
OV_POLICY=$LAB_DIR/policy.toml
BO_SERVER=bserver                           # h1's netns guest (namespace ${LAB_PREFIX}g1-bserver)
BO_CLIENT=${LAB_PREFIX}bclient              # h2's guest: the BOINC VM (a libvirt domain: prefixed) or a netns guest
BO_SERVER_ADDR=10.77.0.1 BO_CLIENT_ADDR=10.77.0.2
BO_URL=http://$BO_SERVER_ADDR/
BO_IMAGE=$REPO_ROOT/out/guest-image-boinc
BO_KIND_FILE=$LAB_DIR/client-kind           # "vm" or "netns WHY", written by pretest
# bo_ns HOST GUEST — a netns guest's namespace: each daemon has its own prefix (a daemon takes a namespace with its
# prefix that is not its guest for a guest started behind its back, and removes it).
bo_ns() { printf '%sg%s-%s\n' "$LAB_PREFIX" "${1#h}" "$2"; }
bo_kind() { awk '{ print $1 }' "$BO_KIND_FILE" 2>/dev/null; }
# bo_which_client — points BO_CLIENT_LOG/BO_CLIENT_RPC at the client pretest started (the VM's console file and its
# GUI RPC from the server's namespace, or the namespace client's log and its own loopback).
bo_which_client() {
    if [[ $(bo_kind) == vm ]]; then
        bo_client_vm "$LAB_DIR/h2/console/$BO_CLIENT.console.log" "$BO_SERVER" "$BO_CLIENT_ADDR"
    else
        BO_CLIENT_LOG=$(lab_log_of boinc-client) BO_CLIENT_RPC="$BO_CLIENT 127.0.0.1"
    fi
}
