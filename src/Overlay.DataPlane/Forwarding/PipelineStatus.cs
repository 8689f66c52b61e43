using System.Net;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Forwarding;

/// <summary>A point-in-time copy of the pipeline's state and counters, for <c>tvdctl status</c>.</summary>
public sealed record PipelineStatus(
    bool Running,
    string Underlay,
    IReadOnlyList<PortStatus> Ports,
    IReadOnlyList<TunnelStatus> Tunnels,
    IReadOnlyList<EspSaStatus> Sas,
    UnderlayStatus UnderlayCounters,
    DropCounterSnapshot Drops)
{
    internal static PipelineStatus From(Pipeline pipeline) => new(
        pipeline.IsRunning,
        string.Join(", ", pipeline.UnderlayAddresses), // one address, or "IPv4:port, [IPv6]:port" on a dual-stack host
        [.. pipeline.Ports.Select(PortStatus.From)],
        [.. pipeline.Tunnels.Select(t => TunnelStatus.From(t, pipeline.Sas))],
        pipeline.Sas.Snapshot(),
        UnderlayStatus.From(pipeline.Underlay, pipeline.UnderlayKernelDrops),
        pipeline.GlobalDrops.Snapshot())
    {
        Workers = pipeline.Options.Workers,
        WorkerCounters = [.. Enumerable.Range(0, Math.Min(pipeline.UnderlayQueues, Forwarding.UnderlayCounters.MaxWorkers)).Select(pipeline.Underlay.Worker)],
    };

    /// <summary>The workers the operator asked for (<c>[dataplane] workers</c>).</summary>
    public int Workers { get; init; } = 1;

    /// <summary>What each underlay receive loop (worker 0..n-1) received and opened.</summary>
    public IReadOnlyList<WorkerCounters> WorkerCounters { get; init; } = [];
}

public sealed record PortStatus(
    string Name,
    string Interface,
    string? Guest,
    string? Network,
    string TvdLabel,
    ushort VlanId,
    long ReceivedPackets,
    long ReceivedBytes,
    long SentPackets,
    long SentBytes,
    DropCounterSnapshot Drops,
    string Io = "other",
    PortOffloadCounters? Offloads = null,
    long KernelDrops = 0)
{
    public static PortStatus From(GuestPort p) => new(
        p.Name, p.Io.Interface, p.Guest, p.Network, p.TvdLabel, p.VlanId,
        p.Received.Packets, p.Received.Bytes, p.Sent.Packets, p.Sent.Bytes, p.Drops.Snapshot(), p.Io.Kind, p.Io.Offloads,
        p.IsDetached ? 0 : p.Io.KernelDrops);
}

/// <param name="Remote">Where its ESP goes: <paramref name="Peer"/>, or the NAT-mapped endpoint learned for it.</param>
public sealed record TunnelStatus(int Id, string PeerName, IPEndPoint Peer, ushort VlanId, string TvdLabel, uint? OutboundSpi)
{
    public IPEndPoint Remote { get; init; } = Peer;

    public bool FollowsPeer { get; init; }

    public long RemoteUpdates { get; init; }

    public static TunnelStatus From(Tunnel t, SaTable sas) => new(
        t.Id, t.PeerName, t.Peer, t.VlanId, t.TvdLabel, sas.TryGetOutbound(t.Peer, t.VlanId, out EspSa sa) ? sa.Spi : null)
    {
        Remote = t.Remote,
        FollowsPeer = t.FollowsPeer,
        RemoteUpdates = t.RemoteUpdates,
    };
}

public sealed record UnderlayStatus(
    long DatagramsReceived,
    long EspReceived,
    long IkeReceived,
    long KeepalivesReceived,
    long PacketsSent,
    long BytesSent,
    long SendBatches,
    long KernelDrops = 0)
{
    public long KeepalivesSent { get; init; }

    public long RemoteMoves { get; init; }

    public static UnderlayStatus From(UnderlayCounters c, long kernelDrops) => new(
        c.DatagramsReceived, c.EspReceived, c.IkeReceived, c.KeepalivesReceived, c.PacketsSent, c.BytesSent, c.SendBatches, kernelDrops)
    {
        KeepalivesSent = c.KeepalivesSent,
        RemoteMoves = c.RemoteMoves,
    };
}
