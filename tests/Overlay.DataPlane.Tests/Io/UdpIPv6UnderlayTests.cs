using System.Net;
using System.Net.Sockets;
using Overlay.DataPlane.Io;

namespace Overlay.DataPlane.Tests.Io;

/// <summary>The underlay over IPv6: real sockets on ::1, IPv4 and IPv6 slots in one batch, and the address type.</summary>
public sealed class UdpIPv6UnderlayTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void An_ipv6_address_round_trips_and_compares_by_value()
    {
        UdpAddress a = UdpAddress.From(IPAddress.Parse("2001:db8::1"), 4500);
        UdpAddress same = UdpAddress.From(new IPEndPoint(IPAddress.Parse("2001:db8:0:0::1"), 4500));
        UdpAddress other = UdpAddress.From(IPAddress.Parse("2001:db8::2"), 4500);
        Assert.True(a.IsIPv6);
        Assert.Equal(AddressFamily.InterNetworkV6, a.Family);
        Assert.Equal(a, same);
        Assert.NotEqual(a, other);
        Assert.NotEqual(a, a with { Port = 4501 });
        Assert.Equal(IPAddress.Parse("2001:db8::1"), a.Address);
        Assert.Equal("[2001:db8::1]:4500", a.ToString());
    }

    [Fact]
    public void An_ipv4_address_stays_as_it_was_and_differs_from_every_ipv6_one()
    {
        UdpAddress v4 = UdpAddress.From(IPAddress.Parse("192.0.2.1"), 4500);
        Assert.False(v4.IsIPv6);
        Assert.Equal("192.0.2.1:4500", v4.ToString());
        Assert.Equal(v4, UdpAddress.From(IPAddress.Parse("::ffff:192.0.2.1"), 4500)); // mapped: the IPv4 address
        Assert.NotEqual(v4, UdpAddress.From(IPAddress.Parse("::c000:201"), 4500)); // IPv4-compatible is IPv6
        Assert.Throws<ArgumentException>(() => UdpAddress.From(IPAddress.Parse("fe80::1%1"), 4500));
    }

    [Fact]
    public void Batch_slots_hold_either_family()
    {
        using var batch = new MessageBatch(4, 64);
        UdpAddress v6 = UdpAddress.From(IPAddress.Parse("2001:db8::7"), 4500);
        UdpAddress v4 = UdpAddress.From(IPAddress.Parse("192.0.2.7"), 4501);
        batch.SetAddress(0, v6);
        batch.SetAddress(1, v4); // the same slot memory layout, another family
        batch.SetAddress(0, v4);
        batch.SetAddress(1, v6);
        Assert.Equal(v4, batch.GetAddress(0));
        Assert.Equal(v6, batch.GetAddress(1));
        Assert.False(batch.IsIPv6(0));
        Assert.True(batch.IsIPv6(1));
    }

    [Fact]
    public void Two_sockets_on_loopback_exchange_datagrams_over_ipv6()
    {
        using var a = UdpUnderlaySocket.Open(IPAddress.IPv6Loopback, 0, Timeout);
        using var b = UdpUnderlaySocket.Open(IPAddress.IPv6Loopback, 0, Timeout);
        Assert.True(a.Local.IsIPv6);
        Assert.NotEqual(0, a.Local.Port); // the one the kernel chose, read back with getsockname
        using var send = new MessageBatch(8, 2048);
        for (int i = 0; i < 5; i++)
        {
            send[i].Data.AsSpan(0, 100 + i).Fill((byte)(i + 1));
            send[i].Length = 100 + i;
            send.SetAddress(i, b.Local);
        }

        Assert.Equal(5, a.Send(send, 0, 5));
        using var receive = new MessageBatch(8, 2048);
        var got = new List<(int Length, byte Fill, UdpAddress From)>();
        for (int attempt = 0; attempt < 20 && got.Count < 5; attempt++)
        {
            int n = b.Receive(receive);
            Assert.True(n >= 0, $"errno {-n}");
            for (int i = 0; i < n; i++)
            {
                got.Add((receive[i].Length, receive[i].Data[0], receive.GetAddress(i)));
            }
        }

        Assert.Equal([100, 101, 102, 103, 104], got.Select(g => g.Length));
        Assert.Equal([1, 2, 3, 4, 5], got.Select(g => g.Fill));
        Assert.All(got, g => Assert.Equal(a.Local, g.From));
    }

    [Fact]
    public void Gso_runs_over_ipv6_arrive_as_the_same_datagrams()
    {
        using var a = UdpUnderlaySocket.Open(IPAddress.IPv6Loopback, 0, Timeout, segmentation: true);
        using var b = UdpUnderlaySocket.Open(IPAddress.IPv6Loopback, 0, Timeout, segmentation: true);
        using var c = UdpUnderlaySocket.Open(IPAddress.IPv6Loopback, 0, Timeout, segmentation: true);
        using var send = new MessageBatch(32, 2048);
        int[] lengths = [.. Enumerable.Repeat(1400, 10), 300, 700, 700];
        UdpAddress[] targets = [.. Enumerable.Repeat(b.Local, 11), c.Local, c.Local];
        for (int i = 0; i < lengths.Length; i++)
        {
            send[i].Data.AsSpan(0, lengths[i]).Fill((byte)(i + 1));
            send[i].Length = lengths[i];
            send.SetAddress(i, targets[i]);
        }

        Assert.Equal(lengths.Length, a.Send(send, 0, lengths.Length));
        Assert.True(a.SegmentsSends);
        Assert.Equal(lengths[..11], Receive(b, 11).Select(d => d.Length));
        Assert.Equal([700, 700], Receive(c, 2).Select(d => d.Length));
    }

    [Fact]
    public void An_ipv6_socket_does_not_take_ipv4_traffic()
    {
        // IPV6_V6ONLY: a dual-stack host's IPv4 socket can bind the same port beside it.
        using var v6 = UdpUnderlaySocket.Open(IPAddress.IPv6Any, 0, Timeout);
        using var v4 = UdpUnderlaySocket.Open(IPAddress.Any, v6.Local.Port, Timeout);
        Assert.False(v4.Local.IsIPv6);
    }

    private static List<byte[]> Receive(UdpUnderlaySocket socket, int expected)
    {
        using var batch = new MessageBatch(8, 65536 + 64);
        var datagrams = new List<byte[]>();
        for (int attempt = 0; attempt < 20 && datagrams.Count < expected; attempt++)
        {
            int n = socket.Receive(batch);
            Assert.True(n >= 0, $"errno {-n}");
            for (int i = 0; i < n; i++)
            {
                byte[] data = batch[i].Valid.ToArray();
                int size = batch.GetSegmentSize(i);
                for (int offset = 0; offset < data.Length; offset += size > 0 ? size : data.Length)
                {
                    datagrams.Add(data[offset..Math.Min(data.Length, offset + (size > 0 ? size : data.Length))]);
                }
            }
        }

        return datagrams;
    }
}
