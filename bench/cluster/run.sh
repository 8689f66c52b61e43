#!/usr/bin/env bash
# bench/cluster/run.sh — cluster mode at scale (make bench, docs/cluster.md "Scale"): a real 3-member etcd 3.4 on
# loopback (scripts/etcd.sh, auto-compaction on, --metrics extensive for its request counters) and tvd-clusterbench, a
# load generator of N simulated hosts through Overlay.Cluster's store: each registers under a lease, keeps it alive
# and watches policy/current and hosts/. Measured for N = 100 and 1,000 (CLUSTER_BENCH_HOSTS overrides):
#   - policy push -> every host committed (results/<host>): p50/p99 per host, time until the last, the rollout's view;
#   - a new registration -> time until every hosts/ watcher saw it;
#   - etcd requests/s (its own counters) while registering, in steady state (keep-alives) and while pushing;
#   - the largest N again with a policy that names no host: the fan-out without the record's size (baseline).
# Goal on this 2-core machine: 1,000 hosts, p99 push -> commit <= 2 s. Output: out/bench/cluster-N.txt.
# Environment: CLUSTER_BENCH_HOSTS ("100 1000"), CLUSTER_BENCH_CHANNELS (hosts per gRPC channel, 25), CLUSTER_BENCH_ROUNDS (5).
set -euo pipefail
cd "$(dirname "$0")/../.."
hosts_list=${CLUSTER_BENCH_HOSTS:-100 1000}
per_channel=${CLUSTER_BENCH_CHANNELS:-25}
rounds=${CLUSTER_BENCH_ROUNDS:-5}
mkdir -p out/bench

build_log=$(timeout 900 dotnet build -c Release --nologo -v quiet bench/Overlay.ClusterBench 2>&1) \
    || { echo "cluster bench: the load generator does not build:"; grep -E 'error' <<<"$build_log" | sort -u | head -n 20; exit 1; }
bench=bench/Overlay.ClusterBench/bin/Release/net10.0/tvd-clusterbench.dll

# A lab-prefixed dir and a random port range from 23790 up (parallel runs, a system etcd on 2379: no collision).
dir=$(mktemp -u /tmp/tvdbench-etcd.XXXXXX)
port=$(( 24000 + (RANDOM % 400) * 6 ))
trap 'scripts/etcd.sh stop "$dir" >/dev/null 2>&1 || true' EXIT
scripts/etcd.sh start "$dir" --members 3 --port "$port" --retention 5m --metrics extensive
endpoints=$(scripts/etcd.sh endpoints "$dir")

status=0
for n in $hosts_list; do
    channels=$(( (n + per_channel - 1) / per_channel ))
    echo
    echo "== $n simulated hosts, $channels gRPC channels ($per_channel hosts each), 3 etcd members on loopback"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores; the members and the load generator share them)"
    rc=0
    timeout 600 dotnet "$bench" --endpoints "$endpoints" --hosts "$n" --channels "$channels" --rounds "$rounds" \
        --lease-ttl 10 --steady-seconds 5 --timeout 60 | tee "out/bench/cluster-$n.txt" | grep -v '^#' || rc=$?
    (( rc == 0 )) || { echo "cluster bench with $n hosts: exit $rc (see out/bench/cluster-$n.txt)"; status=1; }
done
# The baseline in the same run: the largest N again with a policy that names no host (a 0.4 kB record instead of
# ~64 bytes per host): what the push costs without the record's size, i.e. the watch fan-out alone.
n=${hosts_list##* }
echo
echo "== baseline: $n simulated hosts again, the pushed policy names no host (a record of ~0.4 kB)"
rc=0
timeout 600 dotnet "$bench" --endpoints "$endpoints" --hosts "$n" --channels $(( (n + per_channel - 1) / per_channel )) --rounds 3 \
    --lease-ttl 10 --steady-seconds 2 --timeout 60 --policy-hosts 0 --prefix /tvd-bench-small/ | tee "out/bench/cluster-$n-small.txt" \
    | grep -E '^(policy|push->|push phase|goal)' || rc=$?
(( rc == 0 )) || { echo "cluster bench baseline: exit $rc (see out/bench/cluster-$n-small.txt)"; status=1; }
echo
scripts/etcd.sh health "$dir" | sed 's/^/etcd after the runs: /'
exit $status
