namespace Overlay.Daemon.Metrics;

/// <summary>
/// Keeps a counter series that is a sum over changing parts (a tunnel's SAs, which come and go at rekeys) from ever
/// going down: a value below the last one reported is reported as the last one. Without it, an SA removed between its
/// table's two reads would look like a counter reset to Prometheus and fake a burst in <c>rate()</c>.
/// </summary>
internal sealed class MonotonicSeries
{
    private readonly Dictionary<string, long> _last = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public long Floor(string series, long value)
    {
        lock (_lock)
        {
            long last = _last.GetValueOrDefault(series);
            if (value < last)
            {
                return last;
            }

            _last[series] = value;
            return value;
        }
    }
}
