namespace Overlay.Ike.Sa;

/// <summary>
/// Octets that fragments waiting for reassembly (RFC 7383) may hold across all IKE SAs of one daemon. A
/// fragment arrives before its message authenticates the peer (IKE_AUTH is fragmented too), so whoever
/// completes an IKE_SA_INIT can make an SA keep its fragments; the per-SA limits of
/// <see cref="FragmentationOptions"/> bound one SA, this bounds them all. Thread-safe.
/// </summary>
public sealed class ReassemblyBudget(long limit)
{
    private long _used;

    /// <summary>64 MiB: enough for a few dozen attested IKE_AUTHs with full measurement lists at once.</summary>
    public static ReassemblyBudget Shared { get; } = new(64L << 20);

    public long Limit => limit;

    public long Used => Interlocked.Read(ref _used);

    /// <summary>Reserves <paramref name="octets"/>; false (nothing reserved) when that would pass the limit.</summary>
    public bool TryTake(int octets)
    {
        if (Interlocked.Add(ref _used, octets) <= limit)
        {
            return true;
        }

        Interlocked.Add(ref _used, -octets);
        return false;
    }

    public void Give(long octets) => Interlocked.Add(ref _used, -octets);
}
