namespace Overlay.Hypervisor.Libvirt;

/// <summary>
/// Exponential back-off between reconnect attempts: <see cref="Initial"/>, doubled after each failure up to
/// <see cref="Maximum"/>. A restarting libvirtd is back within a second or two; a stopped one should not be
/// hammered, so the cap keeps attempts to one per <see cref="Maximum"/> for as long as it stays down.
/// </summary>
public readonly record struct Backoff(TimeSpan Initial, TimeSpan Maximum)
{
    public static Backoff Default { get; } = new(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30));

    /// <summary>The wait before attempt <paramref name="attempt"/> (0-based).</summary>
    public TimeSpan Delay(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        var ticks = Initial.Ticks;
        for (var i = 0; i < attempt && ticks < Maximum.Ticks; i++)
        {
            ticks *= 2;
        }

        return TimeSpan.FromTicks(Math.Min(ticks, Maximum.Ticks));
    }
}
