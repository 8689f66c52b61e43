namespace Overlay.DataPlane.Pools;

/// <summary>
/// A bounded pool of <see cref="PacketBuffer"/>s, all created up front. Renting from an empty pool
/// fails (the caller counts a drop) instead of allocating or blocking: under overload the data plane
/// sheds packets, it never grows. Thread-safe; one short lock per rent/return.
/// </summary>
public sealed class PacketBufferPool
{
    private readonly PacketBuffer[] _free;
    private readonly Lock _lock = new();
    private int _count;

    public PacketBufferPool(int capacity, int bufferSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 64);
        BufferSize = bufferSize;
        Capacity = capacity;
        _free = new PacketBuffer[capacity];
        for (int i = 0; i < capacity; i++)
        {
            _free[i] = new PacketBuffer(bufferSize);
        }

        _count = capacity;
    }

    public int BufferSize { get; }

    public int Capacity { get; }

    /// <summary>Buffers currently in the pool (not rented).</summary>
    public int Available
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    public bool TryRent(out PacketBuffer buffer)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                buffer = null!;
                return false;
            }

            buffer = _free[--_count];
            _free[_count] = null!;
        }

        return true;
    }

    /// <summary>Returns a buffer rented from this pool; its length and target are cleared.</summary>
    public void Return(PacketBuffer buffer)
    {
        buffer.Length = 0;
        buffer.Target = 0;
        lock (_lock)
        {
            if (_count == _free.Length || buffer.Data.Length != BufferSize)
            {
                return; // not ours, or returned twice: drop it rather than corrupt the pool
            }

            _free[_count++] = buffer;
        }
    }
}
