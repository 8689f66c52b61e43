using System.Globalization;

namespace Overlay.IkeBench;

/// <summary>Summary of a latency sample: median and nearest-rank percentiles.</summary>
public static class Percentiles
{
    public static string Summarize(IReadOnlyList<double> ms)
    {
        if (ms.Count == 0)
        {
            return "no samples";
        }

        var sorted = ms.Order().ToArray();
        string P(double p) => At(sorted, p).ToString("F3", CultureInfo.InvariantCulture);
        return $"n={sorted.Length} min={sorted[0].ToString("F3", CultureInfo.InvariantCulture)} p50={P(50)} p90={P(90)} p99={P(99)} max={sorted[^1].ToString("F3", CultureInfo.InvariantCulture)} ms";
    }

    /// <summary>The nearest-rank <paramref name="p"/>th percentile of an ascending sample; NaN when it is empty.</summary>
    public static double At(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
