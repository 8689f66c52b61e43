#!/usr/bin/env bash
# Runs the test suites and prints one closing line: "test: N passed, M failed".
#   scripts/test.sh all|unit|lab
set -uo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
mkdir -p out
passed=0 failed=0 skipped=0 status=0
failures=() # one line per failed test, printed last: CI keeps only the tail of a run

if [[ $what == all || $what == unit ]]; then
  if scripts/conventions.sh; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)) status=1 failures+=("scripts/conventions.sh")
  fi
  # Formatting is part of the conventions (CONVENTIONS 22): the tree must already be `dotnet format`ted.
  if timeout 600 dotnet format TvdOverlay.sln --verify-no-changes; then
    passed=$((passed + 1))
  else
    echo "test: dotnet format --verify-no-changes found unformatted code (run: make format-fix)"
    failed=$((failed + 1)) status=1 failures+=("dotnet format --verify-no-changes")
  fi
  log=out/dotnet-test.log
  # One build for every test project; each project prints "Passed!/Failed! - Failed: F, Passed: P, Skipped: S".
  timeout 1200 dotnet test TvdOverlay.sln -c Release --nologo 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  read -r p f s < <(awk -F'[:,]' '/(Passed|Failed)! +- Failed:/ {f+=$2; p+=$4; s+=$6} END {print p+0, f+0, s+0}' "$log")
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  mapfile -t -O "${#failures[@]}" failures < <(sed -n 's/^ *\(\[xUnit[^]]*\] *\)\?\(.*\) \[FAIL\]$/unit: \2/p' "$log")
  if ((rc != 0)); then
    status=1
    # a build failure or crash counts as a failure
    ((f == 0)) && failed=$((failed + 1)) failures+=("dotnet test exited $rc (see $log)")
  fi
fi

if [[ $what == all || $what == lab ]]; then
  # The harness's own tests first (verdicts, teardown after failures and signals), then every scenario.
  for suite in "netns-lab/selftest/selftest" "netns-lab/run --all"; do
    log=out/${suite%% *} log=out/${log##*/}.log
    timeout 1200 $suite 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    read -r p f < <(awk '/^[a-z]+: [0-9]+ passed, [0-9]+ failed/ {p=$2; f=$4} END {print p+0, f+0}' "$log")
    passed=$((passed + p)) failed=$((failed + f))
    # selftest prints "not ok - WHAT"; a lab scenario's verdict is "NAME: FAIL (checks that failed)"
    mapfile -t -O "${#failures[@]}" failures < <(sed -n -e 's/^not ok - /selftest: /p' -e 's/^\([a-z0-9-]*: FAIL (.*\)$/lab \1/p' "$log")
    if ((rc != 0)); then
      status=1
      ((f == 0)) && failed=$((failed + 1)) failures+=("$suite exited $rc (see $log)")
    fi
  done
fi

echo
for line in "${failures[@]}"; do echo "failed: $line"; done
echo "test: $passed passed, $failed failed, $skipped skipped"
exit $status
