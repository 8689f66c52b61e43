using System.Net;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Tests.Forwarding;

/// <summary>
/// NAT traversal in the data plane (RFC 3948, RFC 7296 §2.23): ESP goes to the NAT-mapped endpoint the key
/// exchange learned and follows its updates; authenticated, newest ESP from a new endpoint moves a tunnel
/// whose peer is behind the NAT, nothing else does; NAT-keepalives leave only after a quiet interval and
/// received ones are counted, not dropped. Run over an IPv4 underlay and over an IPv6 one (the subclasses).
/// </summary>
public abstract class PipelineNatTraversalTests : IAsyncLifetime
{
    private const uint InSpi = 0x2000;
    private const uint OutSpi = 0x3000;
    private const ushort Vlan = 101;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private readonly IPAddress _peerAddress;
    private readonly IPEndPoint _configured;
    private readonly UdpAddress _mapped;
    private readonly IPAddress _attackerAddress;
    private readonly InMemoryUnderlay _underlay;

    protected PipelineNatTraversalTests(string local, string peer, string attacker)
    {
        _peerAddress = IPAddress.Parse(peer);
        _configured = new IPEndPoint(_peerAddress, 4500);
        _mapped = UdpAddress.From(_peerAddress, 40001);
        _attackerAddress = IPAddress.Parse(attacker);
        _underlay = new InMemoryUnderlay(UdpAddress.From(IPAddress.Parse(local), 4500));
    }

    private readonly InMemoryPort _red = new("red");
    private Pipeline _pipeline = null!;
    private EspSa _peerOut = null!;

    public Task InitializeAsync()
    {
        _pipeline = new Pipeline(_underlay, new SaTable(), new PipelineOptions { ReceiveTimeout = TimeSpan.FromMilliseconds(20) });
        _pipeline.AttachPort(_red.Interface, _red, Vlan, "red");
        _pipeline.Start();
        _peerOut = EspSa.Create(Descriptor(SaDirection.Outbound, InSpi)); // the peer's sealing side of our inbound SA
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _pipeline.StopAsync();
        _pipeline.Sas.Dispose();
        _peerOut.Dispose();
    }

    [Fact]
    public void ESP_goes_to_the_NAT_mapped_endpoint_of_the_keying_and_follows_its_updates()
    {
        Install(remote: _mapped.ToEndPoint(), followsPeer: true);

        Assert.Equal(_mapped, SendFrameAndGetDestination());

        var rebound = new IPEndPoint(_peerAddress, 40777);
        Assert.Equal(1, _pipeline.UpdateRemote(_configured, rebound, followsPeer: true));
        Assert.Equal(UdpAddress.From(rebound), SendFrameAndGetDestination());
        Assert.Equal(rebound, _pipeline.Snapshot().Tunnels.Single().Remote);
    }

    [Fact]
    public void Without_a_NAT_mapping_ESP_goes_to_the_configured_endpoint()
    {
        Install(remote: null, followsPeer: false);

        Assert.Equal(UdpAddress.From(_configured), SendFrameAndGetDestination());
    }

    [Fact]
    public void Authenticated_newest_ESP_from_a_new_port_moves_the_tunnel_of_a_peer_behind_a_NAT()
    {
        Install(remote: _mapped.ToEndPoint(), followsPeer: true);
        byte[] first = Seal(), second = Seal(), third = Seal();
        Inject(first, _mapped);
        var rebound = UdpAddress.From(_peerAddress, 40500);

        Inject(third, rebound);

        WaitUntil(() => _pipeline.Tunnels.Single().Address == rebound);
        Assert.Equal(1, _pipeline.Underlay.RemoteMoves);
        Assert.Equal(rebound, SendFrameAndGetDestination());

        // An older packet (authentic, never seen: it passes the window) from elsewhere does not move it back.
        Inject(second, _mapped);
        WaitUntil(() => _red.Delivered.Count >= 3);
        Assert.Equal(rebound, _pipeline.Tunnels.Single().Address);
        Assert.Equal(1, _pipeline.Underlay.RemoteMoves);
    }

