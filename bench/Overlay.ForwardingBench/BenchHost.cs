using System.Diagnostics;
using System.Net;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;

namespace Overlay.ForwardingBench;

/// <summary>
/// The host under test: a real <see cref="Pipeline"/> with an <see cref="UnderlayGroup"/> of one queue per worker,
/// two guest ports (g1, g2) of TVD red, and tunnels to two peers X and Y (one inbound and one outbound SA each).
/// Inbound: X's datagrams carry frames mx→g1, Y's my→g2; with 2 workers X's arrive on queue 0 and Y's on
/// queue 1 (as SPI steering spreads SAs over sockets), with 1 worker both on queue 0. Outbound: with 2 workers
/// port 1 sends g1→mx and port 2 g2→my (a port loop each); with 1 worker port 1 sends both flows (with
/// <c>--tvds 2</c>, where Y and g2 are in TVD blue, only g1→mx: one loop, one flow).
/// </summary>
internal sealed class BenchHost : IAsyncDisposable
{
    internal const ushort Vlan = 101;
    internal const string Tvd = "red";

    /// <summary>With <c>--tvds 2</c>, Y's tunnel, SAs and port g2 are in TVD blue.</summary>
    internal const ushort BlueVlan = 102;
    internal const string BlueTvd = "blue";
    internal static readonly IPAddress Self = IPAddress.Parse("10.99.0.1");
    internal static readonly IPEndPoint PeerX = new(IPAddress.Parse("10.99.0.2"), 4500);
    internal static readonly IPEndPoint PeerY = new(IPAddress.Parse("10.99.0.3"), 4500);
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromSeconds(120);

    private readonly int _workers;
    private readonly BenchOptions _options;
    private readonly SealedStreams _streams;
    private readonly FeedingUnderlay[] _queues;
    private readonly BenchPort _port1;
    private readonly BenchPort _port2;
    private readonly Pipeline _pipeline;

    public BenchHost(int workers, BenchOptions options, SealedStreams streams)
    {
        _workers = workers;
        _options = options;
        _streams = streams;
        _queues = [.. Enumerable.Range(0, workers).Select(_ => new FeedingUnderlay(UdpAddress.From(Self, 4500), Idle))];
        _port1 = new BenchPort("g1", Idle);
        _port2 = new BenchPort("g2", Idle);
        _pipeline = new Pipeline(new UnderlayGroup(_queues), new SaTable(),
            new PipelineOptions { Workers = workers, ReceiveTimeout = Idle });
        (ushort yVlan, string yTvd) = TvdOf(PeerY, options);
        _pipeline.AttachPort("g1", _port1, Vlan, Tvd);
        _pipeline.AttachPort("g2", _port2, yVlan, yTvd);
        foreach ((string name, IPEndPoint peer) in new[] { ("x", PeerX), ("y", PeerY) })
        {
            (ushort vlan, string tvd) = TvdOf(peer, options);
            _pipeline.AddTunnel(name, peer, vlan, tvd);
            Install(streams.Outbound(peer));
            Install(streams.Inbound(peer));
        }

        _pipeline.Start();
        Learn();
    }

    /// <summary>The TVD of a peer's tunnel: red, or blue for Y when the bench runs two TVDs.</summary>
    internal static (ushort Vlan, string Tvd) TvdOf(IPEndPoint peer, BenchOptions options) =>
        options.Tvds == 2 && peer.Equals(PeerY) ? (BlueVlan, BlueTvd) : (Vlan, Tvd);

    /// <summary>Rounds of every sealed datagram once (fresh inbound SAs each round) until the duration is measured.</summary>
    public Task<RunResult> RunInboundAsync() => Task.Run(() =>
    {
        RunResult? failed = InboundRound(); // warm-up (JIT tiers, caches), not measured
        if (failed is not null)
        {
            return failed;
        }

        long packets = 0;
        long ticks = 0;
        TimeSpan cpu = TimeSpan.Zero;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        while (ticks < _options.DurationSeconds * Stopwatch.Frequency)
        {
            ReinstallInbound();
            TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            if (InboundRound() is { } problem)
            {
                return problem;
            }

            ticks += Math.Max(_port1.ReachedAt, _port2.ReachedAt) - start;
            cpu += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            packets += 2L * _streams.PacketsPerSa;
        }

        return Result(packets, ticks, cpu, GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore);
    });

