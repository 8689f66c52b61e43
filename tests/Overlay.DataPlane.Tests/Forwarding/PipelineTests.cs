using System.Net;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Tests.Forwarding;

/// <summary>
/// Two hosts' pipelines connected through in-memory underlays: a red and a blue port on each,
/// static SAs per (peer, TVD) and direction, as the daemon installs them.
/// </summary>
public sealed class PipelineTests : IAsyncLifetime
{
    private static readonly IPAddress A = IPAddress.Parse("10.200.0.1");
    private static readonly IPAddress B = IPAddress.Parse("10.200.0.2");
    private static readonly IPAddress C = IPAddress.Parse("10.200.0.3");
    private static readonly IPAddress D = IPAddress.Parse("10.200.0.4");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private readonly InMemoryUnderlay _underlayA = new(UdpAddress.From(A, 4500));
    private readonly InMemoryUnderlay _underlayB = new(UdpAddress.From(B, 4500));
    private readonly InMemoryPort _redA = new("red-a");
    private readonly InMemoryPort _blueA = new("blue-a");
    private readonly InMemoryPort _redB = new("red-b");
    private readonly InMemoryPort _blueB = new("blue-b");
    private Pipeline _a = null!;
    private Pipeline _b = null!;

    public Task InitializeAsync()
    {
        _underlayA.Peer = _underlayB;
        _underlayB.Peer = _underlayA;
        _a = Host(_underlayA, B, _redA, _blueA, outSpi: 0x1000, inSpi: 0x2000);
        _b = Host(_underlayB, A, _redB, _blueB, outSpi: 0x2000, inSpi: 0x1000);
        _a.Start();
        _b.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _a.StopAsync();
        await _b.StopAsync();
    }

    [Fact]
    public void Red_frame_crosses_to_the_red_port_only_and_untagged()
    {
        byte[] frame = Frame(Mac(0xb), Mac(0xa), 0x0800, 100);
        _redA.Inject(frame);

        Assert.True(_redB.Delivered.TryTake(out byte[]? got, Wait));
        Assert.Equal(frame, got);
        Assert.False(_blueB.Delivered.TryTake(out _, 300));
        Assert.Empty(_blueA.Delivered);
    }

    [Fact]
    public void Broadcast_floods_within_its_TVD_and_replies_come_back_unicast()
    {
        _blueA.Inject(Frame(MacAddress.Broadcast, Mac(0x1a), 0x0806, 28));
        Assert.True(_blueB.Delivered.TryTake(out _, Wait));
        Assert.False(_redB.Delivered.TryTake(out _, 300));

        byte[] reply = Frame(Mac(0x1a), Mac(0x1b), 0x0806, 28);
        _blueB.Inject(reply);
        Assert.True(_blueA.Delivered.TryTake(out byte[]? back, Wait));
        Assert.Equal(reply, back);
    }

    [Fact]
    public void Every_datagram_on_the_underlay_is_ESP_to_the_peer_and_carries_no_plaintext()
    {
        byte[] frame = Frame(Mac(0xb), Mac(0xa), 0x0800, 200);
        "SECRET-PAYLOAD"u8.CopyTo(frame.AsSpan(20));
        _redA.Inject(frame);
        Assert.True(_redB.Delivered.TryTake(out _, Wait));

        byte[] sent = Assert.Single(_underlayA.SentLog);
        Assert.Equal(UdpPayloadKind.Esp, UdpEncapsulation.Classify(sent));
        Assert.True(EspHeader.TryReadSpi(sent, out uint spi));
        Assert.Equal(0x1000u, spi);
        Assert.Equal(-1, sent.AsSpan().IndexOf("SECRET-PAYLOAD"u8));
    }

