using System.Diagnostics.Metrics;
using Overlay.Daemon.Status;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Sa;

namespace Overlay.Daemon.Metrics;

/// <summary>
/// Data-plane instruments: traffic per (TVD, peer, direction) over a tunnel's SAs (installed and retired), per port,
/// drops by the reasons <c>tvdctl status</c> prints, kernel drops per port and on the underlay.
/// </summary>
public sealed partial class OverlayMetrics
{
    // A scrape reads several instruments; they share one pipeline snapshot taken at most this often.
    private static readonly TimeSpan SnapshotReuse = TimeSpan.FromMilliseconds(200);

    private readonly Lock _snapshotLock = new();
    private readonly MonotonicSeries<(string Tvd, string Peer, string Direction)> _tunnelPackets = new();
    private readonly MonotonicSeries<(string Tvd, string Peer, string Direction)> _tunnelBytes = new();
    private readonly MonotonicSeries<(string Tvd, string Peer, DropReason Reason)> _tunnelDrops = new();
    private (long Timestamp, PipelineStatus Status, IReadOnlyList<RetiredTraffic> Retired)? _snapshot;

    private void CreateDataPlaneInstruments()
    {
        Meter.CreateObservableCounter("tvd_packets", () => TunnelTraffic(bytes: false),
            description: "ESP packets carried per TVD, peer and direction (in: opened, out: sealed), over every SA the tunnel had");
        Meter.CreateObservableCounter("tvd_bytes", () => TunnelTraffic(bytes: true),
            description: "Inner bytes carried per TVD, peer and direction, over every SA the tunnel had");
        Meter.CreateObservableCounter("tvd_tunnel_drops", TunnelDrops,
            description: "Packets the SAs of a (TVD, peer) dropped, by reason (names as in tvdctl status); foreign_tag: a frame tagged for another TVD");
        Meter.CreateObservableCounter("tvd_drops", GlobalDrops,
            description: "Every data-plane drop by reason, as .dataplane.drops in tvdctl status (SAs' drops and packets no SA took)");
        Meter.CreateObservableCounter("tvd_port_packets", () => PortTraffic(bytes: false),
            description: "Frames per guest port, by direction (rx: from the guest, tx: to the guest)");
        Meter.CreateObservableCounter("tvd_port_bytes", () => PortTraffic(bytes: true),
            description: "Bytes per guest port, by direction (rx: from the guest, tx: to the guest)");
        Meter.CreateObservableCounter("tvd_port_drops", PortDrops,
            description: "Frames a guest port dropped, by reason (names as in tvdctl status)");
        Meter.CreateObservableCounter("tvd_port_kernel_drops", PortKernelDrops,
            description: "Frames the kernel dropped before a port's loop read them (socket buffer or XSK ring full)");
        Meter.CreateObservableCounter("tvd_underlay_kernel_drops", UnderlayKernelDrops,
            description: "Datagrams the kernel dropped on the underlay socket (receive buffer full)");
        Meter.CreateObservableCounter("tvd_worker_datagrams", () => WorkerTraffic(opened: false),
            description: "Underlay datagrams each worker (underlay receive loop, label worker = 0..workers-1) read");
        Meter.CreateObservableCounter("tvd_worker_opened", () => WorkerTraffic(opened: true),
            description: "ESP packets each worker opened (replay check and ICV passed)");
        Meter.CreateObservableGauge("tvd_workers", WorkerCount,
            description: "Workers the data plane runs ([dataplane] workers)");
        Meter.CreateObservableGauge("tvd_esp_sas", EspSas,
            description: "Installed ESP SAs by direction and state (active, expired, ...)");
        Meter.CreateObservableGauge("tvd_underlay_io", UnderlayIo,
            description: "1, labelled with the underlay I/O that runs (io: udp or af_xdp) and the one [dataplane] underlay_io asked for; io != requested is a fallback");
        Meter.CreateObservableCounter("tvd_underlay_xsk_packets", UnderlayXskPackets,
            description: "ESP-in-UDP datagrams the AF_XDP underlay's sockets received (rx) and sent through their TX rings (tx)");
        Meter.CreateObservableCounter("tvd_underlay_xsk_malformed", () => UnderlayXsk(x => x.Malformed),
            description: "Frames the AF_XDP underlay's program redirected that failed the Ethernet/IPv4/UDP checks");
        Meter.CreateObservableCounter("tvd_underlay_xsk_kernel_sent", () => UnderlayXsk(x => x.KernelSent),
            description: "Datagrams the AF_XDP underlay sent through the kernel socket (next hop not resolved yet, another interface, larger than the MTU)");
    }

    private (PipelineStatus Status, IReadOnlyList<RetiredTraffic> Retired)? Snapshot()
    {
        if (_dataPlane.Pipeline is not { } pipeline)
        {
            return null;
        }

        lock (_snapshotLock)
        {
            if (_snapshot is not { } cached || _time.GetElapsedTime(cached.Timestamp) > SnapshotReuse)
            {
                // Retired before live: an SA removed in between is then missed for this scrape (the high-water mark
                // keeps the series from going down), never counted twice.
                IReadOnlyList<RetiredTraffic> retired = pipeline.Sas.RetiredSnapshot();
                _snapshot = cached = (_time.GetTimestamp(), pipeline.Snapshot(), retired);
            }

            return (cached.Status, cached.Retired);
        }
    }

