# cluster — evaltest.sh: policy rollout through the store (all committed, then a push one host must refuse), etcd losing
# one member and then its quorum (fail-static) and coming back (convergence without a daemon restart), a host whose AK
# is not the enrolled one, a host that stops (its SAs go within TTL + grace). Each timed step states its bound.
source "$LAB_LIB_DIR/overlay.sh"
source "$LAB_LIB_DIR/checks.sh"
source "$PWD/cluster.sh"
endpoints=$(cl_endpoints)
ping_ok() { lab_exec "$1" ping -c2 -i0.2 -W1 "$2" >/dev/null 2>&1 && echo up || echo down; }
declare -A pid_at_start
for h in $CL_HOSTS; do pid_at_start[$h]=$(lab_pid "overlayd-$h"); done
mesh_before=$(for h in $CL_HOSTS; do echo "$h: $(cl_ike_peers "$h")"; done)

# rollout VERSION WAIT — `tvdctl policy rollout --json` (exit status in $rollout_rc).
rollout() { rollout_rc=0; rollout_out=$(cl_tvdctl policy rollout --cluster "$endpoints" --version "$1" --wait "$2" --json 2>&1) || rollout_rc=$?; }
# push VERSION [cw] — tvdctl policy push of policy-vVERSION.toml; "$push_rc" and "$push_out".
push() { push_rc=0; push_out=$(cl_tvdctl policy push "$(cl_policy "$@")" --cluster "$endpoints" 2>&1) || push_rc=$?; }
# pushed_to_all VERSION BOUND — push, then wait (rollout --wait) until every live host committed it; prints the time.
pushed_to_all() {
    local v=$1 bound=$2 t0 ms
    t0=$(date +%s%N)
    push "$v"
    check "tvdctl policy push v$v: exit" 0 "$push_rc"
    rollout "$v" "$bound"
    ms=$(cl_ms_since "$t0")
    check "rollout of v$v: exit, complete, committed, refused of live hosts" "0 true 4 0 4" \
        "$rollout_rc $(jq -r '"\(.complete) \(.committed) \(.refused) \(.live_hosts)"' <<<"$rollout_out" 2>&1)"
    (( rollout_rc == 0 )) && ok "v$v: push -> every host committed in ${ms} ms (bound ${bound} s)"
    for h in $CL_HOSTS; do check "$h runs policy v$v" "$v" "$(cl_policy_version "$h")"; done
}

echo "-- step 0 at +${SECONDS} s"
# 0. Each daemon's own inventory: the three others admitted, nobody ignored.
for h in $CL_HOSTS; do check "$h's inventory admits" "$(cl_others "$h")" "$(cl_admitted "$h")"; done

echo "-- step 1 at +${SECONDS} s"
# 1. Policy push v2: every host's test-then-commit, results in the store, rollout complete.
pushed_to_all 2 10

echo "-- step 2 at +${SECONDS} s"
# 2. One etcd member killed: nothing changes (connected, same peers, traffic, a push still goes through).
"$REPO_ROOT/scripts/etcd.sh" kill "$CL_ETCD" e1
sleep 0.5
for h in $CL_HOSTS; do check "$h connected with e1 down" true "$(cl_connected "$h")"; done
check "IKE SAs with e1 down (as before)" "$mesh_before" "$(for h in $CL_HOSTS; do echo "$h: $(cl_ike_peers "$h")"; done)"
check "red ping h1 -> h2 with e1 down" up "$(ping_ok h1red 192.168.101.21)"
pushed_to_all 3 10

