#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of untrusted input (docs/fuzzing.md): SharpFuzz-instrumented assemblies
# under AFL++'s afl-fuzz, one target at a time (never two AFL instances at once).
#
#   scripts/fuzz.sh [TARGET...]        all targets when none is named
#   FUZZ_SECONDS=N                     seconds per target (default: FUZZ_TOTAL_SECONDS split evenly)
#   FUZZ_TOTAL_SECONDS=N               fuzzing budget of the whole run when FUZZ_SECONDS is unset (default 300; make fuzz: 240)
#   FUZZ_OUT=DIR                       work directory (default out/fuzz): instrumented build, seeds, AFL state
#   FUZZ_TIMEOUT_MS=N                  afl-fuzz's per-input timeout (default 2000)
#
# Every distinct crash (exception type and site) is minimized with afl-tmin and saved as tests/<project>/FuzzCases/<target>/crash-<sha1>, where the
# module's FuzzCaseTests replay it; a hang that reproduces is saved as hang-<sha1>. Exit 1 on any crash or hang (new
# or already saved and still open), 2 when afl-fuzz cannot run a target.
# A target whose folder is empty gets one minimized corpus entry (corpus-<sha1>), so that its test has a case.
# Prints one line per target: executions, execs/s, corpus, coverage, stability, crashes, hangs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${FUZZ_OUT:-$root/out/fuzz}
timeout_ms=${FUZZ_TIMEOUT_MS:-2000}
export PATH="$PATH:/root/.dotnet/tools"
dotnet=$(command -v dotnet)

scripts/deps.sh fuzz

# A fresh publish each time: sharpfuzz rewrites assemblies in place, and must never see one twice. Instrumented code
# runs only under afl-fuzz or afl-tmin (it writes into their shared memory), so listing, seeding and replaying use an
# uninstrumented copy.
rm -rf "$out/pub" "$out/plain"
dotnet publish fuzz/Overlay.Fuzz -c Release -o "$out/plain" --nologo -v quiet -clp:NoSummary
cp -a "$out/plain" "$out/pub"
harness="$out/pub/Overlay.Fuzz.dll"
plain="$out/plain/Overlay.Fuzz.dll"
mapfile -t all < <(dotnet "$plain" list | awk '{print $1 " " $2}')
# Instrument the code under test (ours, the daemon's included, and the TOML reader), never the harness: its own branches are not the target's.
for dll in "$out"/pub/Overlay.*.dll "$out/pub/tvd-overlayd.dll" "$out/pub/tvd-boinc-server.dll" "$out/pub/Tomlyn.dll"; do
  [[ $(basename "$dll") == Overlay.Fuzz.dll ]] && continue
  sharpfuzz "$dll" >/dev/null
done

