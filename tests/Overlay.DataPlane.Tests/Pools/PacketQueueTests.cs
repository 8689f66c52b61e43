using Overlay.DataPlane.Pools;

namespace Overlay.DataPlane.Tests.Pools;

public sealed class PacketQueueTests
{
    [Fact]
    public void Pool_is_bounded_and_refuses_when_empty()
    {
        var pool = new PacketBufferPool(2, 2048);
        Assert.True(pool.TryRent(out PacketBuffer a));
        Assert.True(pool.TryRent(out PacketBuffer b));
        Assert.False(pool.TryRent(out _));
        a.Length = 10;
        a.Target = 3;
        pool.Return(a);
        Assert.True(pool.TryRent(out PacketBuffer again));
        Assert.Same(a, again);
        Assert.Equal(0, again.Length);
        Assert.Equal(0, again.Target);
        pool.Return(b);
        pool.Return(again);
        pool.Return(new PacketBufferPool(1, 2048).TryRent(out PacketBuffer foreign) ? foreign : null!);
        Assert.Equal(2, pool.Available);
    }

    [Fact]
    public void Queue_is_fifo_bounded_and_drains_after_completion()
    {
        var pool = new PacketBufferPool(4, 2048);
        var queue = new PacketQueue(2);
        pool.TryRent(out PacketBuffer a);
        pool.TryRent(out PacketBuffer b);
        pool.TryRent(out PacketBuffer c);
        Assert.True(queue.TryEnqueue(a));
        Assert.True(queue.TryEnqueue(b));
        Assert.False(queue.TryEnqueue(c));
        queue.Complete();
        Assert.False(queue.TryEnqueue(c));
        Assert.False(queue.IsDrained);
        Assert.True(queue.TryDequeue(out PacketBuffer first, TimeSpan.FromSeconds(1)));
        Assert.Same(a, first);
        Assert.True(queue.TryDequeue(out PacketBuffer second));
        Assert.Same(b, second);
        Assert.False(queue.TryDequeue(out _, TimeSpan.FromSeconds(1)));
        Assert.True(queue.IsDrained);
    }

    [Fact]
    public async Task A_waiting_consumer_wakes_on_enqueue()
    {
        var pool = new PacketBufferPool(1, 2048);
        var queue = new PacketQueue(4);
        pool.TryRent(out PacketBuffer a);
        var consumer = Task.Run(() => queue.TryDequeue(out _, TimeSpan.FromSeconds(10)));
        await Task.Delay(50);
        queue.TryEnqueue(a);
        Assert.True(await consumer.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
