#!/usr/bin/env bash
# Runs the test suites and prints one closing line: "test: N passed, M failed".
#   scripts/test.sh all|unit|lab
set -uo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
mkdir -p out
passed=0 failed=0 skipped=0 status=0

if [[ $what == all || $what == unit ]]; then
  if scripts/conventions.sh; then passed=$((passed + 1)); else failed=$((failed + 1)) status=1; fi
  # Formatting is part of the conventions (CONVENTIONS 22): the tree must already be `dotnet format`ted.
  if timeout 600 dotnet format TvdOverlay.sln --verify-no-changes; then
    passed=$((passed + 1))
  else
    echo "test: dotnet format --verify-no-changes found unformatted code (run: make format-fix)"
    failed=$((failed + 1)) status=1
  fi
  log=out/dotnet-test.log
  # One build for every test project; each project prints "Passed!/Failed! - Failed: F, Passed: P, Skipped: S".
  timeout 1200 dotnet test TvdOverlay.sln -c Release --nologo 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  read -r p f s < <(awk -F'[:,]' '/(Passed|Failed)! +- Failed:/ {f+=$2; p+=$4; s+=$6} END {print p+0, f+0, s+0}' "$log")
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  if ((rc != 0)); then
    status=1
    ((f == 0)) && failed=$((failed + 1)) # a build failure or crash counts as a failure
  fi
fi

if [[ $what == all || $what == lab ]]; then
  log=out/lab.log
  # The harness's own tests first (verdicts, teardown after failures and signals), then every scenario.
  for suite in "netns-lab/selftest/selftest" "netns-lab/run --all"; do
    timeout 1200 $suite 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    read -r p f < <(awk '/^[a-z]+: [0-9]+ passed, [0-9]+ failed/ {p=$2; f=$4} END {print p+0, f+0}' "$log")
    passed=$((passed + p)) failed=$((failed + f))
    if ((rc != 0)); then
      status=1
      ((f == 0)) && failed=$((failed + 1))
    fi
  done
fi

echo
echo "test: $passed passed, $failed failed, $skipped skipped"
exit $status