    /// <summary>The ports generate for a warm-up, then for the duration; sealed datagrams counted at the queues.</summary>
    public Task<RunResult> RunOutboundAsync() => Task.Run(async () =>
    {
        byte[] toX = SealedStreams.Frame(SealedStreams.Mx, SealedStreams.G1, _options.FrameLength);
        byte[] toY = SealedStreams.Frame(SealedStreams.My, SealedStreams.G2, _options.FrameLength);
        if (_workers == 1 && _options.Tvds == 2)
        {
            _port1.Generate([toX]); // a red port cannot reach blue: one loop carries one flow
        }
        else if (_workers == 1)
        {
            _port1.Generate([toX, SealedStreams.Frame(SealedStreams.My, SealedStreams.G1, _options.FrameLength)]);
        }
        else
        {
            _port1.Generate([toX]);
            _port2.Generate([toY]);
        }

        await Task.Delay(TimeSpan.FromSeconds(Math.Min(1, _options.DurationSeconds / 2)));
        long sentBefore = Sent();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(_options.DurationSeconds));
        long sent = Sent() - sentBefore;
        long ticks = Stopwatch.GetTimestamp() - start;
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        _port1.StopGenerating();
        _port2.StopGenerating();
        long dropped = _pipeline.GlobalDrops.Total;
        if (dropped > 0 || sent == 0)
        {
            return RunResult.Failed($"{sent} sealed datagrams sent, {dropped} drops: {Drops()}");
        }

        return Result(sent, ticks, cpu, allocated);
    });

    public async ValueTask DisposeAsync()
    {
        _port1.StopGenerating();
        _port2.StopGenerating();
        await _pipeline.StopAsync();
    }

    private static RunResult Result(long packets, long ticks, TimeSpan cpu, long allocated)
    {
        double seconds = (double)ticks / Stopwatch.Frequency;
        return new RunResult(packets / seconds, cpu.TotalMicroseconds / packets, cpu.TotalSeconds / seconds, (double)allocated / packets);
    }

    private long Sent() => _queues.Sum(q => q.Sent);

    private string Drops() => string.Join(", ", Enum.GetValues<DropReason>()
        .Where(r => r != DropReason.None && _pipeline.GlobalDrops[r] > 0).Select(r => $"{r}={_pipeline.GlobalDrops[r]}"));

    /// <summary>
    /// The switch learns where each MAC is, as traffic would teach it: one frame from each port (g1, g2; flooded
    /// to both tunnels), then one datagram from each peer (mx, my) on SAs that are replaced before measuring.
    /// </summary>
    private void Learn()
    {
        long sent = Sent();
        _port1.Generate([SealedStreams.Frame(SealedStreams.Mx, SealedStreams.G1, _options.FrameLength)], 1);
        _port2.Generate([SealedStreams.Frame(SealedStreams.My, SealedStreams.G2, _options.FrameLength)], 1);
        int flooded = _options.Tvds == 2 ? 2 : 4; // each learning frame goes to every tunnel of its TVD
        SpinUntil(() => Sent() >= sent + flooded, "the learning frames were not sealed");
        if (InboundRound(_streams.Learning) is { } problem)
        {
            throw new InvalidOperationException(problem.Problem);
        }

        ReinstallInbound();
    }

    /// <summary>Feeds every datagram of <paramref name="streams"/> once and waits until each port got its share.</summary>
    private RunResult? InboundRound(SealedStream[]? streams = null)
    {
        SealedStream x = streams?[0] ?? _streams.FromX;
        SealedStream y = streams?[1] ?? _streams.FromY;
        _port1.Expect(_port1.Delivered + x.Count);
        _port2.Expect(_port2.Delivered + y.Count);
        if (_workers == 1)
        {
            _queues[0].Feed([x, y]);
        }
        else
        {
            _queues[0].Feed([x]);
            _queues[1].Feed([y]);
        }

        if (!_port1.WaitReached(RoundTimeout) || !_port2.WaitReached(RoundTimeout))
        {
            return RunResult.Failed($"a round did not arrive whole in {RoundTimeout.TotalSeconds} s: {Drops()}");
        }

        return _pipeline.GlobalDrops.Total > 0 ? RunResult.Failed($"drops: {Drops()}") : null;
    }

    /// <summary>Fresh inbound SAs (new replay windows), so the same sealed datagrams are new again.</summary>
    private void ReinstallInbound()
    {
        foreach (IPEndPoint peer in new[] { PeerX, PeerY })
        {
            SaDescriptor inbound = _streams.Inbound(peer);
            _pipeline.Sas.Remove(inbound.Spi, SaDirection.Inbound);
            Install(inbound);
        }
    }

    private void Install(SaDescriptor descriptor)
    {
        SaInstallResult result = _pipeline.Sas.Install(descriptor);
        if (result != SaInstallResult.Installed)
        {
            throw new InvalidOperationException($"SA 0x{descriptor.Spi:x}: {result}");
        }
    }

    private static void SpinUntil(Func<bool> condition, string what)
    {
        long deadline = Environment.TickCount64 + 30_000;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException(what);
            }

            Thread.Sleep(5);
        }
    }
}