echo "-- step 3 at +${SECONDS} s"
# 3. A second member killed: no quorum. The data plane carries on, a push fails with etcd's reason, status says
# disconnected (since when), the IKE SAs stay.
"$REPO_ROOT/scripts/etcd.sh" kill "$CL_ETCD" e2
t0=$(date +%s%N)
# The push (it waits for its request timeout, 5 s) runs while the daemons are watched noticing the loss.
( push 4; printf '%s\n' "$push_rc" >"$LAB_DIR/tmp/push-v4.rc"; printf '%s\n' "$push_out" >"$LAB_DIR/tmp/push-v4.out" ) &
pushing=$!
cl_until_all "$t0" 15 "reports disconnected" cl_is_disconnected $CL_HOSTS
line=$("$OV_BIN/tvdctl" status --socket "$(ov_socket h1)" | grep '^cluster:' || true)
[[ $line =~ ^cluster:\ +disconnected\ since ]] && ok "h1's tvdctl status says: $line" || bad "h1's tvdctl status: '$line'"
wait "$pushing" || true
push_rc=$(cat "$LAB_DIR/tmp/push-v4.rc") push_out=$(cat "$LAB_DIR/tmp/push-v4.out")
[[ $push_rc == 1 && -n $push_out ]] && ok "push without quorum fails (exit 1): $(head -n 1 <<<"$push_out")" \
    || bad "push without quorum: exit $push_rc: $push_out"
check "red ping h1 -> h2 without quorum" up "$(ping_ok h1red 192.168.101.21)"
check "blue ping h3 -> h1 without quorum" up "$(ping_ok h3blu 192.168.101.12)"
check "IKE SAs without quorum (as before)" "$mesh_before" "$(for h in $CL_HOSTS; do echo "$h: $(cl_ike_peers "$h")"; done)"
for h in $CL_HOSTS; do check "$h still runs v3" 3 "$(cl_policy_version "$h")"; done

echo "-- step 4 at +${SECONDS} s"
# 4. The members come back: every host reconnects by itself (no daemon restart) and takes the next push.
t0=$(date +%s%N)
"$REPO_ROOT/scripts/etcd.sh" restart "$CL_ETCD" e1 >/dev/null && "$REPO_ROOT/scripts/etcd.sh" restart "$CL_ETCD" e2 >/dev/null \
    && ok "etcd e1 and e2 restarted from their data dirs"
cl_until_all "$t0" 30 "connected again (no daemon restart)" cl_is_connected $CL_HOSTS
pushed_to_all 4 15
for h in $CL_HOSTS; do check "$h's daemon is the one started in the pretest" "${pid_at_start[$h]}" "$(lab_pid "overlayd-$h")"; done

echo "-- step 5 at +${SECONDS} s"
# 5. A push h1 must refuse: a Chinese Wall between red and blue, and h1 runs red1 and blue1. h1 keeps v4 and says why;
# the others commit v5 (each host decides for itself; docs/cluster.md).
push 5 cw
check "push v5 (conflict set red-blue): exit" 0 "$push_rc"
# Not every host can commit it, so `rollout --wait` would wait its whole time: read until no host is pending.
all_answered() { rollout 5 0; [[ $(jq -r '.pending' <<<"$rollout_out" 2>/dev/null) == 0 ]]; }
t0=$(date +%s%N)
while ! all_answered && (( $(cl_ms_since "$t0") < 10000 )); do sleep 0.3; done
echo "  every host answered v5 after $(cl_ms_since "$t0") ms"
check "rollout of v5: exit 1 (not every host committed)" 1 "$rollout_rc"
check "rollout of v5: h1 result" refused "$(jq -r '.hosts[] | select(.host=="h1") | .result' <<<"$rollout_out" 2>&1)"
conflict=$(jq -r '.hosts[] | select(.host=="h1") | .conflicts | join("; ")' <<<"$rollout_out" 2>&1)
[[ $conflict == *chinese-wall* ]] && ok "h1's conflict: $conflict" || bad "h1's conflicts name no chinese-wall: '$conflict'"
check "rollout of v5: h2 h3 h4 committed" "committed committed committed" \
    "$(jq -r '[.hosts[] | select(.host != "h1") | .result] | join(" ")' <<<"$rollout_out" 2>&1)"
check "h1 still runs v4" 4 "$(cl_policy_version h1)"
check "h2 runs v5" 5 "$(cl_policy_version h2)"
check "blue ping h1 -> h3 after the refused push (h1's guests untouched)" up "$(ping_ok h1blu 192.168.101.32)"
cl_tvdctl policy rollout --cluster "$endpoints" --version 5 | sed 's/^/  /' || true   # exit 1: not all committed