targets=("$@")
if ((${#targets[@]} == 0)); then
  for line in "${all[@]}"; do targets+=("${line%% *}"); done
fi
seconds=${FUZZ_SECONDS:-$(((${FUZZ_TOTAL_SECONDS:-300}) / ${#targets[@]}))}
((seconds >= 5)) || seconds=5

export AFL_SKIP_BIN_CHECK=1          # the fork server is SharpFuzz's, in a managed process afl-fuzz cannot inspect
export AFL_NO_UI=1 AFL_QUIET=1
export AFL_SKIP_CPUFREQ=1            # no cpufreq governor to check in a VM
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1   # core_pattern belongs to the machine, not to us
export AFL_NO_AFFINITY=1             # other work shares the cores; do not pin
export AFL_FAST_CAL=1

folder_of() {
  local line
  for line in "${all[@]}"; do [[ ${line%% *} == "$1" ]] && { echo "${line#* }"; return; }; done
  echo "fuzz: no target '$1'" >&2
  exit 2
}

saved=0
known=0
failed=0
printf '%-16s %9s %8s %7s %9s %9s %7s %5s\n' target execs exec/s corpus coverage stability crashes hangs
for target in "${targets[@]}"; do
  cases="$root/$(folder_of "$target")"
  seeds="$out/seeds/$target"
  findings="$out/findings/$target"
  rm -rf "$seeds" "$findings"
  mkdir -p "$out/findings"
  dotnet "$plain" seeds "$target" "$seeds" "$root" >/dev/null
  afl-fuzz -V "$seconds" -i "$seeds" -o "$findings" -t "$timeout_ms" -m none -- "$dotnet" "$harness" run "$target" \
    >"$out/afl-$target.log" 2>&1 || {
    echo "fuzz: afl-fuzz failed on $target, see $out/afl-$target.log" >&2
    grep -a 'ABORT' "$out/afl-$target.log" >&2 || tail -5 "$out/afl-$target.log" >&2
    failed=$((failed + 1))
    continue
  }
  stats="$findings/default/fuzzer_stats"
  stat() { awk -F' *: *' -v k="$1" '$1 == k {print $2}' "$stats"; }
  printf '%-16s %9s %8s %7s %9s %9s %7s %5s\n' "$target" "$(stat execs_done)" "$(stat execs_per_sec)" "$(stat corpus_count)" \
    "$(stat bitmap_cvg)" "$(stat stability)" "$(stat saved_crashes)" "$(stat saved_hangs)"
  mkdir -p "$cases"
  declare -A seen=()
  for saved_case in "$cases"/crash-*; do
    # A failure already saved (still open) is not saved again.
    if [[ -e $saved_case ]]; then
      seen[$(dotnet "$plain" signature "$target" "$saved_case")]=1
    fi
  done
  for crash in "$findings"/default/crashes/id:*; do
    [[ -e $crash ]] || continue
    # One minimized case per distinct failure (exception type and where it was thrown): afl-fuzz keeps every crash
    # that took a new path, often dozens for one bug, and afl-tmin costs seconds each.
    signature=$(dotnet "$plain" signature "$target" "$crash")
    [[ $signature == ok ]] && continue
    if [[ -n ${seen[$signature]:-} ]]; then
      known=$((known + 1))
      continue
    fi
    echo "  new failure: $signature"
    seen[$signature]=1
    min="$out/min-$target"
    afl-tmin -i "$crash" -o "$min" -t "$timeout_ms" -m none -- "$dotnet" "$harness" run "$target" >/dev/null 2>&1 || cp "$crash" "$min"
    name="crash-$(sha1sum "$min" | cut -c1-16)"
    cp "$min" "$cases/$name"
    echo "  crash saved: $(folder_of "$target")/$name ($signature)"
    dotnet "$plain" replay "$target" "$cases/$name" | grep -m1 -E "Exception|Oracle" | cut -c1-300 | sed "s/^/    /" || true
    saved=$((saved + 1))
  done
  if [[ -z $(ls -A "$cases") ]]; then
    # Every target keeps at least one case for its regression test: with no finding to save, the newest corpus entry
    # that reached new coverage, minimized.
    entry=$(ls "$findings"/default/queue/id:*+cov* 2>/dev/null | tail -1 || true)
    if [[ -n $entry ]]; then
      min="$out/min-$target"
      afl-tmin -i "$entry" -o "$min" -t "$timeout_ms" -m none -- "$dotnet" "$harness" run "$target" >/dev/null 2>&1 || cp "$entry" "$min"
      name="corpus-$(sha1sum "$min" | cut -c1-16)"
      cp "$min" "$cases/$name"
      echo "  first case saved: $(folder_of "$target")/$name (a corpus entry that reached new coverage)"
    fi
  fi
  for hang in "$findings"/default/hangs/id:*; do
    [[ -e $hang ]] || continue
    # A hang counts when it reproduces outside afl-fuzz too (a loaded machine makes slow inputs look hung).
    start=$(date +%s%N)
    timeout 30 dotnet "$plain" replay "$target" "$hang" >/dev/null 2>&1 || true
    ms=$((($(date +%s%N) - start) / 1000000))
    if ((ms > timeout_ms + 1000)); then
      name="hang-$(sha1sum "$hang" | cut -c1-16)"
      cp "$hang" "$cases/$name"
      echo "  hang saved ($ms ms): $(folder_of "$target")/$name"
      saved=$((saved + 1))
    else
      echo "  hang not reproduced ($ms ms with start-up): $hang"
    fi
  done
done

if ((failed > 0)); then
  echo "fuzz: afl-fuzz could not run $failed target(s)" >&2
  exit 2
fi
if ((saved > 0)); then
  echo "fuzz: $saved finding(s) saved under tests/*/FuzzCases; fix them, then keep the files (FuzzCaseTests replay them)" >&2
  exit 1
fi
if ((known > 0)); then
  echo "fuzz: no new findings, but $known crash(es) of failures already saved and still open (see FuzzCaseTests)" >&2
  exit 1
fi
echo "fuzz: no crashes, no hangs (${seconds} s per target)"
