using System.Net;
using Overlay.DataPlane.Io;

namespace Overlay.DataPlane.Tests.Io;

/// <summary>A dual-stack underlay: UnderlayGroup.Send routes each slot to a real socket of its destination's family.</summary>
public sealed class UnderlayGroupFamilyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void Mixed_slots_leave_through_the_socket_of_their_family_in_order()
    {
        using var group = new UnderlayGroup([
            UdpUnderlaySocket.Open(IPAddress.Loopback, 0, Timeout, segmentation: true),
            UdpUnderlaySocket.Open(IPAddress.IPv6Loopback, 0, Timeout, segmentation: true),
        ]);
        using var peer4 = UdpUnderlaySocket.Open(IPAddress.Loopback, 0, Timeout);
        using var peer6 = UdpUnderlaySocket.Open(IPAddress.IPv6Loopback, 0, Timeout);
        Assert.Equal(2, group.Locals.Count);
        Assert.True(group.LocalOf(ipv6: true)!.Value.IsIPv6);
        Assert.False(group.LocalOf(ipv6: false)!.Value.IsIPv6);

        // v4 v4 v6 v6 v6 v4 v6: four runs of one family; the caller sends the rest after each partial send.
        UdpAddress[] targets = [peer4.Local, peer4.Local, peer6.Local, peer6.Local, peer6.Local, peer4.Local, peer6.Local];
        using var send = new MessageBatch(16, 2048);
        for (int i = 0; i < targets.Length; i++)
        {
            send[i].Data.AsSpan(0, 200).Fill((byte)(i + 1));
            send[i].Length = 200;
            send.SetAddress(i, targets[i]);
        }

        int start = 0;
        var runs = new List<int>();
        while (start < targets.Length)
        {
            int sent = group.Send(send, start, targets.Length - start, worker: 3);
            Assert.True(sent > 0, $"errno {-sent}");
            runs.Add(sent);
            start += sent;
        }

        Assert.Equal([2, 3, 1, 1], runs);
        Assert.Equal([(byte)1, 2, 6], Receive(peer4, 3).Select(d => d.Fill));
        Assert.Equal([(byte)3, 4, 5, 7], Receive(peer6, 4).Select(d => d.Fill));
        Assert.All(Receive(peer4, 0), _ => Assert.Fail("nothing more"));
    }

    [Fact]
    public void A_slot_of_a_family_the_host_has_no_socket_for_is_refused_without_touching_the_socket()
    {
        using var group = new UnderlayGroup([UdpUnderlaySocket.Open(IPAddress.Loopback, 0, Timeout, segmentation: true)]);
        using var peer4 = UdpUnderlaySocket.Open(IPAddress.Loopback, 0, Timeout);
        using var send = new MessageBatch(4, 2048);
        send.SetAddress(0, UdpAddress.From(IPAddress.IPv6Loopback, 4500));
        send.SetAddress(1, peer4.Local);
        send[0].Length = send[1].Length = 100;

        Assert.Equal(UnderlayGroup.NoQueueForFamily, group.Send(send, 0, 2, worker: 0));
        Assert.Equal(1, group.Send(send, 1, 1, worker: 0));
        Assert.Single(Receive(peer4, 1));
        Assert.True(((UdpUnderlaySocket)group.Queues[0]).SegmentsSends);
    }

    private static List<(int Length, byte Fill)> Receive(UdpUnderlaySocket socket, int expected)
    {
        using var batch = new MessageBatch(8, 2048);
        var got = new List<(int, byte)>();
        for (int attempt = 0; attempt < (expected == 0 ? 2 : 20) && (expected == 0 || got.Count < expected); attempt++)
        {
            int n = socket.Receive(batch);
            for (int i = 0; i < Math.Max(n, 0); i++)
            {
                got.Add((batch[i].Length, batch[i].Data[0]));
            }
        }

        return got;
    }
}
