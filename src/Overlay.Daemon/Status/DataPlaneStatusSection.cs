using System.Text;
using System.Text.Json;
using Overlay.Daemon.DataPlaneHost;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Sa;

namespace Overlay.Daemon.Status;

/// <summary>
/// The <c>dataplane</c> section: ports (TVD, counters), ports the policy refused, peers and their
/// tunnels, SAs (SPI, TVD, packets, bytes, drops), underlay counters and every drop by reason.
/// Drop reasons are snake_case names of <see cref="DropReason"/>; only non-zero ones are listed.
/// </summary>
public sealed class DataPlaneStatusSection : IStatusSection
{
    private readonly DataPlaneRuntime _runtime;

    public DataPlaneStatusSection(DataPlaneRuntime runtime) => _runtime = runtime;

    public string Name => "dataplane";

    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        if (_runtime.Pipeline is not { } pipeline)
        {
            writer.WriteBoolean("enabled", false);
            writer.WriteEndObject();
            return;
        }

        PipelineStatus status = pipeline.Snapshot();
        writer.WriteBoolean("enabled", true);
        writer.WriteBoolean("running", status.Running);
        writer.WriteString("underlay", status.Underlay);
        writer.WriteNumber("workers", status.Workers);
        writer.WriteString("underlay_steering", _runtime.UnderlaySteering);
        WriteUnderlayIo(writer, _runtime.UnderlayIo);
        if (_runtime.KeyExportPath is { } export)
        {
            writer.WriteString("debug_key_export", export);
        }
        else
        {
            writer.WriteNull("debug_key_export");
        }

