using Overlay.Ike.Net;

namespace Overlay.Ike.Tests.Net;

/// <summary>IKE's hand-off between the receiving thread and the workers: bounded, never blocking the adder.</summary>
public sealed class WorkQueueTests
{
    [Fact]
    public void A_full_queue_refuses_at_once_and_items_come_out_in_order()
    {
        var queue = new WorkQueue<int>(capacity: 3);
        Assert.True(queue.TryAdd(1));
        Assert.True(queue.TryAdd(2));
        Assert.True(queue.TryAdd(3));
        Assert.False(queue.TryAdd(4)); // full: the receiver drops and counts, it never waits

        Assert.True(queue.Take(out int first));
        Assert.Equal(1, first);
        Assert.True(queue.TryAdd(4));
        Assert.Equal([2, 3, 4], [Take(queue), Take(queue), Take(queue)]);
    }

    [Fact]
    public void A_waiting_taker_gets_the_next_item_and_completion_releases_every_taker()
    {
        var queue = new WorkQueue<int>(capacity: 8);
        var taken = new List<int>();
        var results = new bool[3];
        Thread[] takers = [.. Enumerable.Range(0, 3).Select(i => new Thread(() =>
        {
            while (queue.Take(out int item))
            {
                lock (taken)
                {
                    taken.Add(item);
                }
            }

            results[i] = true; // returned false: completed
        }))];
        foreach (Thread t in takers)
        {
            t.Start();
        }

        for (int i = 0; i < 100; i++)
        {
            while (!queue.TryAdd(i))
            {
                Thread.Yield();
            }
        }

        SpinWait.SpinUntil(() => { lock (taken) { return taken.Count == 100; } }, TimeSpan.FromSeconds(10));
        queue.Complete();
        foreach (Thread t in takers)
        {
            Assert.True(t.Join(TimeSpan.FromSeconds(10)), "a taker stayed blocked after Complete");
        }

        Assert.Equal(Enumerable.Range(0, 100), taken.Order());
        Assert.All(results, Assert.True);
    }

    [Fact]
    public void After_completion_nothing_is_added_and_what_was_left_can_be_released()
    {
        var queue = new WorkQueue<string>(capacity: 4);
        queue.TryAdd("a");
        queue.TryAdd("b");
        queue.Complete();

        Assert.False(queue.TryAdd("c"));
        Assert.False(queue.Take(out _));
        Assert.True(queue.TryTakeLeft(out string? left));
        Assert.Equal("a", left);
        Assert.True(queue.TryTakeLeft(out left));
        Assert.Equal("b", left);
        Assert.False(queue.TryTakeLeft(out _));
    }

    private static int Take(WorkQueue<int> queue) => queue.Take(out int item) ? item : throw new InvalidOperationException("completed");
}
