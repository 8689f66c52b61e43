using System.Diagnostics;
using System.Globalization;

namespace Overlay.IkeBench;

/// <summary>
/// <c>tvd-ikebench attested</c>: attested handshakes against unattested ones in one run (issue: ≥ 50 attested
/// handshakes/s with the TPM slowed to 200 ms per quote, ≥ 10× the quote rate, and ≥ 50 % of the unattested
/// rate). Variants, each with fresh stacks (and fresh swtpms), interleaved round by round: unattested;
/// attested on swtpm; attested on swtpm with --quote-delay-ms added to every quote (a discrete TPM's latency).
/// Per variant and round: a warm-up, then --total setups with --window in flight (setups/s), then --n serial
/// setups (p50/p99 ms); quotes made per 1,000 handshakes and µs per appraisal. Prints one line per result
/// (<c>attested VARIANT ROUND rate R p50 A p99 B quotes_per_1000 Q verify_us V</c>) and a summary.
/// </summary>
public static class AttestedBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public sealed record Result(string Variant, double PerSecond, int Failures, double P50, double P99, double QuotesPer1000, double VerifyMicroseconds);

    public static async Task<int> RunAsync(BenchOptions options, TextWriter output)
    {
        var delay = TimeSpan.FromMilliseconds(options.QuoteDelayMs);
        (string Name, bool Attested, TimeSpan Delay)[] variants =
            [("unattested", false, TimeSpan.Zero), ("attested-swtpm", true, TimeSpan.Zero), ($"attested-swtpm+{options.QuoteDelayMs}ms", true, delay)];
        var results = new List<Result>();
        for (int round = 1; round <= options.Rounds; round++)
        {
            foreach (var (name, attested, quoteDelay) in variants)
            {
                Result result = await RunVariantAsync(name, attested, quoteDelay, options, output).ConfigureAwait(false);
                results.Add(result);
                output.WriteLine(string.Create(Inv, $"attested {name} {round} rate {result.PerSecond:F1} failures {result.Failures} p50 {result.P50:F2} p99 {result.P99:F2} quotes_per_1000 {result.QuotesPer1000:F1} verify_us {result.VerifyMicroseconds:F0}"));
                await output.FlushAsync().ConfigureAwait(false);
            }
        }

        Summarize(results, variants.Select(v => v.Name).ToArray(), options.QuoteDelayMs, output);
        return results.All(r => r.Failures == 0) ? 0 : 1;
    }

    private static async Task<Result> RunVariantAsync(string name, bool attested, TimeSpan quoteDelay, BenchOptions options, TextWriter output)
    {
        await using AttestedPair pair = await AttestedPair.StartAsync(attested, quoteDelay, options).ConfigureAwait(false);
        var initiator = new Initiator(pair.A, pair.SinkA, pair.OptionsA);
        var watch = Stopwatch.StartNew();
        int handshakes = 0;
        do
        {
            handshakes += (await initiator.RunRateAsync(Math.Min(100, options.Total), options.Window, TimeSpan.FromSeconds(60)).ConfigureAwait(false)).Up;
        }
        while (watch.Elapsed < options.WarmUp);

        Initiator.RateResult rate = await initiator.RunRateAsync(options.Total, options.Window, options.MaxTime).ConfigureAwait(false);
        handshakes += rate.Up;
        long quotes = pair.Attesters.Sum(a => a.QuotesMade); // over the whole run, warm-up included: the TPM's share of it all
        List<double?> serial = await initiator.RunSerialAsync(options.Count, output).ConfigureAwait(false);
        double[] ms = [.. serial.Where(s => s is not null).Select(s => s!.Value).Order()];
        double verify = new[] { pair.TimingA, pair.TimingB }.Where(t => t is { Appraisals: > 0 }).Select(t => t!.MicrosecondsPerAppraisal).DefaultIfEmpty(0).Average();
        handshakes += serial.Count(s => s is not null);
        output.WriteLine($"# {name}: {rate.Up} up of {rate.Started} in {rate.Seconds.ToString("F2", Inv)} s; {quotes} quote(s) for {handshakes} handshakes in all; serial {Percentiles.Summarize(ms)}");
        return new Result(name, rate.PerSecond, rate.Failures + serial.Count(s => s is null), Percentiles.At(ms, 50), Percentiles.At(ms, 99),
            handshakes == 0 ? 0 : quotes * 1000.0 / handshakes, verify);
    }

    private static void Summarize(List<Result> results, string[] variants, int delayMs, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"{"variant",-28} {"setups/s (min-max)",22} {"p50 ms",8} {"p99 ms",8} {"quotes/1000",12} {"verify µs",10}");
        var median = new Dictionary<string, double>();
        foreach (string variant in variants)
        {
            var runs = results.Where(r => r.Variant == variant).ToList();
            double[] rates = [.. runs.Select(r => r.PerSecond).Order()];
            median[variant] = rates[rates.Length / 2];
            output.WriteLine(string.Create(Inv,
                $"{variant,-28} {$"{median[variant]:F0} ({rates[0]:F0}-{rates[^1]:F0})",22} {runs.Average(r => r.P50),8:F2} {runs.Average(r => r.P99),8:F2} {runs.Average(r => r.QuotesPer1000),12:F1} {runs.Average(r => r.VerifyMicroseconds),10:F0}"));
        }

        double slow = median[variants[2]], plain = median[variants[0]];
        double quoteRate = delayMs > 0 ? 1000.0 / delayMs : double.PositiveInfinity;
        output.WriteLine(string.Create(Inv,
            $"attested with {delayMs} ms quotes: {slow:F0}/s = {slow / quoteRate:F1}× the TPM's quote rate ({quoteRate:F1}/s; goal ≥ 10×, ≥ 50/s), {slow / plain:P0} of unattested (goal ≥ 50 %)"));
    }
}
