using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Overlay.Daemon.IkeHost;

namespace Overlay.IkeBench;

/// <summary>
/// <c>tvd-ikebench storm</c>: half-open IKE_SA_INITs (<see cref="HalfOpenFlood"/>) and full setups
/// (<see cref="FullSetupStorm"/>) against one responder at once, for --seconds, looking like a peer that
/// responder knows (--local-id, --psk, the source address --bind). Prints commentary lines starting with
/// '#' and one summary line, <c>storm {json}</c> (<see cref="StormSummary"/>).
/// </summary>
public static class Storm
{
    /// <summary>How long after the last half-open request its answer is still counted.</summary>
    private static readonly TimeSpan AnswerGrace = TimeSpan.FromMilliseconds(500);

    public static async Task<int> RunAsync(BenchOptions options, TextWriter output)
    {
        var target = options.Peer;
        var local = options.Bind ?? SourceAddressTowards(target);
        var sink = new CountingSink();
        // Ephemeral ports: a responder knows its peers by address, and a source port we chose is where its answers go.
        await using var daemon = StandaloneIke.Start(local, new RedOnlyPolicy(), sink, _ => null, ikePort: 0, natTraversalPort: 0);
        await using var flood = new HalfOpenFlood(local, target, BenchConfig.Ike(options));
        var full = new FullSetupStorm(new Initiator(daemon, sink, options), options);

        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"# storm: {local} -> {target} as {options.LocalId}: {options.HalfOpenRate.ToString(inv)} half-open/s, "
            + $"{options.FullRate.ToString(inv)} full setups/s ({options.Label}) for {options.StormTime.TotalSeconds.ToString(inv)} s");
        await output.FlushAsync().ConfigureAwait(false);

        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(options.StormTime.TotalSeconds * Stopwatch.Frequency);
        var halfOpen = options.HalfOpenRate > 0 ? Task.Run(() => flood.RunAsync(options.HalfOpenRate, deadline)) : Task.CompletedTask;
        var setups = options.FullRate > 0 ? Task.Run(() => full.RunAsync(deadline)) : Task.FromResult(FullSetupStorm.Counts.None);
        await halfOpen.ConfigureAwait(false);
        var fullCounts = await setups.ConfigureAwait(false);
        await Task.Delay(AnswerGrace).ConfigureAwait(false);

        foreach (var (failure, reason) in fullCounts.FirstReason)
        {
            output.WriteLine($"# first {SetupFailures.Name(failure)} failure: {reason}");
        }

        output.WriteLine("storm " + StormSummary.Json(options, local, flood.Snapshot(), fullCounts));
        return 0;
    }

    /// <summary>The address the kernel would send to <paramref name="target"/> from (connecting a UDP socket sends nothing).</summary>
    private static IPAddress SourceAddressTowards(IPEndPoint target)
    {
        using var probe = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        probe.Connect(target);
        return ((IPEndPoint)probe.LocalEndPoint!).Address;
    }
}