        WritePorts(writer, status.Ports);
        WriteRefused(writer, _runtime.Refused);
        WritePeers(writer, status.Tunnels);
        WriteSas(writer, status.Sas);
        WriteUnderlay(writer, status.UnderlayCounters);
        WriteWorkers(writer, status.WorkerCounters);
        writer.WriteNumber("drops_total", status.Drops.Total);
        WriteDrops(writer, "drops", status.Drops);
        writer.WriteEndObject();
    }

    /// <summary><see cref="DropReason.UnknownSpi"/> → <c>unknown_spi</c>.</summary>
    public static string ReasonName(DropReason reason)
    {
        string name = reason.ToString();
        var text = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    private static void WritePorts(Utf8JsonWriter writer, IReadOnlyList<PortStatus> ports)
    {
        writer.WriteStartArray("ports");
        foreach (PortStatus p in ports)
        {
            writer.WriteStartObject();
            writer.WriteString("name", p.Name);
            writer.WriteString("interface", p.Interface);
            writer.WriteString("guest", p.Guest);
            writer.WriteString("network", p.Network);
            writer.WriteString("tvd", p.TvdLabel);
            writer.WriteNumber("vlan", p.VlanId);
            writer.WriteString("io", p.Io);
            writer.WriteNumber("rx_packets", p.ReceivedPackets);
            writer.WriteNumber("rx_bytes", p.ReceivedBytes);
            writer.WriteNumber("tx_packets", p.SentPackets);
            writer.WriteNumber("tx_bytes", p.SentBytes);
            WriteDrops(writer, "drops", p.Drops);
            writer.WriteNumber("kernel_drops", p.KernelDrops); // socket buffer / XSK ring full: the loop fell behind
            if (p.Offloads is { } o)
            {
                // What the port did for a guest with TSO/GSO and checksum offload (AF_PACKET ports).
                writer.WriteStartObject("offload");
                writer.WriteNumber("super_frames_received", o.SuperFramesReceived);
                writer.WriteNumber("frames_produced", o.FramesProduced);
                writer.WriteNumber("frames_coalesced", o.FramesCoalesced);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteRefused(Utf8JsonWriter writer, IReadOnlyList<RefusedPort> refused)
    {
        writer.WriteStartArray("refused_ports");
        foreach (RefusedPort r in refused)
        {
            writer.WriteStartObject();
            writer.WriteString("name", r.Name);
            writer.WriteString("interface", r.Interface);
            writer.WriteString("guest", r.Guest);
            writer.WriteString("network", r.Network);
            writer.WriteString("reason", r.Reason);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WritePeers(Utf8JsonWriter writer, IReadOnlyList<TunnelStatus> tunnels)
    {
        writer.WriteStartArray("peers");
        foreach (IGrouping<string, TunnelStatus> peer in tunnels.GroupBy(t => t.PeerName, StringComparer.Ordinal))
        {
            writer.WriteStartObject();
            writer.WriteString("name", peer.Key);
            writer.WriteString("address", peer.First().Peer.ToString());
            writer.WriteStartArray("tunnels");
            foreach (TunnelStatus t in peer)
            {
                writer.WriteStartObject();
                writer.WriteString("tvd", t.TvdLabel);
                writer.WriteNumber("vlan", t.VlanId);
                writer.WriteString("remote", t.Remote.ToString()); // differs from the address behind a NAT
                writer.WriteBoolean("follows_peer", t.FollowsPeer);
                writer.WriteNumber("remote_updates", t.RemoteUpdates);
                if (t.OutboundSpi is uint spi)
                {
                    writer.WriteString("outbound_spi", $"0x{spi:x8}");
                }
                else
                {
                    writer.WriteNull("outbound_spi");
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteSas(Utf8JsonWriter writer, IReadOnlyList<EspSaStatus> sas)
    {
        writer.WriteStartArray("sas");
        foreach (EspSaStatus sa in sas)
        {
            writer.WriteStartObject();
            writer.WriteString("spi", $"0x{sa.Spi:x8}");
            writer.WriteString("direction", sa.Direction == SaDirection.Outbound ? "out" : "in");
            writer.WriteString("peer", sa.Peer.ToString());
            writer.WriteString("tvd", sa.TvdLabel);
            writer.WriteNumber("vlan", sa.TvdVlanId);
            writer.WriteString("mode", sa.InnerMode == InnerMode.EtherIp ? "etherip" : "ip");
            writer.WriteString("state", sa.State.ToString().ToLowerInvariant());
            writer.WriteNumber("packets", sa.Packets);
            writer.WriteNumber("bytes", sa.Bytes);
            writer.WriteNumber("last_sequence", sa.LastSequence);
            if (sa.SequenceReserved is { } reserved)
            {
                writer.WriteNumber("sequence_reserved", reserved);
            }

            WriteDrops(writer, "drops", sa.Drops);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary><c>underlay_io</c>: which I/O runs, what was asked, how or why not; the AF_XDP counters when it runs.</summary>
    private static void WriteUnderlayIo(Utf8JsonWriter writer, UnderlayIoState? state)
    {
        if (state is null)
        {
            return;
        }

        writer.WriteStartObject("underlay_io");
        writer.WriteString("io", state.Io);
        writer.WriteString("requested", state.Requested);
        writer.WriteString("detail", state.Detail);
        if (state.Xdp is { } xdp)
        {
            writer.WriteString("interface", xdp.Interface);
            writer.WriteNumber("queues", xdp.XskQueues);
            writer.WriteBoolean("zero_copy", xdp.ZeroCopy);
            writer.WriteNumber("xsk_received", xdp.XskReceived);
            writer.WriteNumber("xsk_malformed", xdp.Malformed);
            writer.WriteNumber("xsk_sent", xdp.XskSent);
            writer.WriteNumber("kernel_sent", xdp.KernelSent); // no next hop yet, another interface, or larger than the MTU
            writer.WriteStartArray("next_hops");
            foreach (string hop in xdp.NextHops)
            {
                writer.WriteStringValue(hop);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteUnderlay(Utf8JsonWriter writer, UnderlayStatus u)
    {
        writer.WriteStartObject("underlay_counters");
        writer.WriteNumber("datagrams_received", u.DatagramsReceived);
        writer.WriteNumber("esp_received", u.EspReceived);
        writer.WriteNumber("ike_received", u.IkeReceived);
        writer.WriteNumber("keepalives_received", u.KeepalivesReceived);
        writer.WriteNumber("keepalives_sent", u.KeepalivesSent);
        writer.WriteNumber("remote_moves", u.RemoteMoves);
        writer.WriteNumber("packets_sent", u.PacketsSent);
        writer.WriteNumber("bytes_sent", u.BytesSent);
        writer.WriteNumber("send_batches", u.SendBatches);
        writer.WriteNumber("kernel_drops", u.KernelDrops); // receive buffer full: the underlay loop fell behind
        writer.WriteEndObject();
    }

    /// <summary>Per underlay worker (receive loop, by index): datagrams read, ESP among them, ESP opened.</summary>
    private static void WriteWorkers(Utf8JsonWriter writer, IReadOnlyList<WorkerCounters> workers)
    {
        writer.WriteStartArray("worker_counters");
        for (int i = 0; i < workers.Count; i++)
        {
            writer.WriteStartObject();
            writer.WriteNumber("worker", i);
            writer.WriteNumber("datagrams_received", workers[i].DatagramsReceived);
            writer.WriteNumber("esp_received", workers[i].EspReceived);
            writer.WriteNumber("esp_opened", workers[i].EspOpened);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteDrops(Utf8JsonWriter writer, string name, DropCounterSnapshot drops)
    {
        writer.WriteStartObject(name);
        foreach (KeyValuePair<DropReason, long> drop in drops.NonZero())
        {
            writer.WriteNumber(ReasonName(drop.Key), drop.Value);
        }

        writer.WriteEndObject();
    }
}
