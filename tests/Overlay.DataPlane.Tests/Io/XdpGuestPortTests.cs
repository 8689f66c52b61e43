using Overlay.DataPlane.Io;
using Overlay.DataPlane.Xdp;
using Xunit.Abstractions;

namespace Overlay.DataPlane.Tests.Io;

/// <summary>
/// The AF_XDP port against the real kernel, in a namespace this test creates (prefix "tbxdp-", removed
/// in finally) with one veth pair of one queue each: frames from an AF_PACKET peer arrive through the
/// XDP program, frames sent through the TX ring reach the peer, and disposing detaches the program.
/// Root only: skipped (reason written to the test output) otherwise, never failed for that.
/// </summary>
public sealed class XdpGuestPortTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void Frames_cross_the_rings_both_ways_and_dispose_detaches_the_program()
    {
        if (Environment.UserName != "root")
        {
            output.WriteLine("skipped: AF_XDP and namespaces need root");
            return;
        }

        using var ns = new TestNetworkNamespace("tbxdp-");
        ns.Ip("link add xa numtxqueues 1 numrxqueues 1 type veth peer name xb numtxqueues 1 numrxqueues 1");
        ns.Ip("link set xa up");
        ns.Ip("link set xb up");
        ns.RunInside(() => Exchange(ns), TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("xdp", ns.Ip("link show xa"));
    }

    private void Exchange(TestNetworkNamespace ns)
    {
        using var peer = PacketSocketPort.Open("xb", Timeout);
        using var batch = new MessageBatch(16, 2048);
        using (var port = XdpGuestPort.Open("xa", Timeout))
        {
            output.WriteLine($"attached in {port.Mode} mode: {ns.Ip("link show xa").Split('\n')[0]}");
            Assert.Contains("xdp", ns.Ip("link show xa"));

            byte[] inbound = Frame(0x11);
            Assert.Equal(inbound.Length, peer.Send(inbound));
            Assert.True(ReceiveMatching(port, batch, inbound), "the frame sent by the peer did not reach the AF_XDP RX ring");

            byte[] outbound = Frame(0x22);
            for (int i = 0; i < 6000; i++)
            {
                // More sends than TX frames (4096): completions must recycle them.
                Assert.Equal(outbound.Length, port.Send(outbound));
            }

            Assert.True(ReceiveMatching(peer, batch, outbound), "the frame sent through the TX ring did not reach the peer");

            // A loop that falls behind: more frames than the RX ring holds, none read. The kernel drops
            // the rest, and the port reports it.
            Assert.Equal(0, port.KernelDrops);
            for (int i = 0; i < 6000; i++)
            {
                peer.Send(inbound);
            }

            long deadline = Environment.TickCount64 + 3000;
            while (port.KernelDrops == 0 && Environment.TickCount64 < deadline)
            {
                Thread.Sleep(10);
            }

            Assert.True(port.KernelDrops > 0, "frames dropped at a full RX ring were not counted");
        }
    }

    private static bool ReceiveMatching(IGuestPortIo io, MessageBatch batch, byte[] expected)
    {
        long deadline = Environment.TickCount64 + 3000;
        while (Environment.TickCount64 < deadline)
        {
            int n = io.Receive(batch);
            Assert.True(n >= 0, $"receive: errno {-n}");
            for (int i = 0; i < n; i++)
            {
                if (batch[i].Valid.SequenceEqual(expected))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static byte[] Frame(byte marker)
    {
        byte[] frame = new byte[64];
        frame.AsSpan(0, 6).Fill(0xff);
        frame[6] = 0x02;
        frame[11] = marker;
        frame[12] = 0x88;
        frame[13] = 0xb5; // IEEE local experimental EtherType
        "TVD-XDP-TEST"u8.CopyTo(frame.AsSpan(14));
        frame[40] = marker;
        return frame;
    }
}
