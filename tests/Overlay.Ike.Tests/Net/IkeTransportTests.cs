using System.Net;
using System.Net.Sockets;
using Overlay.Daemon.IkeHost;
using Overlay.Ike.Net;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Net;

/// <summary>Two of our IKE stacks (the daemon's transport: port 500 of its own, port 4500 through a data plane) over real UDP on loopback.</summary>
public sealed class IkeTransportTests
{
    private static int _nextPort = 40500 + Environment.ProcessId % 1000 * 8;

    private static (int Ike, int NatT) Ports()
    {
        var p = Interlocked.Add(ref _nextPort, 2);
        return (p, p + 1);
    }

    [Fact]
    public async Task Our_initiator_and_responder_negotiate_tvd_red_over_udp()
    {
        var (portA, natA) = Ports();
        var (portB, natB) = Ports();
        var a = IPAddress.Loopback;
        var sinkA = new RecordingChildSink();
        var sinkB = new RecordingChildSink();
        var policyB = new AllowListLabelPolicy();
        policyB.Allowed.Add(("hostA", "tvd:red"));
        var configA = new IkeSaConfig(IkeIdentity.Fqdn("hostA"), IkeIdentity.Fqdn("hostB"), Psk, IkeSaConfig.DefaultIkeProposals);
        var configB = new IkeSaConfig(IkeIdentity.Fqdn("hostB"), IkeIdentity.Fqdn("hostA"), Psk, IkeSaConfig.DefaultIkeProposals, [ResponderTemplate]);
        await using var daemonA = StandaloneIke.Start(a, AllowListLabelPolicy.Any(), sinkA, _ => null, ikePort: portA, natTraversalPort: natA);
        await using var daemonB = StandaloneIke.Start(a, policyB, sinkB, _ => configB, ikePort: portB, natTraversalPort: natB);

        var sa = daemonA.Initiate(configA, RedChild, a, portB);
        for (var i = 0; i < 100 && sinkB.Installed.Count + sinkA.Installed.Count < 2 && sa.State != IkeSaState.Destroyed; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(IkeSaState.Established, sa.State);
        var (ca, cb) = (Assert.Single(sinkA.Installed), Assert.Single(sinkB.Installed));
        Assert.Equal(("tvd:red", "tvd:red"), (ca.Label, cb.Label));
        Assert.Equal(ca.OutboundKey.ToArray(), cb.InboundKey.ToArray());
        Assert.Equal(2, daemonB.Transport.Stats.Received);
        Assert.Equal(2, daemonB.Transport.Stats.Processed);
        Assert.Equal(0, daemonB.Transport.Stats.HandlerErrors);
    }

    [Fact]
    public async Task Our_initiator_and_responder_negotiate_over_ipv6_and_nat_detection_finds_no_nat()
    {
        var (portA, natA) = Ports();
        var (portB, natB) = Ports();
        var a = IPAddress.IPv6Loopback;
        var sinkA = new RecordingChildSink();
        var sinkB = new RecordingChildSink();
        var policyB = new AllowListLabelPolicy();
        policyB.Allowed.Add(("hostA", "tvd:red"));
        var configA = new IkeSaConfig(IkeIdentity.Fqdn("hostA"), IkeIdentity.Fqdn("hostB"), Psk, IkeSaConfig.DefaultIkeProposals);
        var configB = new IkeSaConfig(IkeIdentity.Fqdn("hostB"), IkeIdentity.Fqdn("hostA"), Psk, IkeSaConfig.DefaultIkeProposals, [ResponderTemplate]);
        await using var daemonA = StandaloneIke.Start(a, AllowListLabelPolicy.Any(), sinkA, _ => null, ikePort: portA, natTraversalPort: natA);
        await using var daemonB = StandaloneIke.Start(a, policyB, sinkB, _ => configB, ikePort: portB, natTraversalPort: natB);

        var sa = daemonA.Initiate(configA, RedChild, a, portB);
        for (var i = 0; i < 100 && sinkB.Installed.Count + sinkA.Installed.Count < 2 && sa.State != IkeSaState.Destroyed; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(IkeSaState.Established, sa.State);
        Assert.Equal(new IPEndPoint(a, portA), sa.Local);
        Assert.Equal(new IPEndPoint(a, portB), sa.Remote);
        // NAT_DETECTION_*_IP hashed over the 16-byte addresses on both sides: they agree, so neither is "behind a NAT".
        Assert.False(sa.LocalBehindNat);
        Assert.False(sa.RemoteBehindNat);
        var (ca, cb) = (Assert.Single(sinkA.Installed), Assert.Single(sinkB.Installed));
        Assert.Equal(ca.OutboundKey.ToArray(), cb.InboundKey.ToArray());
    }

    [Fact]
    public async Task A_dual_stack_transport_binds_one_socket_per_family_and_answers_from_the_family_of_the_sender()
    {
        var (port, _) = Ports();
        await using var transport = new IkeTransport([IPAddress.Loopback, IPAddress.IPv6Loopback], port, new FixedPort(new IPEndPoint(IPAddress.Loopback, 9)));
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, port), new IPEndPoint(IPAddress.IPv6Loopback, port)], transport.IkeEndpoints);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, port), transport.IkeEndpointFor(IPAddress.IPv6Loopback));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, port), transport.IkeEndpointFor(IPAddress.Parse("192.0.2.1")));
        var seen = new System.Collections.Concurrent.ConcurrentQueue<(IPEndPoint Local, IPEndPoint Remote)>();
        transport.Start((message, local, remote) =>
        {
            seen.Enqueue((local, remote));
            transport.Send(message, local, remote); // echo, from the socket of the sender's family
        });

        byte[] message = new byte[IkeConstants.HeaderLength];
        using var client4 = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var client6 = new UdpClient(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        await client4.SendAsync(message, new IPEndPoint(IPAddress.Loopback, port));
        await client6.SendAsync(message, new IPEndPoint(IPAddress.IPv6Loopback, port));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        UdpReceiveResult echo4 = await client4.ReceiveAsync(timeout.Token);
        UdpReceiveResult echo6 = await client6.ReceiveAsync(timeout.Token);

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, port), echo4.RemoteEndPoint);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, port), echo6.RemoteEndPoint);
        Assert.Equal(
            [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6],
            seen.Select(s => s.Local.AddressFamily).Order());
        Assert.All(seen, s => Assert.Equal(s.Local.AddressFamily, s.Remote.AddressFamily));
    }

    [Fact]
    public async Task Garbage_keepalives_and_esp_on_the_ports_are_counted_and_the_loops_keep_running()
    {
        var (port, nat) = Ports();
        await using var daemon = StandaloneIke.Start(IPAddress.Loopback, AllowListLabelPolicy.Any(), new RecordingChildSink(), _ => null,
            ikePort: port, natTraversalPort: nat);
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await client.SendAsync(new byte[] { 1, 2, 3 }, new IPEndPoint(IPAddress.Loopback, port));
        await client.SendAsync(new byte[] { 0xff }, new IPEndPoint(IPAddress.Loopback, nat));
        await client.SendAsync(new byte[] { 0, 0, 1, 0, 9, 9, 9, 9 }, new IPEndPoint(IPAddress.Loopback, nat));
        // A well-formed header with an unknown SPI behind the non-ESP marker: queued, parsed, routed nowhere.
        await client.SendAsync(new byte[IkeConstants.HeaderLength + IkeConstants.NonEspMarkerLength], new IPEndPoint(IPAddress.Loopback, nat));
        var stats = daemon.Transport.Stats;
        var underlay = daemon.Pipeline.Underlay;
        for (var i = 0; i < 100 && (stats.Received < 2 || underlay.DatagramsReceived < 3 || daemon.Manager.Dropped < 1); i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, stats.DroppedRunts); // port 500: three bytes are no IKE header
        Assert.Equal((3L, 1L, 1L, 1L), (underlay.DatagramsReceived, underlay.KeepalivesReceived, underlay.EspReceived, underlay.IkeReceived));
        Assert.Equal(1, daemon.Pipeline.GlobalDrops[Overlay.DataPlane.Counters.DropReason.UnknownSpi]);
        Assert.Equal(1, daemon.Manager.Dropped);
        Assert.Equal(0, stats.HandlerErrors);
    }

    [Fact]
    public async Task A_full_queue_drops_and_counts_without_blocking_the_receiving_thread()
    {
        var (port, nat) = Ports();
        var gate = new ManualResetEventSlim(false);
        await using var transport = new IkeTransport(IPAddress.Loopback, port, new FixedPort(new IPEndPoint(IPAddress.Loopback, nat)),
            new IkeTransportOptions { Workers = 1, QueueCapacity = 4 });
        var handled = 0;
        transport.Start((_, _, _) =>
        {
            gate.Wait(TimeSpan.FromSeconds(10)); // a worker stuck in a slow exchange (a TPM quote, a big DH)
            Interlocked.Increment(ref handled);
        });
        var message = new byte[IkeConstants.HeaderLength];
        var remote = new IPEndPoint(IPAddress.Loopback, 9);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var accepted = 0;
        for (var i = 0; i < 100; i++)
        {
            accepted += transport.OnNatTraversalMessage(message, remote) ? 1 : 0;
        }

        watch.Stop();
        Assert.True(watch.ElapsedMilliseconds < 1000, $"100 hand-offs took {watch.ElapsedMilliseconds} ms: the receiving thread waited");
        Assert.InRange(accepted, 4, 5); // the queue's 4, plus the one a worker may have taken already
        Assert.Equal(100 - accepted, transport.Stats.DroppedQueueFull);
        gate.Set();
        for (var i = 0; i < 100 && Volatile.Read(ref handled) < accepted; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(accepted, Volatile.Read(ref handled));
        Assert.Equal(0, transport.Stats.Queued);
        Assert.Equal(0, transport.Stats.QueuedBytes);
    }

    [Fact]
    public async Task The_queue_is_bounded_by_bytes_as_well_as_by_count()
    {
        var (port, nat) = Ports();
        var gate = new ManualResetEventSlim(false);
        await using var transport = new IkeTransport(IPAddress.Loopback, port, new FixedPort(new IPEndPoint(IPAddress.Loopback, nat)),
            new IkeTransportOptions { Workers = 1, QueueCapacity = 1000, QueueBytes = IkeConstants.MaxMessageLength * 2 });
        transport.Start((_, _, _) => gate.Wait(TimeSpan.FromSeconds(10)));
        var big = new byte[IkeConstants.MaxMessageLength];
        var accepted = 0;
        for (var i = 0; i < 50; i++)
        {
            accepted += transport.OnNatTraversalMessage(big, new IPEndPoint(IPAddress.Loopback, 9)) ? 1 : 0;
        }

        Assert.InRange(accepted, 2, 3);
        Assert.True(transport.Stats.QueuedBytes <= IkeConstants.MaxMessageLength * 2);
        gate.Set();
    }

    /// <summary>A port 4500 that sends nowhere: for tests of the receive side alone.</summary>
    private sealed class FixedPort(IPEndPoint local) : INatTraversalPort
    {
        public IPEndPoint LocalEndpoint => local;

        public bool Send(ReadOnlySpan<byte> ikeMessage, IPEndPoint remote) => true;

        public bool SendNatKeepalive(IPEndPoint remote) => true;
    }
}
