namespace Overlay.DataPlane.Xdp;

/// <summary>
/// One single-producer/single-consumer ring shared with the kernel (fill, completion, RX or TX),
/// mapped from the AF_XDP socket. The kernel owns one end: we read its index with acquire semantics
/// and publish ours with release semantics (Volatile), and keep cached copies so that most calls touch
/// no shared cache line. Entries are <see cref="EntrySize"/> bytes (8: a UMEM address; 16: xdp_desc).
/// Not thread-safe: each ring has one owner in <see cref="XskSocket"/>.
/// </summary>
internal sealed unsafe class XskRing
{
    private readonly uint* _producer;
    private readonly uint* _consumer;
    private readonly uint* _flags;
    private readonly byte* _entries;
    private readonly uint _mask;
    private uint _cachedProducer;
    private uint _cachedConsumer;

    public XskRing(byte* mapping, ulong producer, ulong consumer, ulong entries, ulong flags, uint size, int entrySize)
    {
        _producer = (uint*)(mapping + producer);
        _consumer = (uint*)(mapping + consumer);
        _flags = (uint*)(mapping + flags);
        _entries = mapping + entries;
        Size = size;
        EntrySize = entrySize;
        _mask = size - 1;
        _cachedProducer = Volatile.Read(ref *_producer);
        _cachedConsumer = Volatile.Read(ref *_consumer);
    }

    public uint Size { get; }

    public int EntrySize { get; }

    /// <summary>The kernel asks for a syscall to make progress (XDP_USE_NEED_WAKEUP).</summary>
    public bool NeedsWakeup => (Volatile.Read(ref *_flags) & Interop.LinuxXdpConstants.XDP_RING_NEED_WAKEUP) != 0;

    // --- our side produces (fill, TX) ---

    /// <summary>
    /// Slots we may fill now; the kernel's consumer index is read again when the cached count is below
    /// <paramref name="needed"/> (a multi-buffer frame needs several slots at once).
    /// </summary>
    public uint FreeToProduce(uint needed = 1)
    {
        uint free = Size - (_cachedProducer - _cachedConsumer);
        if (free < needed)
        {
            _cachedConsumer = Volatile.Read(ref *_consumer);
            free = Size - (_cachedProducer - _cachedConsumer);
        }

        return free;
    }

    /// <summary>The next entry to fill (valid until <see cref="Submit"/>); call after checking <see cref="FreeToProduce"/>.</summary>
    public byte* NextToProduce() => _entries + ((_cachedProducer++ & _mask) * (uint)EntrySize);

    /// <summary>Publishes every entry produced since the last submit.</summary>
    public void Submit() => Volatile.Write(ref *_producer, _cachedProducer);

    // --- our side consumes (RX, completion) ---

    /// <summary>Entries ready to read now.</summary>
    public uint AvailableToConsume()
    {
        uint available = _cachedProducer - _cachedConsumer;
        if (available == 0)
        {
            _cachedProducer = Volatile.Read(ref *_producer);
            available = _cachedProducer - _cachedConsumer;
        }

        return available;
    }

    /// <summary>The entry <paramref name="index"/> places after the consumer position.</summary>
    public byte* Peek(uint index) => _entries + (((_cachedConsumer + index) & _mask) * (uint)EntrySize);

    /// <summary>Hands <paramref name="count"/> read entries back to the kernel.</summary>
    public void Release(uint count)
    {
        _cachedConsumer += count;
        Volatile.Write(ref *_consumer, _cachedConsumer);
    }
}
