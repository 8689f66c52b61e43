namespace Overlay.ClusterBench;

/// <summary>Nearest-rank percentiles of a sample of milliseconds.</summary>
public static class Percentiles
{
    /// <summary>The nearest-rank <paramref name="p"/>th percentile of an ascending sample; NaN when it is empty.</summary>
    public static double At(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
