namespace Overlay.Daemon.Metrics;

/// <summary>
/// Keeps counter series that are sums over changing parts (a tunnel's SAs, which come and go at rekeys) from ever
/// going down or vanishing: a value below the last one reported is reported as the last one, and a series reported
/// once is reported on every collection after (its keys are bounded by config: TVDs × peers × directions or reasons).
/// Without it, an SA removed between its table's two reads would look like a counter reset to Prometheus and fake a
/// burst in <c>rate()</c>.
/// </summary>
internal sealed class MonotonicSeries<TKey>
    where TKey : notnull
{
    private readonly Dictionary<TKey, long> _last = [];
    private readonly Lock _lock = new();

    /// <summary>This collection's sums, raised to the last values reported, with every series seen before.</summary>
    public IReadOnlyList<KeyValuePair<TKey, long>> Report(Dictionary<TKey, long> sums)
    {
        lock (_lock)
        {
            foreach (KeyValuePair<TKey, long> sum in sums)
            {
                if (sum.Value > _last.GetValueOrDefault(sum.Key))
                {
                    _last[sum.Key] = sum.Value;
                }
                else
                {
                    _last.TryAdd(sum.Key, sum.Value);
                }
            }

            return [.. _last];
        }
    }
}
