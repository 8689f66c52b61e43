using Overlay.DataPlane.Io;
using Overlay.DataPlane.Offload;
using Overlay.DataPlane.Tests.Offload;

namespace Overlay.DataPlane.Tests.Io;

/// <summary>
/// AF_PACKET ports with PACKET_VNET_HDR against the real kernel, on "lo" only (root; skipped otherwise):
/// the kernel must accept the GSO frames the coalescer builds, and the frames it hands to a port with
/// offloads come out as the original wire-sized segments. The frames carry a martian source
/// (0.0.0.0), so the IP stack drops them and nothing leaves the host.
/// </summary>
public sealed class PacketOffloadPortTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(50);
    private static readonly byte[] Martian = [0, 0, 0, 0];
    private static readonly byte[] Nowhere = [127, 255, 255, 254];

    [RootFact]
    public void Coalesced_segments_cross_the_kernel_as_one_gso_frame_and_come_back_as_the_same_segments()
    {
        using var sender = PacketSocketPort.Open("lo", Timeout, offloads: true);
        using var receiver = PacketSocketPort.Open("lo", Timeout, offloads: true);
        uint start = (uint)Environment.ProcessId * 100_000;
        byte[] super = OffloadFrames.Tcp(OffloadFrames.Payload(12000, seed: Environment.ProcessId), start, TcpFlags.Ack | TcpFlags.Psh,
            sourcePort: (ushort)(20000 + (Environment.ProcessId % 20000)), source: Martian, destination: Nowhere);
        List<byte[]> segments = GsoSegmenterTests.Segment(new VirtioNetHeader(1, VirtioNetHeader.GsoTcpV4, 66, 1448, 34, 16), super);

        foreach (byte[] segment in segments)
        {
            Assert.True(sender.SendCoalescing(segment) > 0);
        }

        Assert.Equal(0, sender.Flush());
        Assert.Equal(segments.Count, sender.Offloads!.Value.FramesCoalesced);

        List<byte[]> received = ReceiveFlow(receiver, super.AsSpan(34, 4).ToArray(), segments.Count);
        Assert.Equal(segments.Count, received.Count);
        for (int i = 0; i < segments.Count; i++)
        {
            Assert.Equal(segments[i], received[i]);
        }

        Assert.True(receiver.Offloads!.Value.SuperFramesReceived >= 1);
    }

    [RootFact]
    public void Coalesced_udp_datagrams_cross_the_kernel_as_one_udp_l4_frame_and_come_back_whole()
    {
        using var sender = PacketSocketPort.Open("lo", Timeout, offloads: true);
        using var receiver = PacketSocketPort.Open("lo", Timeout, offloads: true);
        ushort port = (ushort)(20002 + (Environment.ProcessId % 20000));
        List<byte[]> datagrams = [.. Enumerable.Range(0, 12).Select(i =>
            OffloadFrames.Udp(OffloadFrames.Payload(1300, seed: i), partial: false, source: Martian, destination: Nowhere, sourcePort: port))];
        foreach (byte[] datagram in datagrams)
        {
            Assert.True(sender.SendCoalescing(datagram) > 0);
        }

        Assert.Equal(0, sender.Flush());
        Assert.Equal(datagrams.Count, sender.Offloads!.Value.FramesCoalesced);
        List<byte[]> received = ReceiveFlow(receiver, datagrams[0].AsSpan(34, 4).ToArray(), datagrams.Count);
        Assert.Equal(datagrams.Count, received.Count);
        for (int i = 0; i < datagrams.Count; i++)
        {
            Assert.True(OffloadFrames.ChecksumsValid(received[i]));
            Assert.Equal(datagrams[i].AsSpan(34).ToArray(), received[i].AsSpan(34).ToArray());
        }
    }

    [RootFact]
    public void A_plain_frame_sent_through_an_offload_port_arrives_unchanged()
    {
        using var sender = PacketSocketPort.Open("lo", Timeout, offloads: true);
        using var receiver = PacketSocketPort.Open("lo", Timeout, offloads: true);
        byte[] frame = OffloadFrames.Tcp(OffloadFrames.Payload(700), (uint)Environment.ProcessId, partial: false,
            sourcePort: (ushort)(20001 + (Environment.ProcessId % 20000)), source: Martian, destination: Nowhere);
        Assert.Equal(frame.Length, sender.Send(frame));
        List<byte[]> received = ReceiveFlow(receiver, frame.AsSpan(34, 4).ToArray(), 1);
        Assert.Equal(frame, Assert.Single(received));
    }

    /// <summary>Frames of our flow (by TCP ports), in order, once each (lo shows a frame to a tap twice: out and in).</summary>
    private static List<byte[]> ReceiveFlow(PacketSocketPort port, byte[] ports, int expected)
    {
        using var batch = new MessageBatch(64, 2048);
        var frames = new List<byte[]>();
        for (int attempt = 0; attempt < 40 && frames.Count < expected; attempt++)
        {
            int n = port.Receive(batch);
            for (int i = 0; i < n; i++)
            {
                byte[] f = batch[i].Valid.ToArray();
                if (f.Length > 38 && f.AsSpan(34, 4).SequenceEqual(ports) && !frames.Any(x => x.AsSpan().SequenceEqual(f)))
                {
                    frames.Add(f);
                }
            }
        }

        return frames;
    }
}
