#!/usr/bin/env bash
# make bench: every benchmark, each beside the peer measured in the same run.
#   1. BenchmarkDotNet suites (ns/op, allocated bytes, ratio to each suite's baseline): policy decisions,
#      ESP seal/open beside raw AesGcm, replay window, switch, IKE codec/keys, quote verification.
#   1b. tvd-fwdbench (bench/Overlay.ForwardingBench): a real Pipeline on in-memory underlay queues and ports, no
#      kernel: inbound and outbound packets/s with 1 and 2 workers in one run, ratio (goal >= 1.8), CPU-µs/packet.
#   2. bench/attest-compare.sh: our quote verifier beside tpm2_checkquote on the same quotes.
#   3. bench/lab/throughput.sh: guest-to-guest iperf3 through the overlay (AF_PACKET and AF_XDP ports)
#      beside strongSwan kernel-libipsec, wireguard-go and plain veth, one topology, one run.
#   3a. the same bench's overlay-capture variant: throughput with `tvdctl capture` running beside without, equal
#      offered load, 3 ABBA cycles (goal: within 10%).
#   3b. bench/lab/workers.sh: two senders into one host (two SAs, two flows), the receiver's inbound rate with
#      [dataplane] workers = 1 beside workers = 2, and single-flow TCP, one run.
#   4. bench/lab/ike-setup.sh: IKE_SA+CHILD_SA setups/s and latency, ours<->ours, ours<->strongSwan,
#      strongSwan<->strongSwan, one run.
#   5. tvd-ikebench attested: attested handshakes (swtpm, and swtpm with 200 ms added to every quote)
#      beside unattested ones, in one run: setups/s, p50/p99, quotes per 1,000 handshakes, µs per appraisal.
#   6. bench/cluster/run.sh: cluster mode at scale, 100 and 1,000 simulated hosts against a real 3-member etcd:
#      push -> every host committed (p50/p99, the last), inventory change -> every watcher, etcd requests/s.
# BENCH_JOB=short|medium|long (default short), BENCH_FILTER (default all), BENCH_SKIP="dotnet fwd attest lab capture workers ike attested cluster".
set -euo pipefail
cd "$(dirname "$0")/.."
job=${BENCH_JOB:-short}
filter=${BENCH_FILTER:-*}
skip=" ${BENCH_SKIP:-} "
mkdir -p out/bench

if [[ $skip != *" dotnet "* ]]; then
  echo "== BenchmarkDotNet ($job job)"
  dotnet run -c Release --project bench/Overlay.Benchmarks -- --filter "$filter" --job "$job" \
    --artifacts out/bench --exporters github 2>&1 | tee out/bench/benchmarkdotnet.log |
    awk '/^\| /||/^\/\/ \* Summary/||/^BenchmarkDotNet v/'
  echo "full results: out/bench/results/*.md"
fi

if [[ $skip != *" fwd "* ]]; then
  echo; echo "== In-process forwarding: a real Pipeline on in-memory queues, 1 vs 2 workers (goal: 2 workers >= 1.8x one)"
  timeout 900 dotnet build -c Release --nologo -v quiet bench/Overlay.ForwardingBench >/dev/null
  timeout 900 dotnet bench/Overlay.ForwardingBench/bin/Release/net10.0/tvd-fwdbench.dll | tee out/bench/forwarding.txt
fi

if [[ $skip != *" attest "* ]]; then
  echo; echo "== Quote verification beside tpm2_checkquote"
  bench/attest-compare.sh
fi

if [[ $skip != *" lab "* ]]; then
  echo; echo "== Lab throughput beside strongSwan, wireguard-go and plain veth"
  OV_BIN=bin bench/lab/throughput.sh
fi

if [[ $skip != *" capture "* ]]; then
  echo; echo "== A running capture beside none: tvdctl capture --tvd red on host A (goal: throughput within 10%)"
  DUR=${DUR:-5} VARIANTS=overlay-capture OV_BIN=bin bench/lab/throughput.sh | tee out/bench/capture.txt
fi

if [[ $skip != *" workers "* ]]; then
  echo; echo "== Workers: one host's inbound from two senders at once, workers = 1 beside workers = 2"
  OV_BIN=bin bench/lab/workers.sh | tee out/bench/workers.txt
fi

if [[ $skip != *" ike "* ]]; then
  echo; echo "== IKE setup rate and latency beside strongSwan"
  bench/lab/ike-setup.sh
fi

if [[ $skip != *" attested "* ]]; then
  echo; echo "== Attested handshakes beside unattested ones (TPM out of the per-handshake path)"
  timeout 900 dotnet build -c Release --nologo -v quiet bench/Overlay.IkeBench >/dev/null
  timeout 900 dotnet bench/Overlay.IkeBench/bin/Release/net10.0/tvd-ikebench.dll attested --total 500 --window 16 --n 30 --rounds 3 \
    --warmup-seconds 3 --quote-delay-ms 200 | tee out/bench/attested-handshakes.txt | grep -v '^#'
fi

if [[ $skip != *" cluster "* ]]; then
  echo; echo "== Cluster mode at scale: simulated hosts against a 3-member etcd (goal: 1,000 hosts, p99 push -> commit <= 2 s)"
  bench/cluster/run.sh
fi