    [Fact]
    public void Forged_replayed_and_keepalive_packets_from_a_new_port_do_not_move_the_tunnel()
    {
        Install(remote: _mapped.ToEndPoint(), followsPeer: true);
        byte[] genuine = Seal();
        Inject(genuine, _mapped);
        byte[] forged = Seal();
        forged[^1] ^= 0x01; // ICV no longer matches
        var attacker = UdpAddress.From(_attackerAddress, 4500);

        Inject(forged, attacker);
        Inject(genuine, attacker); // a replay: authentic, but not new
        Inject([UdpEncapsulation.NatKeepaliveOctet], attacker);

        WaitUntil(() => _pipeline.GlobalDrops[DropReason.AuthFailed] == 1 && _pipeline.GlobalDrops[DropReason.Replay] == 1
            && _pipeline.Underlay.KeepalivesReceived == 1);
        Assert.Equal(_mapped, _pipeline.Tunnels.Single().Address);
        Assert.Equal(0, _pipeline.Underlay.RemoteMoves);
        Assert.Equal(2, _pipeline.GlobalDrops.Total); // the keepalive is counted as one, not dropped
    }

    [Fact]
    public void A_host_behind_the_NAT_does_not_follow_its_peer_to_a_new_endpoint()
    {
        Install(remote: _configured, followsPeer: false);
        Inject(Seal(), UdpAddress.From(_peerAddress, 40500));

        Assert.True(_red.Delivered.TryTake(out _, Wait)); // authentic: delivered
        Assert.Equal(UdpAddress.From(_configured), _pipeline.Tunnels.Single().Address);
        Assert.Equal(0, _pipeline.Underlay.RemoteMoves);
    }

    [Fact]
    public void A_keepalive_leaves_only_after_an_interval_without_ESP_to_that_peer()
    {
        Install(remote: _mapped.ToEndPoint(), followsPeer: false);

        Assert.Equal(NatKeepaliveResult.Sent, _pipeline.SendNatKeepalive(_mapped));
        (byte[] data, UdpAddress to) = Assert.Single(_underlay.SentTo);
        Assert.Equal([UdpEncapsulation.NatKeepaliveOctet], data);
        Assert.Equal(_mapped, to);

        SendFrameAndGetDestination();
        Assert.Equal(NatKeepaliveResult.TrafficSent, _pipeline.SendNatKeepalive(_mapped));
        Assert.Equal(NatKeepaliveResult.Sent, _pipeline.SendNatKeepalive(_mapped));
        Assert.Equal(2, _pipeline.Underlay.KeepalivesSent);
        Assert.Equal(3, _underlay.SentTo.Count); // keepalive, ESP, keepalive
    }

    private void Install(IPEndPoint? remote, bool followsPeer)
    {
        var keying = new TunnelKeying("h2", [Descriptor(SaDirection.Inbound, InSpi), Descriptor(SaDirection.Outbound, OutSpi)], [], [])
        {
            Remote = remote,
            FollowsPeer = followsPeer,
        };
        TunnelKeyingResult result = _pipeline.Install(keying);
        Assert.True(result.Installed, result.Problem);
    }

    private UdpAddress SendFrameAndGetDestination()
    {
        int before = _underlay.SentTo.Count;
        _red.Inject(Frame(0x0b, 0x0a));
        WaitUntil(() => _underlay.SentTo.Count > before);
        return _underlay.SentTo.ToArray()[before].To;
    }

    private byte[] Seal()
    {
        byte[] packet = new byte[2048];
        Assert.Equal(DropReason.None, EtherIpTunnel.Encapsulate(_peerOut, Frame(0x0a, 0x0b), packet, out int written));
        return packet[..written];
    }

    private void Inject(byte[] datagram, UdpAddress from) => _underlay.Inject(datagram, from);

    private SaDescriptor Descriptor(SaDirection direction, uint spi) =>
        new(_configured, Vlan, "red", direction, spi, EspCipher.AesGcm128, TestSas.Key(EspCipher.AesGcm128, (byte)spi));

    private static byte[] Frame(byte dst, byte src)
    {
        var frame = new byte[EthernetFrame.HeaderLength + 64];
        new MacAddress(0x02_00_00_00_00_00UL | dst).Write(frame);
        new MacAddress(0x02_00_00_00_00_00UL | src).Write(frame.AsSpan(6));
        frame[12] = 0x08;
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

public sealed class PipelineNatTraversalIPv4Tests() : PipelineNatTraversalTests("10.200.0.1", "10.200.0.2", "192.0.2.66");

/// <summary>The same over an IPv6 underlay: endpoints of 16-byte addresses move atomically too.</summary>
public sealed class PipelineNatTraversalIPv6Tests() : PipelineNatTraversalTests("fd00:200::1", "fd00:200::2", "2001:db8::66");