    [Fact]
    public void Replayed_tampered_and_unknown_packets_are_counted_and_not_delivered()
    {
        _redA.Inject(Frame(Mac(0xb), Mac(0xa), 0x0800, 64));
        Assert.True(_redB.Delivered.TryTake(out _, Wait));
        byte[] genuine = Assert.Single(_underlayA.SentLog);

        // A fresh sequence number passes the replay check; the AAD no longer matches, so the ICV fails.
        byte[] forged = (byte[])genuine.Clone();
        forged[7] = 0x77;
        byte[] unknown = (byte[])genuine.Clone();
        unknown[0] = 0x7f;
        foreach (byte[] bad in new[] { genuine, forged, genuine[..30], unknown })
        {
            _underlayB.Inject(bad, _underlayA.Local);
        }

        WaitUntil(() => _b.GlobalDrops.Total >= 4);
        Assert.Equal(1, _b.GlobalDrops[DropReason.Replay]);
        Assert.Equal(1, _b.GlobalDrops[DropReason.AuthFailed]);
        Assert.Equal(1, _b.GlobalDrops[DropReason.Truncated]);
        Assert.Equal(1, _b.GlobalDrops[DropReason.UnknownSpi]);
        Assert.False(_redB.Delivered.TryTake(out _, 300));
    }

    [Fact]
    public void A_frame_tagged_for_another_TVD_is_dropped_by_the_VID_check()
    {
        // A's blue SA to B seals a frame tagged red: B opens it with its blue inbound SA, sees VID 101.
        _b.Sas.TryGetInbound(0x1000 + 1, out EspSa blueIn);
        using EspSa forged = EspSa.Create(Descriptor(B, SaDirection.Outbound, 0x1000 + 1, vlan: 101, label: "red"));
        byte[] packet = new byte[2048];
        Assert.Equal(DropReason.None, EtherIpTunnel.Encapsulate(forged, Frame(Mac(0xb), Mac(0xa), 0x0800, 64), packet, out int written));
        _underlayB.Inject(packet[..written], _underlayA.Local);

        WaitUntil(() => blueIn.Drops[DropReason.ForeignTag] == 1);
        Assert.False(_redB.Delivered.TryTake(out _, 300));
        Assert.False(_blueB.Delivered.TryTake(out _, 100));
    }

    [Fact]
    public async Task Stopping_ends_every_loop_and_closes_every_port_and_the_underlay()
    {
        await _a.StopAsync();
        Assert.True(_redA.Disposed);
        Assert.True(_blueA.Disposed);
        Assert.True(_underlayA.Disposed);
        Assert.False(_a.IsRunning);
        Assert.Throws<ObjectDisposedException>(() => _a.AttachPort("late", new InMemoryPort("late"), 101, "red"));
    }

    [Fact]
    public async Task A_group_of_two_queues_receives_on_each_and_sends_each_port_through_its_own()
    {
        // C's underlay has two queues; D delivers to the second one only, so C opens on its second loop.
        var first = new InMemoryUnderlay(UdpAddress.From(C, 4500));
        var second = new InMemoryUnderlay(UdpAddress.From(C, 4500));
        var d = new InMemoryUnderlay(UdpAddress.From(D, 4500)) { Peer = second };
        first.Peer = d;
        second.Peer = d;
        var (redC, blueC, redD, blueD) = (new InMemoryPort("red-c"), new InMemoryPort("blue-c"), new InMemoryPort("red-d"), new InMemoryPort("blue-d"));
        await using Pipeline c = Host(new UnderlayGroup([first, second]), D, redC, blueC, outSpi: 0x3000, inSpi: 0x4000);
        await using Pipeline dPipeline = Host(d, C, redD, blueD, outSpi: 0x4000, inSpi: 0x3000);
        c.Start();
        dPipeline.Start();
        Assert.Equal(2, c.UnderlayQueues);

        byte[] red = Frame(Mac(0xc), Mac(0xd), 0x0800, 64);
        byte[] blue = Frame(Mac(0xe), Mac(0xf), 0x0800, 64);
        redD.Inject(red);
        blueD.Inject(blue);
        Assert.True(redC.Delivered.TryTake(out byte[]? gotRed, Wait));
        Assert.True(blueC.Delivered.TryTake(out byte[]? gotBlue, Wait));
        Assert.Equal(red, gotRed);
        Assert.Equal(blue, gotBlue);

        // Port slot 0 (red) sends through queue 0, slot 1 (blue) through queue 1.
        redC.Inject(Frame(Mac(0xd), Mac(0xc), 0x0800, 64));
        blueC.Inject(Frame(Mac(0xf), Mac(0xe), 0x0800, 64));
        Assert.True(redD.Delivered.TryTake(out _, Wait));
        Assert.True(blueD.Delivered.TryTake(out _, Wait));
        Assert.Single(first.SentLog);
        Assert.Single(second.SentLog);

        await c.StopAsync();
        Assert.True(first.Disposed);
        Assert.True(second.Disposed);
    }

