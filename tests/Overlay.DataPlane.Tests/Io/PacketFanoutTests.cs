using System.Buffers.Binary;
using Overlay.DataPlane.Io;

namespace Overlay.DataPlane.Tests.Io;

/// <summary>A guest port's AF_PACKET sockets in one PACKET_FANOUT group, on "lo" (root only; skipped otherwise).</summary>
public sealed class PacketFanoutTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(50);

    [RootFact]
    public void Each_flow_reaches_one_socket_of_the_group_once_and_the_flows_spread_over_the_group()
    {
        IReadOnlyList<PacketSocketPort> group = PacketSocketPort.OpenFanout("lo", 2, Timeout);
        IReadOnlyList<PacketSocketPort> other = PacketSocketPort.OpenFanout("lo", 2, Timeout);
        try
        {
            Assert.NotNull(group[0].FanoutGroup);
            Assert.Equal(group[0].FanoutGroup, group[1].FanoutGroup);
            Assert.NotEqual(group[0].FanoutGroup, other[0].FanoutGroup); // the kernel picked a group per port

            using var sender = PacketSocketPort.Open("lo", Timeout);
            Assert.Null(sender.FanoutGroup);
            ushort marker = (ushort)Environment.ProcessId;
            const int Flows = 16;
            const int PerFlow = 4;
            for (int n = 0; n < PerFlow; n++)
            {
                for (int flow = 0; flow < Flows; flow++)
                {
                    Assert.Equal(74, sender.Send(Frame(flow, n, marker)));
                }
            }

            var seen = new Dictionary<int, List<int>>(); // flow -> sockets that got one of its frames
            using var batch = new MessageBatch(64, 2048);
            for (int s = 0; s < group.Count; s++)
            {
                for (int idle = 0; idle < 3;)
                {
                    int got = group[s].Receive(batch);
                    idle = got == 0 ? idle + 1 : 0;
                    for (int i = 0; i < got; i++)
                    {
                        ReadOnlySpan<byte> f = batch[i].Valid;
                        if (f.Length >= 74 && BinaryPrimitives.ReadUInt16BigEndian(f[42..]) == marker)
                        {
                            int flow = f[44];
                            (seen.TryGetValue(flow, out List<int>? l) ? l : seen[flow] = []).Add(s);
                        }
                    }
                }
            }

            Assert.Equal(Flows, seen.Count);
            Assert.All(seen.Values, sockets => Assert.Equal(PerFlow, sockets.Count)); // each frame once: no copy per socket
            Assert.All(seen.Values, sockets => Assert.Single(sockets.Distinct())); // a flow stays on one socket
            Assert.Equal(2, seen.Values.Select(s => s[0]).Distinct().Count()); // both sockets read flows
        }
        finally
        {
            foreach (PacketSocketPort port in group.Concat(other))
            {
                port.Dispose();
            }
        }
    }

    [RootFact]
    public void A_fanout_port_is_one_guest_port_with_a_queue_per_socket()
    {
        using var port = new FanoutGuestPort(PacketSocketPort.OpenFanout("lo", 3, Timeout, offloads: true));
        IGuestPortIo io = port;
        Assert.Equal(3, io.Queues!.Count);
        Assert.Equal("lo", io.Interface);
        Assert.Equal("af_packet", io.Kind);
        Assert.Equal(new PortOffloadCounters(0, 0, 0), io.Offloads);
        Assert.Single(io.Queues.Select(q => ((PacketSocketPort)q).FanoutGroup).Distinct());
        Assert.Throws<ArgumentException>(() => new FanoutGuestPort([]));
    }

    /// <summary>An Ethernet + IPv4 + UDP frame of flow <paramref name="flow"/> (its source port) to TEST-NET-2, which lo does not deliver.</summary>
    private static byte[] Frame(int flow, int n, ushort marker)
    {
        byte[] frame = new byte[74];
        frame[12] = 0x08; // IPv4
        Span<byte> ip = frame.AsSpan(14);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], 60);
        ip[8] = 1; // TTL
        ip[9] = 17; // UDP
        new byte[] { 198, 51, 100, 7 }.CopyTo(ip[12..]);
        new byte[] { 198, 51, 100, 8 }.CopyTo(ip[16..]);
        ushort sum = Checksum(ip[..20]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], sum);
        Span<byte> udp = ip[20..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)(20000 + flow));
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 9);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], 40);
        BinaryPrimitives.WriteUInt16BigEndian(udp[8..], marker); // frame offset 42
        udp[10] = (byte)flow; // offset 44
        udp[11] = (byte)n;
        return frame;
    }

    private static ushort Checksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (int i = 0; i < header.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        }

        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
