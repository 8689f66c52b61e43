using System.Net;
using Overlay.DataPlane.Io;

namespace Overlay.DataPlane.Tests.Io;

/// <summary>UDP GSO on send and GRO on receive between two real underlay sockets on 127.0.0.1.</summary>
public sealed class UdpSegmentationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void Runs_of_equal_datagrams_leave_as_gso_and_arrive_as_the_same_datagrams()
    {
        int basePort = 30000 + (Environment.ProcessId % 10000);
        using var a = UdpUnderlaySocket.Open(IPAddress.Loopback, basePort, Timeout, segmentation: true);
        using var b = UdpUnderlaySocket.Open(IPAddress.Loopback, basePort + 1, Timeout, segmentation: true);
        using var c = UdpUnderlaySocket.Open(IPAddress.Loopback, basePort + 2, Timeout, segmentation: true);
        Assert.True(b.CoalescesReceive);
        using var send = new MessageBatch(32, 2048);

        // 20 × 1400 B and a 300 B tail to b, then 3 to c, then 2 more to b of another size.
        int[] lengths = [.. Enumerable.Repeat(1400, 20), 300, 500, 500, 500, 900, 900];
        UdpAddress[] targets = [.. Enumerable.Repeat(b.Local, 21), c.Local, c.Local, c.Local, b.Local, b.Local];
        for (int i = 0; i < lengths.Length; i++)
        {
            send[i].Data.AsSpan(0, lengths[i]).Fill((byte)(i + 1));
            send[i].Length = lengths[i];
            send.SetAddress(i, targets[i]);
        }

        Assert.Equal(lengths.Length, a.Send(send, 0, lengths.Length));
        Assert.True(a.SegmentsSends);

        List<byte[]> atB = ReceiveAll(b, 23, out int coalescedSlots);
        Assert.True(coalescedSlots >= 1, "the kernel handed over at least one GRO buffer");
        Assert.Equal([.. lengths[..21], 900, 900], atB.Select(d => d.Length));
        int[] expectedFill = [.. Enumerable.Range(1, 21), 25, 26];
        for (int i = 0; i < atB.Count; i++)
        {
            Assert.All(atB[i], x => Assert.Equal((byte)expectedFill[i], x));
        }

        Assert.Equal([500, 500, 500], ReceiveAll(c, 3, out _).Select(d => d.Length));
    }

    [Fact]
    public void Datagrams_dropped_at_a_full_receive_buffer_are_counted()
    {
        int basePort = 33000 + (Environment.ProcessId % 10000);
        using var a = UdpUnderlaySocket.Open(IPAddress.Loopback, basePort, Timeout);
        using var slow = UdpUnderlaySocket.Open(IPAddress.Loopback, basePort + 1, Timeout, socketBufferBytes: 4096); // never reads
        using var send = new MessageBatch(64, 2048);
        for (int i = 0; i < send.Capacity; i++)
        {
            send[i].Length = 1400;
            send.SetAddress(i, slow.Local);
        }

        Assert.Equal(0, slow.KernelDrops);
        for (int round = 0; round < 8; round++)
        {
            Assert.Equal(send.Capacity, a.Send(send, 0, send.Capacity));
        }

        Assert.True(slow.KernelDrops > 400, $"kernel drops {slow.KernelDrops}");
    }

    [RootFact]
    public void Runs_larger_than_the_path_mtu_go_alone_and_fragmented_while_smaller_runs_stay_segmented()
    {
        // A namespace of our own whose loopback MTU is 1280: GSO cannot fragment, so the kernel refuses
        // runs of 1400-byte datagrams; they must still arrive (IP fragments), one by one.
        using var ns = new TestNetworkNamespace("tbgso-");
        ns.Ip("link set lo mtu 1280 up");
        ns.RunInside(SendAcrossSmallMtu, TimeSpan.FromSeconds(30));
    }

    private static void SendAcrossSmallMtu()
    {
        using var a = UdpUnderlaySocket.Open(IPAddress.Loopback, 4500, Timeout, segmentation: true);
        using var b = UdpUnderlaySocket.Open(IPAddress.Loopback, 4501, Timeout, segmentation: true);
        using var send = new MessageBatch(16, 2048);
        int[] lengths = [1400, 1400, 1400, 1400, 1000, 1000, 1000, 1000];
        for (int i = 0; i < lengths.Length; i++)
        {
            send[i].Data.AsSpan(0, lengths[i]).Fill((byte)(i + 1));
            send[i].Length = lengths[i];
            send.SetAddress(i, b.Local);
        }

        Assert.Equal(lengths.Length, a.Send(send, 0, lengths.Length));
        Assert.True(a.SegmentsSends, "GSO stays on for what fits");
        Assert.Equal(1399, a.MaxSegmentSize);
        List<byte[]> received = ReceiveAll(b, lengths.Length, out _);
        Assert.Equal(lengths, received.Select(d => d.Length));
    }

    private static List<byte[]> ReceiveAll(UdpUnderlaySocket socket, int expected, out int coalescedSlots)
    {
        coalescedSlots = 0;
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
                coalescedSlots += size > 0 ? 1 : 0;
                for (int offset = 0; offset < data.Length; offset += size > 0 ? size : data.Length)
                {
                    datagrams.Add(data[offset..Math.Min(data.Length, offset + (size > 0 ? size : data.Length))]);
                }
            }
        }

        return datagrams;
    }
}
