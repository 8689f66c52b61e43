#!/usr/bin/env bash
# make demo: the main job on embedded defaults. For now (foundation) it validates the example policy,
# shows what it enforces and explains the seed decisions; later issues grow it into the two-host lab demo.
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
  printf '%-58s %s\n' "tvdctl policy explain ${*}" "$out"
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

say "A broken policy is refused with every error at once (exit 2)"
broken=$(mktemp --suffix=.toml)
trap 'rm -f "$broken"' EXIT
sed -e 's/vlan = 102/vlan = 101/' -e 's/networks = \["blue-net"\]/networks = ["blu-net"]/' -e 's/^label = "tvd:green"/lable = "tvd:green"/' "$policy" > "$broken"
rc=0; $tvdctl policy check "$broken" || rc=$?
echo "(exit $rc)"
((rc == 2)) || failures=$((failures + 1))

echo
if ((failures)); then
  echo "demo: $failures unexpected result(s)"
  exit 1
fi
echo "demo: every decision as the policy says"
