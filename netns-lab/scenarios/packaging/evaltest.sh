# packaging — evaltest.sh: the .deb installed with apt-get, checked as an operator would, its daemon started the
# way the unit starts it, then purged without a trace; and make install into a staging root. Exit 0 if all hold.
source "$LAB_LIB_DIR/checks.sh"
source ./pkg.sh
tmp=$LAB_DIR/tmp

# --- Install ------------------------------------------------------------------------------------------
rc=0; apt_quiet install "$PKG_DEB" || rc=$?
touch "$PKG_MARK"
check "apt-get install ./$(basename "$PKG_DEB")" 0 "$rc"
check "dpkg status and version" "ii $PKG_VERSION" "$(pkg_status) $(dpkg-query -W -f='${Version}' "$PKG")"
dpkg -L "$PKG" >"$tmp/files"
check "the daemon in /usr/sbin, tvdctl in /usr/bin, the unit, tmpfiles, completion" "5" \
    "$(grep -cxE '/usr/sbin/tvd-overlayd|/usr/bin/tvdctl|/lib/systemd/system/tvd-overlayd.service|/usr/lib/tmpfiles.d/tvd-overlay.conf|/usr/share/bash-completion/completions/tvdctl' "$tmp/files")"
check "conffiles" "/etc/tvd-overlay/overlayd.toml /etc/tvd-overlay/policy.toml /etc/tvd-overlay/reference.txt" \
    "$(dpkg-query -W -f='${Conffiles}\n' "$PKG" | awk 'NF {print $1}' | sort | tr '\n' ' ' | sed 's/ $//')"
check "runtime directory from tmpfiles.d" "700 root" "$(stat -c '%a %U' /run/tvd-overlay 2>&1)"
check "tvd-overlayd --version" "tvd-overlayd $PKG_VERSION" "$(/usr/sbin/tvd-overlayd --version 2>&1)"
check "tvdctl --version" "$PKG_VERSION" "$(tvdctl --version 2>&1 | cut -d+ -f1)"

