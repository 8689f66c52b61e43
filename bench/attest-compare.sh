#!/usr/bin/env bash
# Benchmark item 8: tpm2_checkquote beside our verifier, on the same quotes.
#
# One swtpm (unixio sockets in a private /tmp/tvdbench-cmp-* directory, removed on exit), one ECC P-256 and one
# RSA-2048 quote over sha256:0,13 taken by `tvdctl attest quote` (tpm2-tools file formats). Then, per quote:
#   tpm2_checkquote        median of N runs, wall time of the whole process (exec, tpm2-tss/OpenSSL load, check)
#   tvdctl attest checkquote  median of N runs, whole process too (.NET start included)
#   QuoteVerifier in process  BenchmarkDotNet median of Tpm2ToolsFiles.Check on the same files (read, import key,
#                             parse, verify): the per-quote cost inside a running verifier, no process start
# and the ratios. Process times are measured with bash's $EPOCHREALTIME around each run (no extra fork).
#
# Usage: bench/attest-compare.sh            (ATTEST_COMPARE_RUNS=31, BENCH_JOB=short by default)
# Needs: swtpm, tpm2-tools (tpm2_checkquote), jq, the .NET SDK.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${ATTEST_COMPARE_RUNS:-31}
job=${BENCH_JOB:-short}
artifacts=${ATTEST_COMPARE_ARTIFACTS:-out/bench/attest-compare}
for tool in swtpm tpm2_checkquote jq dotnet; do
  command -v "$tool" >/dev/null || { echo "attest-compare: $tool is not installed" >&2; exit 2; }
done

work=$(mktemp -d /tmp/tvdbench-cmp-XXXXXX)
swtpm_pid=
cleanup() {
  if [[ -n $swtpm_pid ]]; then kill "$swtpm_pid" 2>/dev/null || true; wait "$swtpm_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "attest-compare: building tvdctl (Release)"
dotnet build -c Release src/Overlay.Cli -v q -nologo >/dev/null
tvdctl=$PWD/src/Overlay.Cli/bin/Release/net10.0/tvdctl

swtpm socket --tpm2 --server "type=unixio,path=$work/tpm.sock" --ctrl "type=unixio,path=$work/tpm.sock.ctrl" \
  --tpmstate "dir=$work" --flags not-need-init,startup-clear --log "file=$work/swtpm.log,level=1" &
swtpm_pid=$!
for _ in $(seq 100); do [[ -S $work/tpm.sock.ctrl ]] && break; sleep 0.05; done
[[ -S $work/tpm.sock.ctrl ]] || { echo "attest-compare: swtpm did not start" >&2; exit 1; }
tcti="swtpm:path=$work/tpm.sock"

# A measured PCR 13, so the quotes cover a non-trivial value.
"$tvdctl" attest measure --tcti "$tcti" --log "$work/list" "$tvdctl" >/dev/null

# median_ms CMD...: runs CMD $runs times (output discarded; every run must succeed) and prints the median in ms.
median_ms() {
  local times=() start end i
  for ((i = 0; i < runs; i++)); do
    start=$EPOCHREALTIME
    "$@" >/dev/null 2>&1 || { echo "attest-compare: failed: $*" >&2; exit 1; }
    end=$EPOCHREALTIME
    times+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", (e - s) * 1000 }')")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A tools_ms ours_process_ms
for key in ecc rsa; do
  dir=$work/quotes/$key
  nonce=$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')
  "$tvdctl" attest quote --tcti "$tcti" --nonce "$nonce" --out "$dir" --key "$key" --pcrs sha256:0,13 >/dev/null
  echo "$nonce" >"$dir/nonce.hex"
  check=(tpm2_checkquote -u "$dir/ak.pub" -m "$dir/quote.msg" -s "$dir/quote.sig" -f "$dir/quote.pcrs" -g sha256)
  ours=("$tvdctl" attest checkquote --public "$dir/ak.pub" --message "$dir/quote.msg" --signature "$dir/quote.sig" --pcrs "$dir/quote.pcrs")
  # Both must accept this quote and refuse it under another nonce, or we would be timing a failure path.
  "${check[@]}" -q "$nonce" >/dev/null 2>&1 || { echo "attest-compare: tpm2_checkquote rejects the $key quote" >&2; exit 1; }
  ! "${check[@]}" -q 00 >/dev/null 2>&1 || { echo "attest-compare: tpm2_checkquote accepts a wrong nonce" >&2; exit 1; }
  "${ours[@]}" --qualification "$nonce" >/dev/null || { echo "attest-compare: tvdctl rejects the $key quote" >&2; exit 1; }
  echo "attest-compare: timing $runs runs of each checker on the $key quote"
  tools_ms[$key]=$(median_ms "${check[@]}" -q "$nonce")
  ours_process_ms[$key]=$(median_ms "${ours[@]}" --qualification "$nonce")
done

# --inProcess: no generated benchmark project, so a concurrent `make bench` (same bin/ directory) cannot collide.
echo "attest-compare: BenchmarkDotNet ($job job, in process) for our verifier on the same files"
rm -rf "$artifacts"
TVD_ATTEST_QUOTES=$work/quotes dotnet run -c Release --project bench/Overlay.Benchmarks -- \
  --filter '*CheckQuoteComparisonBenchmarks*' --job "$job" --inProcess --exporters json --artifacts "$artifacts" >"$work/bdn.log" 2>&1 \
  || { tail -30 "$work/bdn.log" >&2; exit 1; }
report=$(find "$artifacts/results" -name '*CheckQuoteComparisonBenchmarks*.json' | head -1)
[[ -n $report ]] || { echo "attest-compare: no BenchmarkDotNet JSON report in $artifacts/results" >&2; exit 1; }
cp "$work/bdn.log" "$artifacts/benchmarkdotnet.log"

echo
echo "## tpm2_checkquote vs TVD Overlay's verifier (same quotes; median of $runs process runs, BenchmarkDotNet median in process)"
echo
echo "| AK | tpm2_checkquote (process, incl. start) | tvdctl attest checkquote (process, incl. .NET start) | QuoteVerifier in process (per quote) | tpm2_checkquote / in process | tpm2_checkquote / tvdctl process |"
echo "|----|---:|---:|---:|---:|---:|"
for key in ecc rsa; do
  ns=$(jq -r --arg k "$key" '.Benchmarks[] | select(.Parameters == ("Key=" + $k)) | .Statistics.Median' "$report")
  [[ -n $ns && $ns != null ]] || { echo "attest-compare: no median for Key=$key in $report" >&2; exit 1; }
  awk -v k="$key" -v t="${tools_ms[$key]}" -v p="${ours_process_ms[$key]}" -v ns="$ns" 'BEGIN {
    us = ns / 1000; name = (k == "ecc") ? "ECC P-256" : "RSA-2048"
    printf "| %s | %.2f ms | %.2f ms | %.1f µs | %.0f× | %.2f× |\n", name, t, p, us, (t * 1000) / us, t / p }'
done
echo
echo "Process times include exec and library loading: tpm2_checkquote spends most of its time starting, tvdctl more"
echo "(the .NET runtime). The in-process column is what a running verifier (tvd-overlayd, a peer) pays per quote."
