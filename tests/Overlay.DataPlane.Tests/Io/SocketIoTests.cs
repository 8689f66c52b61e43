using System.Net;
using Overlay.DataPlane.Interop;
using Overlay.DataPlane.Io;

namespace Overlay.DataPlane.Tests.Io;

/// <summary>
/// The real sockets on loopback only: recvmmsg/sendmmsg batches between two UDP sockets on 127.0.0.1,
/// and AF_PACKET ports on "lo" (root only; skipped otherwise, never failed for that).
/// </summary>
public sealed class SocketIoTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void Udp_batches_arrive_whole_with_their_source()
    {
        int basePort = 40000 + (Environment.ProcessId % 10000);
        using var a = UdpUnderlaySocket.Open(IPAddress.Loopback, basePort, Timeout);
        using var b = UdpUnderlaySocket.Open(IPAddress.Loopback, basePort + 1, Timeout);
        using var send = new MessageBatch(8, 2048);
        using var receive = new MessageBatch(8, 2048);
        for (int i = 0; i < 3; i++)
        {
            send[i].Data.AsSpan(0, 100 + i).Fill((byte)(i + 1));
            send[i].Length = 100 + i;
            send.SetAddress(i, b.Local);
        }

        Assert.Equal(3, a.Send(send, 0, 3));
        int got = 0;
        for (int attempt = 0; attempt < 20 && got < 3; attempt++)
        {
            int n = b.Receive(receive);
            Assert.True(n >= 0, $"errno {-n}");
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(100 + got, receive[i].Length);
                Assert.All(receive[i].Valid.ToArray(), x => Assert.Equal((byte)(got + 1), x));
                Assert.Equal(a.Local, receive.GetAddress(i));
                got++;
            }
        }

        Assert.Equal(3, got);
    }

    [Fact]
    public void Udp_receive_times_out_with_zero_and_binding_a_foreign_address_fails_clearly()
    {
        using var a = UdpUnderlaySocket.Open(IPAddress.Loopback, 0, Timeout);
        using var batch = new MessageBatch(4, 2048);
        Assert.Equal(0, a.Receive(batch));
        var e = Assert.Throws<NativeSocketException>(() => UdpUnderlaySocket.Open(IPAddress.Parse("192.0.2.77"), 4500, Timeout));
        Assert.Equal("bind", e.Call);
        Assert.Contains("cannot assign requested address", e.Message);
    }

    [RootFact]
    public void Packet_port_sends_and_receives_frames_on_lo()
    {
        using var sender = PacketSocketPort.Open("lo", Timeout);
        using var receiver = PacketSocketPort.Open("lo", Timeout);
        byte[] frame = new byte[60];
        frame.AsSpan(0, 12).Fill(0); // lo: zero MACs
        frame[12] = 0x88;
        frame[13] = 0xb5; // IEEE local experimental EtherType
        "TVD-PORT-TEST"u8.CopyTo(frame.AsSpan(14));
        frame[40] = (byte)Environment.ProcessId;
        Assert.Equal(frame.Length, sender.Send(frame));

        using var batch = new MessageBatch(16, 2048);
        bool seen = false;
        for (int attempt = 0; attempt < 40 && !seen; attempt++)
        {
            int n = receiver.Receive(batch);
            for (int i = 0; i < n; i++)
            {
                seen |= batch[i].Valid.SequenceEqual(frame);
            }
        }

        Assert.True(seen);
    }

    [RootFact]
    public void Frames_the_kernel_dropped_for_a_port_that_fell_behind_are_counted_and_kept()
    {
        using var sender = PacketSocketPort.Open("lo", Timeout);
        using var slow = PacketSocketPort.Open("lo", Timeout, socketBufferBytes: 4096, offloads: true); // never reads
        byte[] frame = new byte[1000];
        frame[12] = 0x88;
        frame[13] = 0xb5; // IEEE local experimental EtherType: no stack takes it
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(frame.Length, sender.Send(frame));
        }

        long first = slow.KernelDrops;
        Assert.True(first > 100, $"kernel drops {first}");

        // The kernel's counter resets on read; the port keeps the sum. lo carries the whole machine's traffic, so
        // more drops may come meanwhile: the sum only grows, where a reset would start again near 0.
        long second = slow.KernelDrops;
        Assert.True(second >= first, $"kernel drops went from {first} to {second}");
        Assert.Equal("af_packet", ((IGuestPortIo)slow).Kind);
    }

    [Fact]
    public void Opening_a_port_on_a_missing_interface_names_it()
    {
        var e = Assert.Throws<NativeSocketException>(() => PacketSocketPort.Open("tvdnosuch0", Timeout));
        Assert.Contains("tvdnosuch0", e.Message);
    }

    [Theory]
    [InlineData("bpf(BPF_PROG_LOAD)", "CAP_BPF")]
    [InlineData("bpf(BPF_MAP_UPDATE_ELEM xskmap)", "CAP_BPF")]
    [InlineData("socket", "CAP_NET_RAW")]
    [InlineData("setsockopt(1, 33)", "CAP_NET_ADMIN")]
    public void Operation_not_permitted_names_the_capability_that_call_checks(string call, string capability)
    {
        var e = new NativeSocketException(call, "eth0", 1); // EPERM
        Assert.Contains($"operation not permitted (needs {capability}", e.Message);
        Assert.Contains("(errno 1)", e.Message);
    }
}
