using System.Net;
using System.Text;
using System.Text.Json;

namespace Overlay.IkeBench;

/// <summary>
/// The storm's one machine-readable line (JSON, snake_case): what was asked, what was sent and answered,
/// the setups completed and failed by reason, the rates achieved over --seconds and the setup latency.
/// <code>
/// {"target":"10.200.0.1:4500","source":"10.200.0.3","seconds":10,
///  "half_open":{"rate":200,"sent":2000,"sent_per_s":200.0,"answered":1998,"cookies":0,"refused":{},"unanswered":2},
///  "full":{"rate":100,"started":1000,"started_per_s":100.0,"completed":990,"completed_per_s":99.0,"skipped":0,
///          "deleted":990,"failed":{"timeout":10},"setup_ms_p50":9.1,"setup_ms_p99":41.7}}
/// </code>
/// Latencies are null when nothing completed.
/// </summary>
public static class StormSummary
{
    public static string Json(BenchOptions o, IPAddress source, HalfOpenFlood.Counts half, FullSetupStorm.Counts full)
    {
        var seconds = o.StormTime.TotalSeconds;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("target", o.Peer.ToString());
            w.WriteString("source", source.ToString());
            w.WriteNumber("seconds", seconds);

            w.WriteStartObject("half_open");
            w.WriteNumber("rate", o.HalfOpenRate);
            w.WriteNumber("sent", half.Sent);
            w.WriteNumber("sent_per_s", Math.Round(half.Sent / seconds, 1));
            w.WriteNumber("answered", half.Answered);
            w.WriteNumber("cookies", half.Cookies);
            WriteCounts(w, "refused", half.Refused.Select(p => (p.Key, (long)p.Value)));
            w.WriteNumber("unanswered", half.Sent - half.Answered);
            w.WriteEndObject();

            w.WriteStartObject("full");
            w.WriteNumber("rate", o.FullRate);
            w.WriteNumber("started", full.Started);
            w.WriteNumber("started_per_s", Math.Round(full.Started / seconds, 1));
            w.WriteNumber("completed", full.Completed);
            w.WriteNumber("completed_per_s", Math.Round(full.Completed / seconds, 1));
            w.WriteNumber("skipped", full.Skipped);
            w.WriteNumber("deleted", full.Deleted);
            WriteCounts(w, "failed", full.Failed.Select(p => (SetupFailures.Name(p.Key), (long)p.Value)));
            WriteMilliseconds(w, "setup_ms_p50", Percentiles.At(full.SetupMilliseconds, 50));
            WriteMilliseconds(w, "setup_ms_p99", Percentiles.At(full.SetupMilliseconds, 99));
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteCounts(Utf8JsonWriter w, string name, IEnumerable<(string Key, long Count)> counts)
    {
        w.WriteStartObject(name);
        foreach (var (key, count) in counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            w.WriteNumber(key, count);
        }

        w.WriteEndObject();
    }

    private static void WriteMilliseconds(Utf8JsonWriter w, string name, double ms)
    {
        if (double.IsNaN(ms))
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteNumber(name, Math.Round(ms, 2));
        }
    }
}
