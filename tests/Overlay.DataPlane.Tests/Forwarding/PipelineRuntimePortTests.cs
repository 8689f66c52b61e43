using System.Net;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;
using Overlay.DataPlane.Switching;

namespace Overlay.DataPlane.Tests.Forwarding;

/// <summary>
/// Ports added and removed while the pipeline runs (guests started and stopped by the daemon): a port added at
/// runtime forwards to the peer's port of its TVD; once detached it receives nothing, is closed, and is no
/// longer listed; a port of the same name can be attached again, and a new port of the same TVD takes the
/// freed slot (the table stays bounded) once the old port's loop has ended and its I/O is closed.
/// </summary>
public sealed class PipelineRuntimePortTests : IAsyncLifetime
{
    private static readonly IPAddress A = IPAddress.Parse("10.201.0.1");
    private static readonly IPAddress B = IPAddress.Parse("10.201.0.2");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private readonly InMemoryUnderlay _underlayA = new(UdpAddress.From(A, 4500));
    private readonly InMemoryUnderlay _underlayB = new(UdpAddress.From(B, 4500));
    private readonly InMemoryPort _redB = new("red-b");
    private Pipeline _a = null!;
    private Pipeline _b = null!;

    public Task InitializeAsync()
    {
        _underlayA.Peer = _underlayB;
        _underlayB.Peer = _underlayA;
        _a = Host(_underlayA, B, 0x3000, 0x4000);
        _b = Host(_underlayB, A, 0x4000, 0x3000);
        _b.AttachPort(_redB.Interface, _redB, 101, "red");
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
    public async Task Port_attached_while_running_forwards_and_after_detach_gets_nothing()
    {
        var guest = new InMemoryPort("tvd-guest0");
        _a.AttachPort("tvd-guest0", guest, 101, "red", "g1", "red-net");
        byte[] frame = Frame(Mac(0xb), Mac(0xa));
        guest.Inject(frame);
        Assert.True(_redB.Delivered.TryTake(out byte[]? got, Wait));
        Assert.Equal(frame, got);

        _redB.Inject(Frame(Mac(0xa), Mac(0xb)));
        Assert.True(guest.Delivered.TryTake(out _, Wait));

        Assert.True(await _a.DetachPortAsync("tvd-guest0"));
        Assert.True(guest.Disposed);
        Assert.DoesNotContain(_a.Ports, p => p.Name == "tvd-guest0");

        _redB.Inject(Frame(Mac(0xa), Mac(0xb)));
        _redB.Inject(Frame(MacAddress.Broadcast, Mac(0xb)));
        Assert.False(guest.Delivered.TryTake(out _, 300));
        Assert.False(await _a.DetachPortAsync("tvd-guest0"));
    }

    [Fact]
    public async Task Same_name_attaches_again_after_detach_in_the_freed_slot()
    {
        var first = new InMemoryPort("tvd-again");
        GuestPort one = _a.AttachPort("tvd-again", first, 101, "red");
        Assert.True(await _a.DetachPortAsync("tvd-again"));

        var second = new InMemoryPort("tvd-again");
        GuestPort two = _a.AttachPort("tvd-again", second, 101, "red");
        Assert.Equal(one.Id, two.Id);
        second.Inject(Frame(Mac(0xb), Mac(0xc)));
        Assert.True(_redB.Delivered.TryTake(out _, Wait));
        _redB.Inject(Frame(Mac(0xc), Mac(0xb)));
        Assert.True(second.Delivered.TryTake(out _, Wait));
        Assert.Empty(first.Delivered);
        Assert.Single(_a.Ports, p => p.Name == "tvd-again");
    }

    [Fact]
    public async Task A_thousand_attach_detach_cycles_keep_the_port_table_bounded()
    {
        var ids = new HashSet<int>();
        for (int cycle = 0; cycle < 1000; cycle++)
        {
            (ushort vlan, string tvd) = cycle % 2 == 0 ? ((ushort)101, "red") : ((ushort)102, "blue");
            var io = new InMemoryPort("tvd-cycle");
            ids.Add(_a.AttachPort("tvd-cycle", io, vlan, tvd).Id);
            Assert.True(await _a.DetachPortAsync("tvd-cycle"));
            Assert.True(io.Disposed);
        }

        Assert.Equal(2, ids.Count); // one slot per TVD, whatever the number of restarts
        Assert.Empty(_a.Ports);
        var last = new InMemoryPort("tvd-last");
        Assert.Contains(_a.AttachPort("tvd-last", last, 101, "red").Id, ids);
    }

    [Fact]
    public async Task A_blue_port_attached_after_a_red_detach_never_gets_frames_for_the_red_guests_MAC()
    {
        var red = new InMemoryPort("tvd-red");
        GuestPort redPort = _a.AttachPort("tvd-red", red, 101, "red");
        red.Inject(Frame(MacAddress.Broadcast, Mac(0xd))); // A learns the red guest's MAC behind the port
        Assert.True(_redB.Delivered.TryTake(out _, Wait));
        Assert.True(_a.Switch.TryGetSegment(101, out TvdSegment redTvd));
        Assert.True(redTvd.Macs.TryLookup(Mac(0xd).Value, out _));

        Assert.True(await _a.DetachPortAsync("tvd-red"));

        Assert.False(redTvd.Macs.TryLookup(Mac(0xd).Value, out _)); // the learned MAC is forgotten
        Assert.False(_a.Switch.Holds(SwitchEndpoint.Local(redPort.Id)));
        var blue = new InMemoryPort("tvd-blue");
        GuestPort bluePort = _a.AttachPort("tvd-blue", blue, 102, "blue");
        Assert.NotEqual(redPort.Id, bluePort.Id); // a red slot only ever goes to a red port
        for (int i = 0; i < 20; i++)
        {
            _redB.Inject(Frame(Mac(0xd), Mac(0xb)));
        }

        _redB.Inject(Frame(MacAddress.Broadcast, Mac(0xb)));
        Assert.False(blue.Delivered.TryTake(out _, 300));

        // The next red port takes the freed slot; the old guest's MAC is unknown there (flooded, not learned).
        var red2 = new InMemoryPort("tvd-red2");
        Assert.Equal(redPort.Id, _a.AttachPort("tvd-red2", red2, 101, "red").Id);
        Assert.False(redTvd.Macs.TryLookup(Mac(0xd).Value, out _));
        Assert.False(blue.Delivered.TryTake(out _, 100));
    }

    [Fact]
    public async Task A_slot_is_reused_only_once_its_receive_loop_has_ended_and_its_io_is_closed()
    {
        var stuck = new GatedPort("tvd-stuck");
        GuestPort old = _a.AttachPort("tvd-stuck", stuck, 101, "red");
        Assert.True(stuck.InReceive.Wait(Wait));
        Task<bool> detaching = _a.DetachPortAsync("tvd-stuck");

        GuestPort meanwhile = _a.AttachPort("tvd-meanwhile", new InMemoryPort("tvd-meanwhile"), 101, "red");
        Assert.NotEqual(old.Id, meanwhile.Id);
        Assert.False(detaching.IsCompleted);

        stuck.Release.Set();
        Assert.True(await detaching.WaitAsync(Wait));
        Assert.True(stuck.Disposed);
        Assert.Equal(old.Id, _a.AttachPort("tvd-after", new InMemoryPort("tvd-after"), 101, "red").Id);
    }

    [Fact]
    public async Task Unknown_port_is_not_detached()
    {
        Assert.False(await _a.DetachPortAsync("no-such-port"));
    }

    /// <summary>A port whose receive call blocks until the test releases it: a loop that has not ended yet.</summary>
    private sealed class GatedPort(string name) : IGuestPortIo
    {
        public ManualResetEventSlim InReceive { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public string Interface => name;

        public bool Disposed { get; private set; }

        public int Receive(MessageBatch batch)
        {
            InReceive.Set();
            Release.Wait(Wait);
            batch.Count = 0;
            return 0;
        }

        public int Send(ReadOnlySpan<byte> frame) => frame.Length;

        public void Dispose() => Disposed = true;
    }

    private static Pipeline Host(InMemoryUnderlay underlay, IPAddress peer, uint outSpi, uint inSpi)
    {
        var pipeline = new Pipeline(underlay, new SaTable(), new PipelineOptions { ReceiveTimeout = TimeSpan.FromMilliseconds(20) });
        var peerEndPoint = new IPEndPoint(peer, 4500);
        pipeline.AddTunnel("peer", peerEndPoint, 101, "red");
        Assert.Equal(SaInstallResult.Installed, pipeline.Sas.Install(Descriptor(peer, SaDirection.Outbound, outSpi)));
        Assert.Equal(SaInstallResult.Installed, pipeline.Sas.Install(Descriptor(peer, SaDirection.Inbound, inSpi)));
        return pipeline;
    }

    private static SaDescriptor Descriptor(IPAddress peer, SaDirection direction, uint spi) =>
        new(new IPEndPoint(peer, 4500), 101, "red", direction, spi, EspCipher.AesGcm128, TestSas.Key(EspCipher.AesGcm128, (byte)spi));

    private static MacAddress Mac(byte last) => new(0x02_00_00_00_00_00UL | last);

    private static byte[] Frame(MacAddress dst, MacAddress src)
    {
        var frame = new byte[EthernetFrame.HeaderLength + 64];
        dst.Write(frame);
        src.Write(frame.AsSpan(6));
        frame[12] = 0x08;
        return frame;
    }
}
