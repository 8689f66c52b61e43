namespace Overlay.DataPlane.Pools;

/// <summary>
/// A bounded single-consumer FIFO of <see cref="PacketBuffer"/>s between a producer stage (a port's
/// receive loop) and the underlay send stage. A ring of fixed size: enqueue on a full queue fails (a
/// counted drop), nothing allocates. The consumer waits with a timeout so that it notices shutdown.
/// </summary>
public sealed class PacketQueue
{
    private readonly PacketBuffer[] _ring;
    private readonly object _lock = new(); // Monitor, for Wait/Pulse
    private int _head;
    private int _count;
    private bool _completed;

    public PacketQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _ring = new PacketBuffer[capacity];
    }

    public int Capacity => _ring.Length;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>False when the queue is full or completed; the caller keeps the buffer.</summary>
    public bool TryEnqueue(PacketBuffer buffer)
    {
        lock (_lock)
        {
            if (_completed || _count == _ring.Length)
            {
                return false;
            }

            _ring[(_head + _count) % _ring.Length] = buffer;
            _count++;
            if (_count == 1)
            {
                Monitor.Pulse(_lock);
            }
        }

        return true;
    }

    /// <summary>Takes the oldest buffer without waiting.</summary>
    public bool TryDequeue(out PacketBuffer buffer)
    {
        lock (_lock)
        {
            return DequeueLocked(out buffer);
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for a buffer. False on timeout, or when the queue is
    /// completed and empty (then <see cref="IsDrained"/> is true).
    /// </summary>
    public bool TryDequeue(out PacketBuffer buffer, TimeSpan timeout)
    {
        lock (_lock)
        {
            if (_count == 0 && !_completed)
            {
                Monitor.Wait(_lock, timeout);
            }

            return DequeueLocked(out buffer);
        }
    }

    /// <summary>No more enqueues; a waiting consumer wakes up.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _completed = true;
            Monitor.PulseAll(_lock);
        }
    }

    public bool IsDrained
    {
        get
        {
            lock (_lock)
            {
                return _completed && _count == 0;
            }
        }
    }

    private bool DequeueLocked(out PacketBuffer buffer)
    {
        if (_count == 0)
        {
            buffer = null!;
            return false;
        }

        buffer = _ring[_head];
        _ring[_head] = null!;
        _head = (_head + 1) % _ring.Length;
        _count--;
        return true;
    }
}