# The package brings its runtime: no dotnet on the PATH the programs see, and every native library resolves.
rc=0; out=$(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin tvdctl policy check /etc/tvd-overlay/policy.toml 2>&1) || rc=$?
check "tvdctl policy check /etc/tvd-overlay/policy.toml (exit $rc)" "ok" "$out"
missing=$(for f in /usr/lib/tvd-overlay/*.so; do ldd "$f" | grep 'not found' || true; done)
check "libraries the runtime links, all installed" "" "$missing"
rc=0; out=$(systemd-analyze verify "$PKG_UNIT" 2>&1) || rc=$?
check "systemd-analyze verify $PKG_UNIT (exit $rc)" "" "$out"

# Completion from the installed file: verbs and options come from tvdctl's own parser.
complete_line() {
    bash -c 'source /usr/share/bash-completion/completions/tvdctl; COMP_LINE=$1; COMP_POINT=${#1}
             read -r -a COMP_WORDS <<<"$1"; [[ $1 == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
             _tvdctl; echo "${COMPREPLY[*]}"' _ "$1"
}
check "completion of 'tvdctl pol'" "policy" "$(complete_line "tvdctl pol")"
check "completion of 'tvdctl status --j'" "--json" "$(complete_line "tvdctl status --j")"
check "completion of 'tvdctl policy '" "check explain push rollout show" "$(complete_line "tvdctl policy " | tr ' ' '\n' | grep -v '^[-/]' | sort | tr '\n' ' ' | sed 's/ $//')"

# --- The daemon, started as the unit starts it ---------------------------------------------------------------
# In lab host h1's namespace (no network beyond the lab's), with the installed config (no [dataplane], no [ike]:
# it enforces the example policy as host1 on the embedded swtpm).
lab_bg h1 overlayd "$PWD/unit-exec" "$PKG_UNIT"
if lab_wait_for h1 60 tvdctl status; then ok "tvdctl status answers on the default socket"; else bad "tvdctl status never answered"; fi
st=$(tvdctl status --json 2>&1) || true
check "status: version, host, policy, config" "$PKG_VERSION host1 acme-dc /etc/tvd-overlay/overlayd.toml" \
    "$(jq -r '"\(.daemon.version) \(.policy.this_host // .daemon.host) \(.policy.name) \(.daemon.config)"' <<<"$st" 2>&1)"
check "status: TPM" "embedded_swtpm" "$(jq -r '.attest.tpm.kind' <<<"$st" 2>&1)"
pid=$(lab_pid overlayd)
want=$(awk -F= '/^AmbientCapabilities=/ {print $2}' "$PKG_UNIT" | tr ' ' '\n' | sort | tr '\n' ' ')
have=$(capsh --decode="$(awk '/^CapEff/ {print $2}' "/proc/$pid/status")" 2>/dev/null | sed 's/.*=//' | tr 'a-z,' 'A-Z\n' | sort | tr '\n' ' ')
check "the daemon's effective capabilities are the unit's" "$want" "$have"
check "the daemon's runtime and state directories" "700 700" "$(stat -c '%a' /run/tvd-overlay /var/lib/tvd-overlay | tr '\n' ' ' | sed 's/ $//')"

kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then bad "tvd-overlayd did not stop within 10 s of SIGTERM"; lab_stop overlayd; else ok "tvd-overlayd stopped on SIGTERM"; fi
check "its socket is gone" "no" "$([[ -e /run/tvd-overlay/control.sock ]] && echo yes || echo no)"
rc=0; out=$(tvdctl status 2>&1) || rc=$?
check "tvdctl status after the stop: exit 2" 2 "$rc"

# --- Purge -----------------------------------------------------------------------------------------------
rc=0; apt_quiet purge "$PKG" || rc=$?
check "apt-get purge $PKG" 0 "$rc"
check "dpkg status after purge" "" "$(pkg_status | grep -v '^un$' || true)"
left=()
while read -r path; do
    if [[ $path == /. ]] || [[ ! -e $path && ! -L $path ]]; then continue; fi
    # What another package owns too (/usr/bin, /lib/systemd/system, /lib) stays, as it should.
    if dpkg -S "$path" >/dev/null 2>&1; then continue; fi
    left+=("$path")
done <"$tmp/files"
for path in "${PKG_DIRS[@]}"; do if [[ -e $path ]]; then left+=("$path"); fi; done
check "files, conffiles, state and runtime directories left after purge" "" "${left[*]}"
rm -f "$PKG_MARK"

# --- make install into a staging root ------------------------------------------------------------------------
root=$tmp/root
rc=0; make -s -C "$REPO_ROOT" install DESTDIR="$root" PREFIX=/opt/tvd >"$tmp/install.log" 2>&1 || rc=$?
check "make install DESTDIR=... PREFIX=/opt/tvd" 0 "$rc"
check "symlinks into the private runtime directory" "../lib/tvd-overlay/tvd-overlayd ../lib/tvd-overlay/tvdctl" \
    "$(readlink "$root/opt/tvd/sbin/tvd-overlayd") $(readlink "$root/opt/tvd/bin/tvdctl")"
check "the unit names the installed paths" "ExecStart=/opt/tvd/sbin/tvd-overlayd --config /opt/tvd/etc/tvd-overlay/overlayd.toml" \
    "$(grep '^ExecStart=' "$root/opt/tvd/lib/systemd/system/tvd-overlayd.service")"
check "the config names the installed policy" 'policy = "/opt/tvd/etc/tvd-overlay/policy.toml"' \
    "$(grep '^policy' "$root/opt/tvd/etc/tvd-overlay/overlayd.toml")"
check "tvdctl policy check through the PREFIX symlink" "ok" \
    "$("$root/opt/tvd/bin/tvdctl" policy check "$root/opt/tvd/etc/tvd-overlay/policy.toml" 2>&1)"
echo 'host = "edited"' >>"$root/opt/tvd/etc/tvd-overlay/overlayd.toml"
make -s -C "$REPO_ROOT" install DESTDIR="$root" PREFIX=/opt/tvd >"$tmp/install2.log" 2>&1 || true
check "a second make install keeps an edited config, the new one beside it" "1 yes" \
    "$(grep -c 'edited' "$root/opt/tvd/etc/tvd-overlay/overlayd.toml") $([[ -f $root/opt/tvd/etc/tvd-overlay/overlayd.toml.new ]] && echo yes)"
exit "$fail"
