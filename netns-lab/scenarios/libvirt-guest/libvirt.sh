# shellcheck shell=bash
# libvirt-guest — helpers shared by pretest, evaltest.sh and posttest (sourced).
LV_URI=qemu:///system
LV_MARK=$LAB_DIR/libvirtd.started-here   # exists when this scenario started libvirtd
lv_vm1() { printf '%svm1\n' "$LAB_PREFIX"; }
lv_vm2() { printf '%svm2\n' "$LAB_PREFIX"; }
lv_virsh() { timeout 20 virsh -q -c "$LV_URI" "$@"; }

# lv_port_of GUEST [HOST] — the TAP (data plane port) of a configured guest, from `tvdctl guest list` on HOST (h1).
lv_port_of() {
    local h=${2:-h1}
    lab_exec "$h" "$REPO_ROOT/bin/tvdctl" guest list --socket "$(ov_socket "$h")" | awk -v g="$1" '$1 == g { print $6; exit }'
}

# Destroys and undefines every domain of this lab (names matching LV_DOMAINS, an extended regex; default: the prefix), removes TAPs of its guests left in the root namespace, and stops
# libvirtd when this scenario started it. Idempotent: posttest runs it, and pretest on failure.
lv_cleanup() {
    local d tap
    if timeout 5 virsh -c "$LV_URI" version >/dev/null 2>&1; then
        for d in $(lv_virsh list --all --name | grep -E "${LV_DOMAINS:-^$LAB_PREFIX}" || true); do
            lv_virsh destroy "$d" >/dev/null 2>&1 || true
            lv_virsh undefine "$d" >/dev/null 2>&1 || true
        done
    fi
    for tap in $(cat "$LAB_DIR/taps" 2>/dev/null); do
        [[ ! -e /sys/class/net/$tap ]] || ip link del "$tap" 2>/dev/null || true
    done
    if [[ -e $LV_MARK ]]; then
        "$REPO_ROOT/scripts/libvirtd.sh" stop && rm -f "$LV_MARK"
    fi
}
