using System.Net;
using System.Net.Sockets;
using Overlay.DataPlane.Io;
using Xunit.Abstractions;

namespace Overlay.DataPlane.Tests.Io;

/// <summary>
/// The AF_XDP underlay against the real kernel: two namespaces this test creates (prefixes "tbxua-"/"tbxub-",
/// removed in finally) joined by a veth pair of two queues. Namespace A runs the underlay on 10.77.0.1:4500,
/// namespace B a plain kernel UDP socket on 10.77.0.2:4500. Datagrams from B arrive through the AF_XDP
/// sockets (not the kernel socket); a datagram the kernel fragments arrives through the kernel socket;
/// sends to B go through the kernel until the next hop is resolved, then through the TX rings; disposing
/// detaches the program. Root only: skipped otherwise.
/// </summary>
[Collection(nameof(XdpUnderlayTests))]
public sealed class XdpUnderlayTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(50);

    [RootFact]
    public void Datagrams_cross_the_af_xdp_queues_both_ways_and_fragments_take_the_kernel_socket()
    {
        using var a = new TestNetworkNamespace("tbxua-");
        using var b = new TestNetworkNamespace("tbxub-");
        a.Ip($"link add xa numtxqueues 2 numrxqueues 2 type veth peer name xb netns {b.Name} numtxqueues 2 numrxqueues 2");
        a.Ip("addr add 10.77.0.1/24 dev xa");
        b.Ip("addr add 10.77.0.2/24 dev xb");
        a.Ip("link set xa up");
        b.Ip("link set xb up");

        Socket? peer = null;
        b.RunInside(() =>
        {
            peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 2000 };
            peer.Bind(new IPEndPoint(IPAddress.Parse("10.77.0.2"), 4500));
        }, TimeSpan.FromSeconds(10));
        using Socket peerSocket = peer!;
        a.RunInside(() => Exchange(a, peerSocket), TimeSpan.FromSeconds(60));
        Assert.DoesNotContain("xdp", a.Ip("link show xa"));
    }

    private void Exchange(TestNetworkNamespace a, Socket peer)
    {
        var local = IPAddress.Parse("10.77.0.1");
        UdpUnderlaySocket kernel = UdpUnderlaySocket.Open(local, 4500, Timeout, segmentation: true);
        Assert.True(kernel.CoalescesReceive);
        XdpUnderlay underlay = XdpUnderlay.Open(kernel, Timeout);
        try
        {
            output.WriteLine(underlay.Describe());
            Assert.Equal(2, underlay.XskQueues);
            Assert.Equal(3, underlay.Queues.Count);
            Assert.False(underlay.Queues[2].CoalescesReceive); // UDP GRO off: generic XDP would see coalesced datagrams
            Assert.Contains("xdp", a.Ip("link show xa"));

            // 1372-byte datagrams from the peer's kernel socket: all arrive through the AF_XDP queues.
            var target = new IPEndPoint(local, 4500);
            for (int i = 0; i < 20; i++)
            {
                peer.SendTo(Payload(1372, (byte)i), target);
            }

            var got = ReceiveAll(underlay.Queues.Take(2).ToList(), 20);
            Assert.Equal(20, got.Count);
            Assert.All(got, d => Assert.Equal("10.77.0.2:4500", d.Source));
            Assert.Equal(Enumerable.Range(0, 20).Select(i => Convert.ToHexString(Payload(1372, (byte)i))).Order(), got.Select(d => d.Hex).Order());
            Assert.Equal(20, underlay.XskReceived);
            Assert.Empty(ReceiveAll([underlay.Queues[2]], 1, TimeSpan.FromMilliseconds(300)));

            // 3000 bytes: the kernel fragments it, the program passes the fragments, the kernel socket gets it.
            peer.SendTo(Payload(3000, 0x77), target);
            var fragmented = ReceiveAll([underlay.Queues[2]], 1);
            Assert.Equal(Convert.ToHexString(Payload(3000, 0x77)), Assert.Single(fragmented).Hex);

            // Sends: the first goes through the kernel (next hop unknown; the kernel resolves the neighbour),
            // then the resolver publishes it and the rest leave through the TX ring.
            using var batch = new MessageBatch(32, 2048);
            var to = UdpAddress.From(IPAddress.Parse("10.77.0.2"), 4500);
            int sentTotal = 0;
            long deadline = Environment.TickCount64 + 10_000;
            while (underlay.XskSent == 0 && Environment.TickCount64 < deadline)
            {
                Fill(batch, 8, to, (byte)sentTotal);
                Assert.Equal(8, underlay.Queues[0].Send(batch, 0, 8));
                sentTotal += 8;
                Thread.Sleep(100);
            }

            output.WriteLine($"kernel sent {underlay.KernelSent}, xsk sent {underlay.XskSent}; next hops: {string.Join("; ", underlay.NextHops)}");
            Assert.True(underlay.KernelSent >= 8, "the first sends should have gone through the kernel socket");
            Assert.True(underlay.XskSent > 0, "no datagram left through the TX ring after the next hop was resolved");

            // A burst larger than one copy-mode kick (32) through both queues: every datagram reaches the peer.
            Fill(batch, 32, to, 0xa0);
            Assert.Equal(32, underlay.Queues[1].Send(batch, 0, 32));
            sentTotal += 32;
            int arrived = 0;
            byte[] buffer = new byte[4096];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            try
            {
                while (arrived < sentTotal)
                {
                    int n = peer.ReceiveFrom(buffer, ref from);
                    Assert.Equal(1372, n);
                    Assert.Equal("10.77.0.1:4500", from.ToString());
                    arrived++;
                }
            }
            catch (SocketException)
            {
                // timed out: the assertion below says how many were missing
            }

            Assert.Equal(sentTotal, arrived);

            // The hot paths allocate nothing: sends through the ring (next hop resolved) and receives from it.
            Fill(batch, 8, to, 0x10);
            Assert.Equal(8, underlay.Queues[0].Send(batch, 0, 8)); // warm
            long xskBefore = underlay.XskSent;
            IUnderlayIo first = underlay.Queues[0];
            int sends = 0;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int r = 0; r < 50; r++)
            {
                sends += first.Send(batch, 0, 8);
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal((400, 0L), (sends, allocated));
            Assert.Equal(400, underlay.XskSent - xskBefore);

            for (int i = 0; i < 100; i++)
            {
                peer.SendTo(Payload(1372, (byte)i), target);
            }

            using var receiveBatch = new MessageBatch(64, 4096);
            IUnderlayIo second = underlay.Queues[1];
            int received = Math.Max(0, first.Receive(receiveBatch)); // warm (the poll path)
            long deadlineReceive = Environment.TickCount64 + 5000;
            before = GC.GetAllocatedBytesForCurrentThread();
            while (received < 100 && Environment.TickCount64 < deadlineReceive)
            {
                received += Math.Max(0, first.Receive(receiveBatch)) + Math.Max(0, second.Receive(receiveBatch));
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal((100, 0L), (received, allocated));
        }
        finally
        {
            foreach (IUnderlayIo q in underlay.Queues)
            {
                q.Dispose();
            }
        }
    }

    /// <summary>
    /// A jumbo underlay (MTU 9000): a 5000-byte datagram spans three 2 KiB UMEM chunks (multi-buffer) and arrives
    /// whole through AF_XDP, the payload taken from after the headers in the first chunk and whole from the others;
    /// a 5000-byte send does not fit a chunk and leaves through the kernel socket.
    /// </summary>
    [RootFact]
    public void Jumbo_datagrams_arrive_across_chunks_and_leave_through_the_kernel()
    {
        using var a = new TestNetworkNamespace("tbxja-");
        using var b = new TestNetworkNamespace("tbxjb-");
        a.Ip($"link add xa numtxqueues 1 numrxqueues 1 mtu 9000 type veth peer name xb netns {b.Name} numtxqueues 1 numrxqueues 1 mtu 9000");
        a.Ip("addr add 10.78.0.1/24 dev xa");
        b.Ip("addr add 10.78.0.2/24 dev xb");
        a.Ip("link set xa up");
        b.Ip("link set xb up");
        Socket? peer = null;
        b.RunInside(() =>
        {
            peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 2000 };
            peer.Bind(new IPEndPoint(IPAddress.Parse("10.78.0.2"), 4500));
        }, TimeSpan.FromSeconds(10));
        using Socket peerSocket = peer!;
        a.RunInside(() =>
        {
            var local = IPAddress.Parse("10.78.0.1");
            XdpUnderlay underlay = XdpUnderlay.Open(UdpUnderlaySocket.Open(local, 4500, Timeout), Timeout);
            try
            {
                byte[] jumbo = Payload(5000, 0x31);
                peerSocket.SendTo(jumbo, new IPEndPoint(local, 4500));
                using var batch = new MessageBatch(8, 9216);
                int n = 0;
                long deadline = Environment.TickCount64 + 5000;
                while (n == 0 && Environment.TickCount64 < deadline)
                {
                    n = underlay.Queues[0].Receive(batch);
                }

                Assert.Equal(1, n);
                Assert.False(batch.IsTruncated(0));
                Assert.Equal(Convert.ToHexString(jumbo), Convert.ToHexString(batch[0].Valid));
                Assert.Equal("10.78.0.2:4500", batch.GetAddress(0).ToString());

                // Into a buffer smaller than the payload: cut, and flagged so (the pipeline counts it oversized).
                peerSocket.SendTo(jumbo, new IPEndPoint(local, 4500));
                using var small = new MessageBatch(8, 2048);
                n = 0;
                deadline = Environment.TickCount64 + 5000;
                while (n == 0 && Environment.TickCount64 < deadline)
                {
                    n = underlay.Queues[0].Receive(small);
                }

                Assert.Equal(1, n);
                Assert.True(small.IsTruncated(0));
                Assert.Equal(Convert.ToHexString(jumbo.AsSpan(0, 2048)), Convert.ToHexString(small[0].Valid));

                jumbo.CopyTo(batch[0].Data);
                batch[0].Length = jumbo.Length;
                batch.SetAddress(0, UdpAddress.From(IPAddress.Parse("10.78.0.2"), 4500));
                Assert.Equal(1, underlay.Queues[0].Send(batch, 0, 1));
                Assert.Equal((1L, 0L), (underlay.KernelSent, underlay.XskSent));
                byte[] received = new byte[9000];
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                Assert.Equal(5000, peerSocket.ReceiveFrom(received, ref from));
                Assert.Equal(Convert.ToHexString(jumbo), Convert.ToHexString(received.AsSpan(0, 5000)));

                // With the next hop resolved, still the kernel: 5042 bytes do not fit a 2 KiB chunk. (A datagram too
                // large for the ring never asks for its next hop: a small one does; it leaves through the kernel, or
                // through the ring when the resolver was quicker than the send's second look.)
                using var one = new MessageBatch(1, 2048);
                one[0].Length = 1;
                one[0].Data[0] = 0xff;
                one.SetAddress(0, UdpAddress.From(IPAddress.Parse("10.78.0.2"), 4500));
                Assert.Equal(1, underlay.Queues[0].Send(one, 0, 1));
                Assert.Equal(1, peerSocket.ReceiveFrom(received, ref from));
                deadline = Environment.TickCount64 + 5000;
                while (!underlay.NextHops.Any(h => h.Contains(" at ", StringComparison.Ordinal)) && Environment.TickCount64 < deadline)
                {
                    Thread.Sleep(20);
                }

                Assert.Contains(underlay.NextHops, h => h.StartsWith("10.78.0.2 at ", StringComparison.Ordinal));
                (long kernelBefore, long xskBefore) = (underlay.KernelSent, underlay.XskSent);
                Assert.Equal(1, underlay.Queues[0].Send(batch, 0, 1));
                Assert.Equal((kernelBefore + 1, xskBefore), (underlay.KernelSent, underlay.XskSent));
                Assert.Equal(5000, peerSocket.ReceiveFrom(received, ref from));
            }
            finally
            {
                foreach (IUnderlayIo q in underlay.Queues)
                {
                    q.Dispose();
                }
            }
        }, TimeSpan.FromSeconds(30));
    }

    private static void Fill(MessageBatch batch, int count, UdpAddress to, byte seed)
    {
        for (int i = 0; i < count; i++)
        {
            byte[] payload = Payload(1372, (byte)(seed + i));
            payload.CopyTo(batch[i].Data);
            batch[i].Length = payload.Length;
            batch.SetAddress(i, to);
        }
    }

    private static byte[] Payload(int length, byte seed)
    {
        byte[] p = new byte[length];
        for (int i = 0; i < length; i++)
        {
            p[i] = (byte)(seed + i);
        }

        return p;
    }

    private static List<(string Source, string Hex)> ReceiveAll(List<IUnderlayIo> queues, int wanted, TimeSpan? within = null)
    {
        var result = new List<(string, string)>();
        using var batch = new MessageBatch(64, 4096);
        long deadline = Environment.TickCount64 + (long)(within ?? TimeSpan.FromSeconds(5)).TotalMilliseconds;
        while (result.Count < wanted && Environment.TickCount64 < deadline)
        {
            foreach (IUnderlayIo q in queues)
            {
                int n = q.Receive(batch);
                for (int i = 0; i < n; i++)
                {
                    result.Add((batch.GetAddress(i).ToString(), Convert.ToHexString(batch[i].Valid)));
                }
            }
        }

        return result;
    }
}
