using System.Globalization;

namespace Overlay.ClusterBench;

/// <summary>
/// What the etcd members themselves counted, read off each member's Prometheus /metrics (on its client URL): the
/// requests they received (grpc_server_msg_received_total, every message: unary calls, lease keep-alives and watch
/// creates on their streams; needs etcd --metrics extensive, scripts/etcd.sh --metrics extensive), the messages they
/// sent on watch streams (the fan-out), watchers open, and their CPU seconds. Summed over the members.
/// </summary>
public sealed record EtcdCounters(double Requests, double Unary, double StreamMessages, double WatchMessagesSent,
    double Watchers, double CpuSeconds, double DbBytes)
{
    public static async Task<EtcdCounters> ScrapeAsync(HttpClient http, IReadOnlyList<Uri> members, CancellationToken ct)
    {
        var texts = await Task.WhenAll(members.Select(m => http.GetStringAsync(new Uri(m, "/metrics"), ct)));
        double requests = 0, unary = 0, streamMessages = 0, watchSent = 0, watchers = 0, cpu = 0, db = 0;
        foreach (var text in texts)
        {
            foreach (var raw in text.AsSpan().EnumerateLines())
            {
                var line = raw.Trim();
                if (line.IsEmpty || line[0] == '#')
                {
                    continue;
                }

                var space = line.LastIndexOf(' ');
                if (space <= 0 || !double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    continue;
                }

                var name = line[..space];
                if (name.StartsWith("grpc_server_msg_received_total{", StringComparison.Ordinal))
                {
                    requests += value;
                    if (name.Contains("grpc_type=\"unary\"", StringComparison.Ordinal))
                    {
                        unary += value;
                    }
                    else
                    {
                        streamMessages += value;
                    }
                }
                else if (name.StartsWith("grpc_server_msg_sent_total{", StringComparison.Ordinal) && name.Contains("grpc_method=\"Watch\"", StringComparison.Ordinal))
                {
                    watchSent += value;
                }
                else if (name.SequenceEqual("etcd_debugging_mvcc_watcher_total"))
                {
                    watchers += value;
                }
                else if (name.SequenceEqual("process_cpu_seconds_total"))
                {
                    cpu += value;
                }
                else if (name.SequenceEqual("etcd_mvcc_db_total_size_in_bytes"))
                {
                    db = Math.Max(db, value);
                }
            }
        }

        return new EtcdCounters(requests, unary, streamMessages, watchSent, watchers, cpu, db);
    }

    /// <summary>The counters' growth from <paramref name="before"/> to this (gauges: this one's value).</summary>
    public EtcdCounters Since(EtcdCounters before) => new(Requests - before.Requests, Unary - before.Unary,
        StreamMessages - before.StreamMessages, WatchMessagesSent - before.WatchMessagesSent, Watchers, CpuSeconds - before.CpuSeconds, DbBytes);
}
