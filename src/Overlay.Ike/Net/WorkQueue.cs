namespace Overlay.Ike.Net;

/// <summary>
/// A bounded queue between threads that must never wait on each other's machinery: adding never blocks
/// (full answers false), and a taker blocks on the queue's own monitor. Unlike a channel read synchronously,
/// handing an item over wakes exactly one waiting taker directly — no thread-pool work item, no spinning
/// thread-pool worker — which is what a storm of datagrams on a machine whose cores the packet loops need
/// calls for.
/// </summary>
internal sealed class WorkQueue<T>
{
    private readonly Queue<T> _items;
    private readonly int _capacity;
    private readonly object _gate = new();
    private int _waiting;
    private bool _completed;

    public WorkQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _items = new Queue<T>(Math.Min(capacity, 1024));
    }

    /// <summary>Adds <paramref name="item"/> unless the queue is full or completed; never blocks.</summary>
    public bool TryAdd(T item)
    {
        lock (_gate)
        {
            if (_completed || _items.Count >= _capacity)
            {
                return false;
            }

            _items.Enqueue(item);
            if (_waiting > 0)
            {
                Monitor.Pulse(_gate);
            }

            return true;
        }
    }

    /// <summary>Takes the oldest item, waiting for one; false once the queue is completed (what is left stays for <see cref="TryTakeLeft"/>).</summary>
    public bool Take(out T item)
    {
        lock (_gate)
        {
            while (!_completed)
            {
                if (_items.TryDequeue(out item!))
                {
                    return true;
                }

                _waiting++;
                Monitor.Wait(_gate);
                _waiting--;
            }

            item = default!;
            return false;
        }
    }

    /// <summary>After <see cref="Complete"/>: one item nobody took, to release.</summary>
    public bool TryTakeLeft(out T item)
    {
        lock (_gate)
        {
            return _items.TryDequeue(out item!);
        }
    }

    /// <summary>Refuses further items and wakes every taker.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }
}
