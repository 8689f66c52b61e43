using System.Diagnostics;
using System.Globalization;
using Overlay.Daemon.IkeHost;
using Overlay.Ike.Net;
using Overlay.IkeBench;

// tvd-ikebench: our IKEv2 (src/Overlay.Ike) over real UDP 500/4500 for bench/lab/ike-setup.sh.
//   respond  serve IKE_SA_INIT/IKE_AUTH as the responder until SIGTERM/SIGINT or --max-seconds
//   rate     --reps runs of --total setups with --window in flight: "rate <up> <secs> <per_s> <fails>"
//   serial   --n setups one at a time: one line of milliseconds each (or "FAIL ...")
//   storm    half-open IKE_SA_INITs and full setups at a responder for --seconds: "storm {json}" (Storm.cs);
//            with --spoof-random-sources, IKE_SA_INITs from forged source addresses: "spoof {json}" (SpoofedFlood.cs)
// Lines starting with '#' are commentary (warm-up, percentiles, counters) for the log.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

if (options.Mode == "storm" && options.SpoofPrefixes.Count > 0)
{
    return await SpoofedFlood.RunAsync(options, Console.Out);
}

if (options.Mode == "storm")
{
    return await Storm.RunAsync(options, Console.Out);
}

var inv = CultureInfo.InvariantCulture;
if (options.Mode == "attested")
{
    return await AttestedBench.RunAsync(options, Console.Out);
}

var sink = new CountingSink();
if (options.Mode == "respond")
{
    await using var responder = StandaloneIke.Start(options.Local, new RedOnlyPolicy(), sink, _ => BenchConfig.Ike(options),
        transport: new IkeTransportOptions { Workers = options.Workers }, halfOpen: BenchConfig.OneAddress);
    return await Responder.ServeAsync(responder, sink, options);
}

await using var daemon = StandaloneIke.Start(options.Local, new RedOnlyPolicy(), sink, _ => null,
    transport: new IkeTransportOptions { Workers = options.Workers });
var initiator = new Initiator(daemon, sink, options);
// Warm-up until both processes run tier-1 code (tiered JIT recompiles hot methods after ~30 calls and
// a background delay): rounds of 200 for at least --warmup-seconds; a daemon runs warm, and so does charon.
var warmWatch = Stopwatch.StartNew();
var (warmUp, warmFailed, warmRounds) = (0, 0, 0);
do
{
    var warm = await initiator.RunRateAsync(Math.Min(200, options.Total), options.Window, TimeSpan.FromSeconds(60));
    (warmUp, warmFailed, warmRounds) = (warmUp + warm.Up, warmFailed + warm.Failures, warmRounds + 1);
    Console.WriteLine($"#   warm-up round {warmRounds}: {warm.PerSecond.ToString("F1", inv)}/s");
}
while (warmWatch.Elapsed < options.WarmUp && warmRounds < 50);
Console.WriteLine($"# warm-up: {warmUp} up, {warmFailed} failed in {warmWatch.Elapsed.TotalSeconds.ToString("F1", inv)} s");
await Console.Out.FlushAsync();
await Task.Delay(300); // lets the lab script sample the responder's CPU time between warm-up and timed runs
var budget = options.MaxTime;
var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
if (options.Mode == "rate")
{
    var failed = 0;
    var up = 0;
    for (var r = 0; r < options.Reps; r++)
    {
        var res = await initiator.RunRateAsync(options.Total, options.Window, budget / options.Reps);
        failed += res.Failures;
        up += res.Up;
        Console.WriteLine($"rate {res.Up} {res.Seconds.ToString("F3", inv)} {res.PerSecond.ToString("F1", inv)} {res.Failures}");
    }

    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
    Console.WriteLine($"# initiator cpu {cpu.ToString("F3", inv)} s for {up} setups (incl. deletes)");
    Console.WriteLine($"initcpu {cpu.ToString("F3", inv)} {up}");
    return failed == 0 ? 0 : 1;
}

var samples = await initiator.RunSerialAsync(options.Count, Console.Out);
foreach (var ms in samples)
{
    Console.WriteLine(ms is { } v ? v.ToString("F3", inv) : "FAIL");
}

Console.WriteLine("# serial " + Percentiles.Summarize(samples.Where(v => v.HasValue).Select(v => v!.Value).ToList()));
return samples.All(v => v.HasValue) ? 0 : 1;
