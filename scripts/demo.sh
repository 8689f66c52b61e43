#!/usr/bin/env bash
# make demo: the main job on embedded defaults: the example policy validated, shown and explained; the daemon
# enforcing it (embedded swtpm, status, a SIGHUP reload, its metrics endpoint); then a two-host lab where red guests reach each other
# through the overlay's ESP and blue never sees red; then attested IKE between three hosts (a host with an unknown
# binary refused for red, replayed evidence refused, a TPM that stops answering and a runtime change cutting red).
set -euo pipefail
cd "$(dirname "$0")/.."
tvdctl=bin/tvdctl
policy=examples/policy.toml

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "tvdctl policy check $policy"
$tvdctl policy check "$policy"

say "tvdctl policy show $policy"
$tvdctl policy show "$policy"

say "Decisions, each taken by the policy engine and explained"
failures=0
# expect  args...
explain() {
  local expect=$1; shift
  local out rc=0
  out=$($tvdctl policy explain "$policy" "$@" 2>&1) || rc=$?
  local got=allow; ((rc == 1)) && got=deny; ((rc > 1)) && got=error
  printf '$ tvdctl policy explain %s\n    %s\n' "$*" "$out"
  if [[ $got != "$expect" ]]; then
    echo "   ^ expected $expect" >&2
    failures=$((failures + 1))
  fi
}
explain allow --attach hr-db --resource red-net
explain deny  --attach hr-db --resource blue-net
explain allow --attach bridge-gw --resource red-net
explain allow --attach bridge-gw --resource blue-net
explain deny  --start avis-web --running hertz-web
explain allow --start avis-web --running hr-db
explain deny  --start acct-app --host host2
explain allow --join green --host host2
explain deny  --join red --host host2

say "A broken policy is refused with every error at once (exit 2)"
broken=$(mktemp --suffix=.toml)
sed -e 's/vlan = 102/vlan = 101/' -e 's/networks = \["blue-net"\]/networks = ["blu-net"]/' -e 's/^label = "tvd:green"/lable = "tvd:green"/' "$policy" > "$broken"
rc=0; $tvdctl policy check "$broken" || rc=$?
echo "(exit $rc)"
((rc == 2)) || failures=$((failures + 1))

say "The daemon: tvd-overlayd enforcing the policy as host1, tvdctl status, a SIGHUP reload to version 2"
work=$(mktemp -d /tmp/tvd-demo.XXXXXX)
daemon_pid=
cleanup() {
  [[ -n $daemon_pid ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  rm -rf "$work" "$broken"
}
trap cleanup EXIT
cp "$policy" "$work/policy.toml"
cp examples/reference.txt "$work/reference.txt"   # the policy's known-good requirement names it
printf '[daemon]\nhost = "host1"\npolicy = "policy.toml"\nstate_dir = "state"\nruntime_dir = "run"\n' > "$work/overlayd.toml"
# Its Prometheus endpoint (docs/metrics.md) on a loopback port nothing else holds.
metrics_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '\n[metrics]\nlisten = "127.0.0.1:%s"\n' "$metrics_port" >> "$work/overlayd.toml"
bin/tvd-overlayd --config "$work/overlayd.toml" > "$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do
  $tvdctl status --socket "$work/run/control.sock" >/dev/null 2>&1 && break
  sleep 0.1
done
$tvdctl status --socket "$work/run/control.sock" || failures=$((failures + 1))
sed -i -e 's/^version = 1$/version = 2\nreplaces = 1/' -e 's/^types = \["red", "green"\]$/types = ["red", "green", "blue"]/' "$work/policy.toml"
kill -HUP "$daemon_pid"
sleep 1
echo
echo "after SIGHUP (version 2 lets host2 run blue):"
$tvdctl status --socket "$work/run/control.sock" --json | grep -E '"(version|committed|summary)"' | head -6
$tvdctl status --socket "$work/run/control.sock" --json | grep -q '"version": 2' || failures=$((failures + 1))
echo
echo "the same, as Prometheus scrapes it (curl http://127.0.0.1:$metrics_port/metrics):"
metrics=$(curl -fsS "http://127.0.0.1:$metrics_port/metrics") || { echo "no metrics endpoint"; metrics=; }
grep -E '^tvd_policy_(version|reloads_total)' <<<"$metrics" || true
grep -qE '^tvd_policy_version\{.*\} 2$' <<<"$metrics" || failures=$((failures + 1))

say "Two hosts, two TVDs: tvd-overlayd per host carries red and blue in ESP; red reaches red, never blue"
if netns-lab/run tvd-isolation; then :; else failures=$((failures + 1)); fi

say "tvdctl capture: red's inner traffic taken at h1's switch (after decryption), printed and written as pcap; tshark finds no blue frame in it"
if netns-lab/run capture; then :; else failures=$((failures + 1)); fi

say "Attested IKE: three hosts with their own TPM; red only for known-good hosts — a tampered host is refused, a runtime change cuts its SAs"
if netns-lab/run attested-ike; then :; else failures=$((failures + 1)); fi

echo
if ((failures)); then
  echo "demo: $failures unexpected result(s)"
  exit 1
fi
echo "demo: every decision as the policy says, and TVDs kept apart on the wire"
