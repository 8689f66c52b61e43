# shellcheck shell=bash
# packaging — what pretest, evaltest.sh and posttest share: the package, its paths, and the check that a
# tvd-overlay already on this machine is one this test may replace.
PKG=tvd-overlay
PKG_VERSION=$(tr -d '[:space:]' <"$REPO_ROOT/VERSION")
PKG_DEB=$REPO_ROOT/out/${PKG}_${PKG_VERSION}_amd64.deb
PKG_UNIT=/lib/systemd/system/tvd-overlayd.service
PKG_DIRS=(/etc/tvd-overlay /var/lib/tvd-overlay /run/tvd-overlay)
# Set in $LAB_DIR once this run installed the package, so posttest purges only what the test put there.
PKG_MARK=$LAB_DIR/tmp/installed-by-test

pkg_status() { dpkg-query -W -f='${db:Status-Abbrev}' "$PKG" 2>/dev/null | tr -d ' ' || true; }

apt_quiet() {                     # apt-get, waiting for other apt runs, its output kept for the log
    DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300 "$@" >"$LAB_DIR/tmp/apt.log" 2>&1 \
        || { tail -5 "$LAB_DIR/tmp/apt.log"; return 1; }
}

# pkg_preflight — exit status 0 when the machine is fit for the test, after purging a previous install that is
# pristine (every conffile as shipped, no daemon answering, no static-SA sequence state). Anything else that
# this test would overwrite or remove is somebody's: say what and refuse, touching nothing.
pkg_preflight() {
    local status conffile sum path
    if [[ -S /run/tvd-overlay/control.sock ]] && python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' \
        /run/tvd-overlay/control.sock 2>/dev/null; then
        echo "a tvd-overlayd answers on /run/tvd-overlay/control.sock: stop it before this test"; return 1
    fi
    if [[ -n $(ls -A /var/lib/tvd-overlay/esp-sequence 2>/dev/null) ]]; then
        echo "/var/lib/tvd-overlay/esp-sequence holds static SA sequence state: not this test's to remove"; return 1
    fi
    status=$(pkg_status)
    case $status in
    "" | un | pn)
        for path in "${PKG_DIRS[@]}"; do
            if [[ -e $path ]]; then
                echo "$path exists but package $PKG is not installed: not this test's to replace or remove (move it away)"
                return 1
            fi
        done
        ;;
    ii | rc)
        while read -r conffile sum _; do
            [[ -n $conffile && -e $conffile ]] || continue
            if [[ $(md5sum <"$conffile" | cut -d' ' -f1) != "$sum" ]]; then
                echo "$PKG is installed ($status) with a changed $conffile: a configured install, not this test's to purge"
                return 1
            fi
        done < <(dpkg-query -W -f='${Conffiles}\n' "$PKG")
        echo "purging a previous $PKG ($status $(dpkg-query -W -f='${Version}' "$PKG")) whose conffiles are as shipped"
        apt_quiet purge "$PKG" || { echo "apt-get purge $PKG failed"; return 1; }
        ;;
    *)
        echo "$PKG is in dpkg state '$status' (half installed?): repair or purge it by hand first"; return 1
        ;;
    esac
}
