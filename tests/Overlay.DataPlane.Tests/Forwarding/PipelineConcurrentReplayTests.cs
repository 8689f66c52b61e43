using System.Buffers.Binary;
using System.Net;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Tests.Forwarding;

/// <summary>
/// Two underlay receive loops open one SA at once (what happens when one SA's packets arrive on two queues): a real
/// pipeline whose underlay group has two in-memory queues gets every ESP packet of a stream on both, each in the
/// same order reordered within half a window. Every frame reaches the guest exactly once and every second copy is
/// a replay drop; nothing else is dropped. (A copy that arrived a whole window late would be read as a number
/// 2^32 ahead by ESN inference and fail its ICV instead: the blocks below keep the loops within the window.)
/// </summary>
public sealed class PipelineConcurrentReplayTests
{
    private static readonly IPAddress Self = IPAddress.Parse("10.201.0.1");
    private static readonly IPAddress Peer = IPAddress.Parse("10.201.0.2");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_same_packets_on_two_receive_queues_are_delivered_once_each()
    {
        const int Count = 4000;
        const uint Spi = 0x6000;
        var first = new InMemoryUnderlay(UdpAddress.From(Self, 4500));
        var second = new InMemoryUnderlay(UdpAddress.From(Self, 4500));
        var port = new InMemoryPort("red-c");
        var peer = new IPEndPoint(Peer, 4500);
        await using var pipeline = new Pipeline(new UnderlayGroup([first, second]), new SaTable(),
            new PipelineOptions { ReceiveTimeout = TimeSpan.FromMilliseconds(20) });
        pipeline.AttachPort(port.Interface, port, 101, "red");
        pipeline.AddTunnel("peer", peer, 101, "red");
        byte[] key = TestSas.Key(EspCipher.AesGcm128, 0x60);
        Assert.Equal(SaInstallResult.Installed,
            pipeline.Sas.Install(new SaDescriptor(peer, 101, "red", SaDirection.Inbound, Spi, EspCipher.AesGcm128, key)));

        // The peer's packets: frame i carries i; order shuffled in blocks of 512 (reordering within the window).
        using EspSa sealer = EspSa.Create(new SaDescriptor(new IPEndPoint(Self, 4500), 101, "red", SaDirection.Outbound, Spi,
            EspCipher.AesGcm128, key));
        var packets = new byte[Count][];
        for (int i = 0; i < Count; i++)
        {
            byte[] frame = Frame(i);
            packets[i] = new byte[EtherIpTunnel.GetPacketLength(frame.Length)];
            Assert.Equal(DropReason.None, EtherIpTunnel.Encapsulate(sealer, frame, packets[i], out _));
        }

        int[] order = [.. Enumerable.Range(0, Count)];
        var random = new Random(16);
        for (int start = 0; start < Count; start += 512)
        {
            random.Shuffle(order.AsSpan(start, Math.Min(512, Count - start)));
        }

        // Block by block: both queues get a block, and the next block waits until both copies of every packet were
        // handled. So the two loops race on the same 512 numbers while neither falls a window behind the other.
        UdpAddress from = UdpAddress.From(Peer, 4500);
        pipeline.Start();
        var seen = new int[Count];
        for (int start = 0; start < Count; start += 512)
        {
            int end = Math.Min(Count, start + 512);
            for (int k = start; k < end; k++)
            {
                first.Inject(packets[order[k]], from);
                second.Inject(packets[order[k]], from);
            }

            for (int n = start; n < end; n++)
            {
                Assert.True(port.Delivered.TryTake(out byte[]? frame, Wait), $"{n} of {Count} frames arrived");
                seen[BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(EthernetFrame.HeaderLength))]++;
            }

            long deadline = Environment.TickCount64 + (long)Wait.TotalMilliseconds;
            while (pipeline.GlobalDrops.Total < end && Environment.TickCount64 < deadline)
            {
                await Task.Delay(5);
            }
        }

        Assert.All(seen, times => Assert.Equal(1, times));
        Assert.False(port.Delivered.TryTake(out _, 200));
        string drops = string.Join(", ", Enum.GetValues<DropReason>().Where(r => r != DropReason.None && pipeline.GlobalDrops[r] > 0)
            .Select(r => $"{r}={pipeline.GlobalDrops[r]}"));
        Assert.True(pipeline.GlobalDrops[DropReason.Replay] == Count && pipeline.GlobalDrops.Total == Count, $"drops: {drops}");
        Assert.True(pipeline.Underlay.EspReceived == 2 * Count, $"ESP datagrams read: {pipeline.Underlay.EspReceived}");
    }

    /// <summary>A unicast frame to an unknown MAC (flooded to the TVD's one port) whose payload starts with its index.</summary>
    private static byte[] Frame(int index)
    {
        var frame = new byte[EthernetFrame.HeaderLength + 100];
        new MacAddress(0x02_00_00_00_00_0cUL).Write(frame);
        new MacAddress(0x02_00_00_00_00_0dUL).Write(frame.AsSpan(6));
        frame[12] = 0x08;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(EthernetFrame.HeaderLength), index);
        return frame;
    }
}
