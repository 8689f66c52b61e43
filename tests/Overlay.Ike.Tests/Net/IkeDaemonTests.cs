using System.Net;
using System.Net.Sockets;
using Overlay.Ike.Net;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Net;

/// <summary>Two of our daemons over real UDP on loopback addresses (no namespace needed; ports above 1024).</summary>
public sealed class IkeDaemonTests
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
        await using var daemonA = IkeDaemon.Start(a, new AllowListLabelPolicy(), sinkA, _ => null, ikePort: portA, natTraversalPort: natA);
        await using var daemonB = IkeDaemon.Start(a, policyB, sinkB, _ => configB, ikePort: portB, natTraversalPort: natB);

        var sa = daemonA.Initiate(configA, RedChild, a, portB);
        for (var i = 0; i < 100 && sinkB.Installed.Count + sinkA.Installed.Count < 2 && sa.State != IkeSaState.Destroyed; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(IkeSaState.Established, sa.State);
        var (ca, cb) = (Assert.Single(sinkA.Installed), Assert.Single(sinkB.Installed));
        Assert.Equal(("tvd:red", "tvd:red"), (ca.Label, cb.Label));
        Assert.Equal(ca.OutboundKey.ToArray(), cb.InboundKey.ToArray());
        Assert.Equal(2, daemonB.Socket.Stats.IkeMessages);
        Assert.Equal(0, daemonB.Socket.Stats.HandlerErrors);
    }

    [Fact]
    public async Task Garbage_keepalives_and_esp_on_the_ports_are_counted_and_the_loop_keeps_running()
    {
        var (port, nat) = Ports();
        await using var daemon = IkeDaemon.Start(IPAddress.Loopback, new AllowListLabelPolicy(), new RecordingChildSink(), _ => null,
            ikePort: port, natTraversalPort: nat);
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await client.SendAsync(new byte[] { 1, 2, 3 }, new IPEndPoint(IPAddress.Loopback, port));
        await client.SendAsync(new byte[] { 0xff }, new IPEndPoint(IPAddress.Loopback, nat));
        await client.SendAsync(new byte[] { 0, 0, 1, 0, 9, 9, 9, 9 }, new IPEndPoint(IPAddress.Loopback, nat));
        // A well-formed header with an unknown SPI: parsed, routed nowhere, dropped by the manager.
        await client.SendAsync(new byte[IkeConstants.HeaderLength + IkeConstants.NonEspMarkerLength], new IPEndPoint(IPAddress.Loopback, nat));
        var stats = daemon.Socket.Stats;
        for (var i = 0; i < 100 && stats.Malformed + stats.Keepalives + stats.EspPackets + stats.IkeMessages < 4; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal((1, 1, 1, 1), (stats.Malformed, stats.Keepalives, stats.EspPackets, stats.IkeMessages));
        Assert.Equal(1, daemon.Manager.Dropped);
        Assert.Equal(0, stats.HandlerErrors);
    }
}
