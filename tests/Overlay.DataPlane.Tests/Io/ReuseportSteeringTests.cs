using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;
using Overlay.DataPlane.Interop;
using Overlay.DataPlane.Io;

namespace Overlay.DataPlane.Tests.Io;

/// <summary>
/// The SO_REUSEPORT group of the underlay with the SPI steering program, on a real kernel (loopback, no root needed):
/// every datagram of one SPI reaches the same socket, IKE and keepalives reach socket 0.
/// </summary>
public sealed class ReuseportSteeringTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void The_program_is_five_classic_bpf_instructions_that_the_kernel_layout_expects()
    {
        Assert.Equal(8, Unsafe.SizeOf<sock_filter>());
        Assert.Equal(16, Unsafe.SizeOf<sock_fprog>());
        sock_filter[] program = ReuseportSteering.Program(3);
        Assert.Equal(
            [(0x20, 0, 0, 0u), (0x15, 2, 0, 0u), (0x94, 0, 0, 3u), (0x16, 0, 0, 0u), (0x06, 0, 0, 0u)],
            program.Select(i => ((int)i.code, (int)i.jt, (int)i.jf, i.k)).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => ReuseportSteering.Program(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReuseportSteering.Program(65));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(2)]
    [InlineData(3)]
    public void Datagrams_of_one_spi_always_reach_the_same_socket_of_the_group(int count)
    {
        UdpSocketGroup group = UdpUnderlaySocket.OpenGroup(IPAddress.Loopback, 0, count, Timeout);
        try
        {
            Assert.True(group.SteersBySpi, group.SteeringProblem);
            Assert.Equal(count, group.Sockets.Count);
            Assert.All(group.Sockets, s => Assert.Equal(group.Sockets[0].Local, s.Local));

            uint[] spis = [0x1000, 0x1001, 0x1002, 0x1003, 0xc0ffee01, 0x7a3b_91c5, 0xdeadbeef, 0x0000_0107];
            using var sender = UdpUnderlaySocket.Open(IPAddress.Loopback, 0, Timeout);
            using var send = new MessageBatch(64, 2048);
            int slots = 0;
            for (int round = 0; round < 5; round++)
            {
                foreach (uint spi in spis)
                {
                    send[slots].Length = 64;
                    send[slots].Data.AsSpan(0, 64).Clear();
                    BinaryPrimitives.WriteUInt32BigEndian(send[slots].Data, spi);
                    send[slots].Data[4] = (byte)round; // the ESP sequence number's low byte: not part of the choice
                    send.SetAddress(slots++, group.Sockets[0].Local);
                }
            }

            send[slots].Length = 40; // IKE: non-ESP marker (RFC 3948 §2.2)
            send[slots].Data.AsSpan(0, 40).Clear();
            send.SetAddress(slots++, group.Sockets[0].Local);
            send[slots].Length = 1; // NAT-keepalive (RFC 3948 §2.3)
            send[slots].Data[0] = 0xff;
            send.SetAddress(slots++, group.Sockets[0].Local);
            Assert.Equal(slots, sender.Send(send, 0, slots));

            var where = new Dictionary<uint, HashSet<int>>();
            var nonEsp = new List<(int Length, int Socket)>();
            int received = 0;
            using var batch = new MessageBatch(64, 2048);
            for (int s = 0; s < count; s++)
            {
                int n;
                while ((n = group.Sockets[s].Receive(batch)) > 0)
                {
                    for (int i = 0; i < n; i++, received++)
                    {
                        uint spi = batch[i].Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(batch[i].Valid) : 0;
                        if (spi == 0)
                        {
                            nonEsp.Add((batch[i].Length, s));
                            continue;
                        }

                        (where.TryGetValue(spi, out HashSet<int>? set) ? set : where[spi] = []).Add(s);
                    }
                }
            }

            Assert.Equal(slots, received);
            foreach (uint spi in spis)
            {
                int expected = (int)(spi % (uint)count);
                Assert.Equal([expected], where[spi]);
                Assert.Equal(expected, ReuseportSteering.SocketFor(BitConverter.GetBytes(BinaryPrimitives.ReverseEndianness(spi)), count));
            }

            Assert.Equal(count, where.Values.SelectMany(s => s).Distinct().Count()); // every socket of the group got work
            Assert.Equal([(1, 0), (40, 0)], nonEsp.Order().ToArray());
        }
        finally
        {
            foreach (UdpUnderlaySocket socket in group.Sockets)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public void A_group_of_one_is_a_plain_socket_and_a_foreign_address_fails_without_leaking()
    {
        UdpSocketGroup one = UdpUnderlaySocket.OpenGroup(IPAddress.Loopback, 0, 1, Timeout);
        using UdpUnderlaySocket only = Assert.Single(one.Sockets);
        Assert.True(one.SteersBySpi);

        var e = Assert.Throws<NativeSocketException>(() => UdpUnderlaySocket.OpenGroup(IPAddress.Parse("192.0.2.77"), 4500, 2, Timeout));
        Assert.Equal("bind", e.Call);
        Assert.Throws<ArgumentOutOfRangeException>(() => UdpUnderlaySocket.OpenGroup(IPAddress.Loopback, 0, 0, Timeout));
    }
}
