using Overlay.DataPlane.Capture;
using Overlay.DataPlane.Switching;

namespace Overlay.DataPlane.Tests.Capture;

public sealed class CaptureRingTests
{
    private static readonly SwitchEndpoint In = SwitchEndpoint.Local(1);
    private static readonly SwitchEndpoint Out = SwitchEndpoint.Remote(2);

    [Fact]
    public void Frames_come_out_in_order_with_what_the_switch_knew()
    {
        var ring = new CaptureRing(8, 64);
        Assert.True(ring.TryWrite(10, In, Out, 1, Bytes(40, 1)));
        Assert.True(ring.TryWrite(11, Out, In, 3, Bytes(50, 2)));

        byte[] scratch = new byte[64];
        Assert.True(ring.TryRead(scratch, out CapturedFrame first));
        Assert.Equal(new CapturedFrame(10, In, Out, 1, 40, 40), first);
        Assert.Equal(Bytes(40, 1), scratch[..40]);
        Assert.True(ring.TryRead(scratch, out CapturedFrame second));
        Assert.Equal(new CapturedFrame(11, Out, In, 3, 50, 50), second);
        Assert.Equal(Bytes(50, 2), scratch[..50]);
        Assert.False(ring.TryRead(scratch, out _));
        Assert.Equal((2, 0), (ring.Written, ring.Dropped));
    }

    [Fact]
    public void A_frame_longer_than_the_snap_length_keeps_its_head_and_its_original_length()
    {
        var ring = new CaptureRing(2, 64);
        byte[] frame = Bytes(1514, 7);
        Assert.True(ring.TryWrite(1, In, Out, 1, frame));
        byte[] scratch = new byte[64];
        Assert.True(ring.TryRead(scratch, out CapturedFrame captured));
        Assert.Equal((1514, 64), (captured.OriginalLength, captured.CapturedLength));
        Assert.Equal(frame[..64], scratch);
    }

    [Fact]
    public void A_full_ring_drops_and_counts_instead_of_waiting_or_growing()
    {
        var ring = new CaptureRing(4, 32);
        for (int i = 0; i < 4; i++)
        {
            Assert.True(ring.TryWrite(i, In, Out, 1, Bytes(32, (byte)i)));
        }

        for (int i = 0; i < 10; i++)
        {
            Assert.False(ring.TryWrite(100 + i, In, Out, 1, Bytes(32, 9)));
        }

        Assert.Equal((4, 10), (ring.Written, ring.Dropped));

        // The reader frees a slot: the next frame fits again, and the dropped ones never appear.
        byte[] scratch = new byte[32];
        Assert.True(ring.TryRead(scratch, out CapturedFrame oldest));
        Assert.Equal(0, oldest.TimestampTicks);
        Assert.True(ring.TryWrite(200, In, Out, 1, Bytes(32, 5)));
        long[] order = [.. Drain(ring).Select(f => f.TimestampTicks)];
        Assert.Equal([1, 2, 3, 200], order);
    }

    [Fact]
    public void Writing_allocates_nothing_per_frame_also_when_full()
    {
        var ring = new CaptureRing(1024, 1514);
        byte[] frame = Bytes(1514, 3);
        long written = AllocationMeter.Measure(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                ring.TryWrite(i, In, Out, 1, frame);
            }
        });
        Assert.Equal(0, written);
        Assert.True(ring.Dropped > 0); // the second 1000 found the ring full: dropping is free too

        byte[] scratch = new byte[1514];
        long read = AllocationMeter.Measure(() =>
        {
            while (ring.TryRead(scratch, out _))
            {
            }
        });
        Assert.Equal(0, read);
    }

    [Fact]
    public async Task Concurrent_producers_never_lose_count_and_never_mix_two_frames_in_a_slot()
    {
        var ring = new CaptureRing(256, 128);
        const int Producers = 4;
        const int PerProducer = 20_000;
        long consumed = 0;
        bool torn = false;
        using var done = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            byte[] scratch = new byte[128];
            while (true)
            {
                bool finished = done.IsCancellationRequested;
                while (ring.TryRead(scratch, out CapturedFrame f))
                {
                    consumed++;
                    byte tag = (byte)f.Targets;
                    torn |= f.CapturedLength != 100 || scratch.AsSpan(0, 100).ContainsAnyExcept(tag);
                }

                if (finished)
                {
                    return;
                }

                Thread.Yield();
            }
        });
        Task[] writers = [.. Enumerable.Range(1, Producers).Select(p => Task.Run(() =>
        {
            byte[] frame = Bytes(100, (byte)p);
            for (int i = 0; i < PerProducer; i++)
            {
                ring.TryWrite(i, In, Out, p, frame);
            }
        }))];
        await Task.WhenAll(writers);
        await done.CancelAsync();
        await reader;

        Assert.False(torn, "a slot held bytes of two frames, or a frame of the wrong length");
        Assert.Equal(Producers * PerProducer, ring.Written + ring.Dropped);
        Assert.Equal(ring.Written, consumed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1000)]
    public void The_capacity_must_be_a_power_of_two(int capacity) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new CaptureRing(capacity, 64));

    private static List<CapturedFrame> Drain(CaptureRing ring)
    {
        var frames = new List<CapturedFrame>();
        byte[] scratch = new byte[ring.SnapLength];
        while (ring.TryRead(scratch, out CapturedFrame f))
        {
            frames.Add(f);
        }

        return frames;
    }

    private static byte[] Bytes(int length, byte value)
    {
        byte[] bytes = new byte[length];
        bytes.AsSpan().Fill(value);
        return bytes;
    }
}