    [Fact]
    public void Status_lists_ports_tunnels_and_SAs_with_traffic()
    {
        _redA.Inject(Frame(Mac(0xb), Mac(0xa), 0x0800, 64));
        Assert.True(_redB.Delivered.TryTake(out _, Wait));

        // The sender counts a batch after sendmmsg returns, and the in-memory underlay delivers inside that call: the
        // frame can reach red-b before A has counted it.
        WaitUntil(() => _a.Underlay.PacketsSent == 1);
        PipelineStatus status = _a.Snapshot();
        Assert.Equal(["red-a", "blue-a"], status.Ports.Select(p => p.Name));
        Assert.Equal(1, status.Ports[0].ReceivedPackets);
        Assert.Equal([(ushort)101, (ushort)102], status.Tunnels.Select(t => t.VlanId));
        Assert.Equal(0x1000u, status.Tunnels[0].OutboundSpi);
        Assert.Equal(1, status.Sas.Single(s => s.Spi == 0x1000 && s.Direction == SaDirection.Outbound).Packets);
        Assert.Equal(1, status.UnderlayCounters.PacketsSent);
    }

    private static Pipeline Host(InMemoryUnderlay underlay, IPAddress peer, InMemoryPort red, InMemoryPort blue, uint outSpi, uint inSpi) =>
        Host(new UnderlayGroup([underlay]), peer, red, blue, outSpi, inSpi);

    /// <summary>A host with ports red (VLAN 101) and blue (102), each TVD tunnelled to <paramref name="peer"/> with static SAs (also for <see cref="PipelineWorkersTests"/>).</summary>
    internal static Pipeline Host(UnderlayGroup underlay, IPAddress peer, IGuestPortIo red, IGuestPortIo blue, uint outSpi, uint inSpi, int workers = 1)
    {
        var pipeline = new Pipeline(underlay, new SaTable(), new PipelineOptions { ReceiveTimeout = TimeSpan.FromMilliseconds(20), Workers = workers });
        pipeline.AttachPort(red.Interface, red, 101, "red");
        pipeline.AttachPort(blue.Interface, blue, 102, "blue");
        var peerEndPoint = new IPEndPoint(peer, 4500);
        foreach ((ushort vlan, string label, uint offset) in new[] { ((ushort)101, "red", 0u), ((ushort)102, "blue", 1u) })
        {
            pipeline.AddTunnel("peer", peerEndPoint, vlan, label);
            Assert.Equal(SaInstallResult.Installed, pipeline.Sas.Install(Descriptor(peer, SaDirection.Outbound, outSpi + offset, vlan, label)));
            Assert.Equal(SaInstallResult.Installed, pipeline.Sas.Install(Descriptor(peer, SaDirection.Inbound, inSpi + offset, vlan, label)));
        }

        return pipeline;
    }

    /// <summary>Keys derive from the SPI, so A's outbound and B's inbound SA of one SPI match.</summary>
    private static SaDescriptor Descriptor(IPAddress peer, SaDirection direction, uint spi, ushort vlan, string label) =>
        new(new IPEndPoint(peer, 4500), vlan, label, direction, spi, EspCipher.AesGcm128, TestSas.Key(EspCipher.AesGcm128, (byte)spi));

    internal static MacAddress Mac(byte last) => new(0x02_00_00_00_00_00UL | last);

    internal static byte[] Frame(MacAddress dst, MacAddress src, ushort type, int payload)
    {
        var frame = new byte[EthernetFrame.HeaderLength + payload];
        dst.Write(frame);
        src.Write(frame.AsSpan(6));
        frame[12] = (byte)(type >> 8);
        frame[13] = (byte)type;
        for (int i = 0; i < payload; i++)
        {
            frame[14 + i] = (byte)i;
        }

        return frame;
    }

    private static void WaitUntil(Func<bool> condition)
    {
        long deadline = Environment.TickCount64 + (long)Wait.TotalMilliseconds;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < deadline, "condition not reached in time");
            Thread.Sleep(10);
        }
    }
}
