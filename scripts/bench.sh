#!/usr/bin/env bash
# make bench: BenchmarkDotNet suites (ns/op, allocated bytes, ratio to each suite's baseline).
# BENCH_JOB=short|medium|long (default short: numbers within a few percent, minutes not hours);
# BENCH_FILTER selects benchmarks (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
job=${BENCH_JOB:-short}
filter=${BENCH_FILTER:-*}
mkdir -p out/bench
dotnet run -c Release --project bench/Overlay.Benchmarks -- --filter "$filter" --job "$job" \
  --artifacts out/bench --exporters github 2>&1 | tee out/bench/benchmarkdotnet.log | \
  awk '/^\| /||/^\/\/ \* Summary/||/^BenchmarkDotNet v/||/^Runtime/' 
echo "bench: full results in out/bench/results/*.md"
