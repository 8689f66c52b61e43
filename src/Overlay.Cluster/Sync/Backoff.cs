namespace Overlay.Cluster.Sync;

/// <summary>Retry delays: doubling from <see cref="Min"/> to <see cref="Max"/>, back to <see cref="Min"/> after a success.
/// Not thread-safe (one loop owns one).</summary>
public sealed class Backoff(TimeSpan min, TimeSpan max)
{
    private TimeSpan _next = min;

    public TimeSpan Min { get; } = min;

    public TimeSpan Max { get; } = max;

    public static Backoff Default => new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5));

    /// <summary>The delay to wait now; the next one is twice as long, up to the maximum.</summary>
    public TimeSpan Next()
    {
        var now = _next;
        _next = TimeSpan.FromTicks(Math.Min(Max.Ticks, now.Ticks * 2));
        return now;
    }

    public void Reset() => _next = Min;
}
