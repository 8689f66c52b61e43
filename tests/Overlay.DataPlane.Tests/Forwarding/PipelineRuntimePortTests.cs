using System.Net;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Tests.Forwarding;

/// <summary>
/// Ports added and removed while the pipeline runs (guests started and stopped by the daemon): a port added at
/// runtime forwards to the peer's port of its TVD; once detached it receives nothing, is closed, and is no
/// longer listed; a port of the same name can be attached again.
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
    public async Task Same_name_attaches_again_after_detach_with_a_new_id()
    {
        var first = new InMemoryPort("tvd-again");
        GuestPort one = _a.AttachPort("tvd-again", first, 101, "red");
        Assert.True(await _a.DetachPortAsync("tvd-again"));

        var second = new InMemoryPort("tvd-again");
        GuestPort two = _a.AttachPort("tvd-again", second, 101, "red");
        Assert.NotEqual(one.Id, two.Id);
        second.Inject(Frame(Mac(0xb), Mac(0xc)));
        Assert.True(_redB.Delivered.TryTake(out _, Wait));
        Assert.Single(_a.Ports, p => p.Name == "tvd-again");
    }

    [Fact]
    public async Task Unknown_port_is_not_detached()
    {
        Assert.False(await _a.DetachPortAsync("no-such-port"));
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
