using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Replay;
using Overlay.DataPlane.Sa;
using Overlay.DataPlane.Switching;
using Overlay.DataPlane.Tests.Frames;

namespace Overlay.DataPlane.Tests.Esp;

/// <summary>The per-packet paths allocate nothing (warm-up first, then count this thread's allocations).</summary>
public sealed class AllocationTests
{
    [Fact]
    public void Tunnel_encapsulate_and_decapsulate_allocate_nothing()
    {
        (EspSa outbound, EspSa inbound) = TestSas.Pair();
        byte[] frame = TestFrames.Frame(TestFrames.B, TestFrames.A, 1400);
        var packet = new byte[EtherIpTunnel.GetPacketLength(frame.Length)];

        long allocated = Measure(() =>
        {
            EtherIpTunnel.Encapsulate(outbound, frame, packet, out _);
            EtherIpTunnel.Decapsulate(inbound, packet, out _);
        });

        Assert.Equal(0, allocated);
        Assert.Equal(outbound.Traffic.Packets, inbound.Traffic.Packets);
    }

    [Fact]
    public void Replayed_and_truncated_packets_allocate_nothing()
    {
        (EspSa outbound, EspSa inbound) = TestSas.Pair();
        var packet = new byte[EspSa.GetSealedLength(100)];
        outbound.TrySeal(new byte[100], 97, packet, out _);
        var inner = new byte[packet.Length];
        inbound.TryOpen(packet, inner, out _, out _);

        long allocated = Measure(() =>
        {
            inbound.TryOpen(packet, inner, out _, out _); // replay
            inbound.TryOpen(packet.AsSpan(0, 20), inner, out _, out _); // truncated
        });

        Assert.Equal(0, allocated);
        Assert.True(inbound.Drops[DropReason.Replay] > 1000);
    }

    [Theory]
    [InlineData(EspCipher.AesGcm128)]
    [InlineData(EspCipher.AesGcm256)]
    public void Forged_ICVs_allocate_nothing(EspCipher cipher)
    {
        // 10,000 forged 1400-byte packets each reach AES-GCM (far ahead of the window, never
        // marked) and fail there: a result and a count, no exception object.
        (EspSa outbound, EspSa inbound) = TestSas.Pair(cipher);
        var packet = new byte[EspSa.GetSealedLength(1400)];
        outbound.TrySeal(new byte[1400], 97, packet, out _);
        packet[^1] ^= 1;
        var inner = new byte[packet.Length];

        long allocated = Measure(() => inbound.TryOpen(packet, inner, out _, out _), iterations: 10_000);

        Assert.Equal(0, allocated);
        Assert.Equal(10_200, inbound.Drops[DropReason.AuthFailed]);
        Assert.Equal(0, inbound.Traffic.Packets);
    }

    [Fact]
    public void Replay_window_and_switch_decisions_allocate_nothing()
    {
        var window = new ReplayWindow(4096);
        var sw = new TvdSwitch();
        sw.AttachPort(1, 10, "red");
        sw.AttachPort(2, 10, "red");
        sw.AttachTunnel(3, 10, "red");
        byte[] broadcast = TestFrames.Frame(MacAddress.Broadcast, TestFrames.A);
        byte[] unicast = TestFrames.Frame(TestFrames.A, TestFrames.B);
        var targets = new SwitchEndpoint[8];
        ulong seq = 0;

        long allocated = Measure(() =>
        {
            seq += 3;
            if (window.CanAccept(seq))
            {
                window.MarkAuthenticated(seq);
            }

            sw.Decide(SwitchEndpoint.Local(1), broadcast, targets);
            sw.Decide(SwitchEndpoint.Local(2), unicast, targets);
        });

        Assert.Equal(0, allocated);
    }

    /// <summary>
    /// Bytes allocated by <paramref name="iterations"/> calls in steady state: the least of a few rounds,
    /// because the runtime itself may allocate on this thread while it moves the code to a higher JIT
    /// tier (later when parallel tests keep the JIT busy). Code that allocates per call never reaches 0.
    /// </summary>
    private static long Measure(Action body, int iterations = 5000)
    {
        for (int i = 0; i < 200; i++)
        {
            body();
        }

        long least = long.MaxValue;
        for (int round = 0; round < 5 && least > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < iterations; i++)
            {
                body();
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