echo "-- step 6 at +${SECONDS} s"
# 6. h5: a host the policy names, with a certificate from the lab CA, but its AK is not the enrolled one.
cl_tvdctl host enroll h5 --ak "sha256:$(sha256sum <<<"not h5's AK" | cut -d' ' -f1)" --cluster "$endpoints" >/dev/null \
    && ok "h5 enrolled with an AK it does not have"
ov_start h5
ignores_h5() { [[ $(cl_ignored "$1" h5) == ak_mismatch ]]; }
ignores_h5_why() { echo "reason '$(cl_ignored "$1" h5)', admitted: $(cl_admitted "$1")"; }
cl_until_all "$(date +%s%N)" 10 "ignores h5 as ak_mismatch" ignores_h5 $CL_HOSTS
for h in $CL_HOSTS; do check "$h's IKE SAs (no h5)" "$(cl_others "$h")" "$(cl_ike_peers "$h")"; done
check "red ping h5 -> h1 (nobody peers with h5)" down "$(ping_ok h5red 192.168.101.11)"
# h5 holds a live registration, but not as the enrolled h5: a rollout does not count it (it could otherwise keep any
# rollout from completing), and says so.
rollout 5 0
check "rollout of v5 with h5 registered: h5 not counted (ak_mismatch), live hosts" "ak_mismatch false 4" \
    "$(jq -r '"\([.not_counted[] | select(.host=="h5") | .reason] | join(",")) \([.hosts[].host] | index("h5") != null) \(.live_hosts)"' <<<"$rollout_out" 2>&1)"
cl_tvdctl hosts --cluster "$endpoints" | sed 's/^/  /' || true

echo "-- step 7 at +${SECONDS} s"
# 7. h4 stops hard (SIGKILL: no goodbye, its lease must expire): h1-h3 close their CHILD_SAs with it within lease TTL +
# grace, plus a reconcile pass (1 s) and 2 s of polling (five status reads a round) on a loaded machine: the CHILD_SAs
# go when the IKE DELETE is sent. The IKE SA itself goes when the DELETE's retransmits to the dead peer are exhausted
# (0.5 + 0.9 + 1.6 s more).
child_bound=$(( CL_TTL + CL_GRACE + 3 ))
bound=$(( CL_TTL + CL_GRACE + 6 ))
kill -KILL "$(lab_pid overlayd-h4)"
t0=$(date +%s%N)
gone_ms=""
lease_gone() {
    [[ -n $gone_ms ]] && return 0
    [[ -z $(lab_exec h1 env ETCDCTL_API=3 etcdctl --endpoints "$endpoints" get --keys-only /tvd-overlay/hosts/h4 2>/dev/null) ]] \
        && gone_ms=$(cl_ms_since "$t0")
}
no_sa_with_h4() {
    lease_gone || true
    ov_status "$1" | jq -e '[.ike.ike_sas[]?, .ike.child_sas[]? | select(.peer == "h4")] | length == 0' >/dev/null
}
no_sa_with_h4_why() { echo "IKE SAs with '$(cl_ike_peers "$1")', CHILD_SAs with h4 '$(cl_children "$1" h4)'"; }
no_child_with_h4() {
    lease_gone || true
    ov_status "$1" | jq -e '[.ike.child_sas[]? | select(.peer == "h4")] | length == 0' >/dev/null
}
no_child_with_h4_why() { echo "CHILD_SAs with h4 '$(cl_children "$1" h4)'"; }
cl_until_all "$t0" "$child_bound" "closed its CHILD_SAs with h4 (killed; TTL ${CL_TTL} s + grace ${CL_GRACE} s)" no_child_with_h4 h1 h2 h3
cl_until_all "$t0" "$bound" "deleted its IKE SA and CHILD_SAs with h4 (killed; TTL ${CL_TTL} s + grace ${CL_GRACE} s)" no_sa_with_h4 h1 h2 h3
lease_gone || true
[[ -n $gone_ms ]] && ok "h4's registration left the store ${gone_ms} ms after it died (its lease expired; TTL ${CL_TTL} s)" \
    || bad "h4's registration still in the store after ${bound} s"
check "red ping h1 -> h2 after h4 left" up "$(ping_ok h1red 192.168.101.21)"
exit "$fail"