    private IEnumerable<Measurement<long>> TunnelTraffic(bool bytes)
    {
        if (Snapshot() is not { } s)
        {
            return [];
        }

        var sums = new Dictionary<(string Tvd, string Peer, string Direction), long>();
        foreach (EspSaStatus sa in s.Status.Sas)
        {
            Add(sums, (TvdName(sa.TvdLabel), PeerName(sa.Peer), Direction(sa.Direction)), bytes ? sa.Bytes : sa.Packets);
        }

        foreach (RetiredTraffic r in s.Retired)
        {
            Add(sums, (TvdName(r.TvdLabel), PeerName(r.Peer), Direction(r.Direction)), bytes ? r.Bytes : r.Packets);
        }

        return [.. (bytes ? _tunnelBytes : _tunnelPackets).Report(sums).Select(kv => new Measurement<long>(kv.Value,
            Tag("tvd", kv.Key.Tvd), Tag("peer", kv.Key.Peer), Tag("direction", kv.Key.Direction)))];
    }

    private IEnumerable<Measurement<long>> TunnelDrops()
    {
        if (Snapshot() is not { } s)
        {
            return [];
        }

        var sums = new Dictionary<(string Tvd, string Peer, DropReason Reason), long>();
        foreach (EspSaStatus sa in s.Status.Sas)
        {
            foreach (KeyValuePair<DropReason, long> drop in sa.Drops.NonZero())
            {
                Add(sums, (TvdName(sa.TvdLabel), PeerName(sa.Peer), drop.Key), drop.Value);
            }
        }

        foreach (RetiredTraffic r in s.Retired)
        {
            foreach (KeyValuePair<DropReason, long> drop in r.Drops)
            {
                Add(sums, (TvdName(r.TvdLabel), PeerName(r.Peer), drop.Key), drop.Value);
            }
        }

        return [.. _tunnelDrops.Report(sums).Select(kv => new Measurement<long>(kv.Value,
            Tag("tvd", kv.Key.Tvd), Tag("peer", kv.Key.Peer), Tag("reason", DataPlaneStatusSection.ReasonName(kv.Key.Reason))))];
    }

    private IEnumerable<Measurement<long>> GlobalDrops() =>
        Snapshot() is { } s
            ? [.. s.Status.Drops.NonZero().Select(d => new Measurement<long>(d.Value, Tag("reason", DataPlaneStatusSection.ReasonName(d.Key))))]
            : [];

    private IEnumerable<Measurement<long>> PortTraffic(bool bytes)
    {
        if (Snapshot() is not { } s)
        {
            return [];
        }

        var points = new List<Measurement<long>>();
        foreach (PortStatus p in s.Status.Ports)
        {
            string tvd = TvdName(p.TvdLabel);
            points.Add(new Measurement<long>(bytes ? p.ReceivedBytes : p.ReceivedPackets, Tag("port", p.Name), Tag("tvd", tvd), Tag("direction", "rx")));
            points.Add(new Measurement<long>(bytes ? p.SentBytes : p.SentPackets, Tag("port", p.Name), Tag("tvd", tvd), Tag("direction", "tx")));
        }

        return points;
    }

    private IEnumerable<Measurement<long>> PortDrops() =>
        Snapshot() is { } s
            ? [.. s.Status.Ports.SelectMany(p => p.Drops.NonZero().Select(d => new Measurement<long>(d.Value,
                Tag("port", p.Name), Tag("tvd", TvdName(p.TvdLabel)), Tag("reason", DataPlaneStatusSection.ReasonName(d.Key)))))]
            : [];

    private IEnumerable<Measurement<long>> PortKernelDrops() =>
        Snapshot() is { } s
            ? [.. s.Status.Ports.Select(p => new Measurement<long>(p.KernelDrops, Tag("port", p.Name), Tag("tvd", TvdName(p.TvdLabel))))]
            : [];

    private IEnumerable<Measurement<long>> UnderlayKernelDrops() =>
        Snapshot() is { } s ? [new Measurement<long>(s.Status.UnderlayCounters.KernelDrops)] : [];

    private IEnumerable<Measurement<int>> WorkerCount() =>
        Snapshot() is { } s ? [new Measurement<int>(s.Status.Workers)] : [];

    private IEnumerable<Measurement<long>> WorkerTraffic(bool opened) =>
        Snapshot() is { } s
            ? [.. s.Status.WorkerCounters.Select((w, i) => new Measurement<long>(opened ? w.EspOpened : w.DatagramsReceived,
                Tag("worker", i.ToString(System.Globalization.CultureInfo.InvariantCulture))))]
            : [];

    private IEnumerable<Measurement<int>> EspSas() =>
        Snapshot() is { } s
            ? [.. s.Status.Sas.GroupBy(sa => (Direction(sa.Direction), sa.State.ToString().ToLowerInvariant()))
                .Select(g => new Measurement<int>(g.Count(), Tag("direction", g.Key.Item1), Tag("state", g.Key.Item2)))]
            : [];

    private IEnumerable<Measurement<int>> UnderlayIo() =>
        _dataPlane.UnderlayIo is { } io ? [new Measurement<int>(1, Tag("io", io.Io), Tag("requested", io.Requested))] : [];

    private IEnumerable<Measurement<long>> UnderlayXskPackets() =>
        _dataPlane.UnderlayIo?.Xdp is { } xdp
            ? [new Measurement<long>(xdp.XskReceived, Tag("direction", "rx")), new Measurement<long>(xdp.XskSent, Tag("direction", "tx"))]
            : [];

    // Only while the AF_XDP underlay runs: a UDP underlay has no such counters, and zeros would look real.
    private IEnumerable<Measurement<long>> UnderlayXsk(Func<Overlay.DataPlane.Io.XdpUnderlay, long> counter) =>
        _dataPlane.UnderlayIo?.Xdp is { } xdp ? [new Measurement<long>(counter(xdp))] : [];

    private static string Direction(SaDirection direction) => direction == SaDirection.Inbound ? "in" : "out";

    private static void Add<TKey>(Dictionary<TKey, long> sums, TKey key, long value)
        where TKey : notnull => sums[key] = sums.GetValueOrDefault(key) + value;
}
