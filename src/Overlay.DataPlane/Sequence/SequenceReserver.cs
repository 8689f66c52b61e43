using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Overlay.DataPlane.Esp;

namespace Overlay.DataPlane.Sequence;

/// <summary>
/// Keeps statically keyed outbound SAs from ever reusing a sequence number (their AES-GCM IV, RFC 4106 §3.1 and
/// §8) across restarts and crashes: before numbers are used, the highest of them is recorded durably in an
/// <see cref="ISequenceStore"/>, a block at a time.
/// <list type="bullet">
/// <item><see cref="Open"/> (binding time) loads the SA's mark M, records M + block and returns a counter that
/// starts at M + 1: strictly above anything a previous run could have sent, even one killed mid-stream.</item>
/// <item>When the counter hands out the number half a block before its reservation ends, it wakes this
/// reserver's thread (<c>tvd seq reserve</c>), which records the next block and then lets the counter use it.
/// The packet path never waits for storage: if it reaches the end of its reservation first, it drops the packet
/// and counts it (<c>sequence_not_reserved</c>); a failed write is retried every <see cref="RetryDelay"/>.</item>
/// <item>At the end of the space (2^32 - 1, or 2^64 - 2 with ESN) nothing more is reserved; the SA expires on
/// its last number (<c>sa_expired</c>), and a store whose mark is already there refuses <see cref="Open"/>.</item>
/// </list>
/// Block size: <see cref="DefaultBlock"/> (2^20). One write per 2^20 packets is nothing even at line rate (one
/// fsync every ~5 s at 200 kpps), and half a block of headroom (~2.6 s at 200 kpps) outlasts a slow disk's
/// fsync. A restart skips at most 1.5 blocks: with ESN nothing; without ESN 2^32 lasts ~2,700 restarts (or
/// ~6 hours of traffic at 200 kpps, which a 32-bit SA cannot outlive anyway).
/// </summary>
public sealed class SequenceReserver : IDisposable
{
    /// <summary>Numbers reserved per write (see the type's remarks for why 2^20).</summary>
    public const ulong DefaultBlock = 1UL << 20;

    private readonly ISequenceStore _store;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<SequenceStateKey, OutboundSequence> _sequences = [];
    private readonly ManualResetEventSlim _wake = new(false);
    private OutboundSequence[] _snapshot = [];
    private Thread? _thread;
    private volatile bool _stopping;
    private long _reservations;
    private long _failures;

    public SequenceReserver(ISequenceStore store, ulong block = DefaultBlock, TimeSpan? retryDelay = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (block < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(block), block, "a block holds at least 2 numbers (half of it is the headroom)");
        }

        _store = store;
        Block = block;
        RetryDelay = retryDelay ?? TimeSpan.FromSeconds(1);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Numbers reserved per write.</summary>
    public ulong Block { get; }

    /// <summary>How long after a failed write the next attempt is made.</summary>
    public TimeSpan RetryDelay { get; }

    public ISequenceStore Store => _store;

    /// <summary>Durable writes made (each a block for one SA), the first of each SA included.</summary>
    public long Reservations => Interlocked.Read(ref _reservations);

    /// <summary>Writes that failed (each retried).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>The counters opened so far.</summary>
    public IReadOnlyList<OutboundSequence> Sequences => Volatile.Read(ref _snapshot);

    /// <summary>
    /// The counter of the outbound SA <paramref name="spi"/> with <paramref name="keyMaterial"/> (key and salt):
    /// the same object for the same SPI and key (an SA installed again continues), else a new one whose first
    /// block is durable before this returns. Throws <see cref="SequenceStateException"/> when the record cannot
    /// be read, is corrupt, cannot be written, or says the space is used up (<see cref="SequenceStateException.Exhausted"/>).
    /// </summary>
    public OutboundSequence Open(uint spi, ReadOnlySpan<byte> keyMaterial, bool extendedSequenceNumbers)
    {
        SequenceStateKey key = SequenceStateKey.For(spi, keyMaterial);
        ulong max = extendedSequenceNumbers ? EspConstants.MaxSequence64 : EspConstants.MaxSequence32;
        lock (_lock)
        {
            if (_sequences.TryGetValue(key, out OutboundSequence? known))
            {
                return known.Max == max
                    ? known
                    : throw new SequenceStateException($"{key}: opened with and without ESN in one run; its numbers would not be one space");
            }

            ulong mark = _store.Load(key);
            if (mark >= max)
            {
                throw new SequenceStateException(
                    $"{_store.Describe(key)}: every sequence number of SA 0x{spi:x8} up to {max} is used under this key " +
                    $"({(extendedSequenceNumbers ? "ESN" : "32-bit")}); it cannot send again without a new key")
                { Exhausted = true };
            }

            ulong reserved = mark + Math.Min(Block, max - mark);
            _store.Save(key, reserved);
            Interlocked.Increment(ref _reservations);
            var sequence = OutboundSequence.Persistent(key, mark, reserved, RequestPoint(reserved, max), max, this);
            _sequences.Add(key, sequence);
            _snapshot = [.. _sequences.Values];
            SequenceLog.Opened(_logger, spi, key.KeyFingerprint, mark, reserved, _store.Describe(key));
            return sequence;
        }
    }

    /// <summary>Starts the thread that reserves ahead. Idempotent.</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_thread is not null || _stopping)
            {
                return;
            }

            _thread = new Thread(Run) { IsBackground = true, Name = "tvd seq reserve" };
            _thread.Start();
        }
    }

    /// <summary>Stops the thread. Counters keep working within what is reserved; beyond it they drop.</summary>
    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        _thread?.Join(TimeSpan.FromSeconds(10));
    }

    /// <summary>Called from the packet path: never blocks (a set flag and, when someone waits, one pulse).</summary>
    internal void Wake() => _wake.Set();

    /// <summary>
    /// Reserves one block for every counter that asked. The thread calls it on each wake; tests call it directly.
    /// Returns false when a write failed (the counter keeps asking).
    /// </summary>
    internal bool ReserveRequested()
    {
        bool allDone = true;
        foreach (OutboundSequence sequence in Volatile.Read(ref _snapshot))
        {
            if (sequence.Wanted && !TryExtend(sequence))
            {
                allDone = false;
            }
        }

        return allDone;
    }

    private void Run()
    {
        bool retry = false;
        while (!_stopping)
        {
            _wake.Wait(retry ? RetryDelay : Timeout.InfiniteTimeSpan);
            _wake.Reset();
            if (_stopping)
            {
                break;
            }

            retry = !ReserveRequested();
        }
    }

    private bool TryExtend(OutboundSequence sequence)
    {
        SequenceStateKey key = sequence.Key!.Value;
        ulong current = sequence.Reserved;
        if (current >= sequence.Max)
        {
            sequence.Extend(current, OutboundSequence.NoRequest);
            return true;
        }

        ulong next = current + Math.Min(Block, sequence.Max - current);
        try
        {
            _store.Save(key, next);
        }
        catch (SequenceStateException e)
        {
            // Logged each time: at most once per RetryDelay per SA.
            Interlocked.Increment(ref _failures);
            SequenceLog.ReserveFailed(_logger, key.Spi, key.KeyFingerprint, current, e.Message);
            return false;
        }

        Interlocked.Increment(ref _reservations);
        sequence.Extend(next, RequestPoint(next, sequence.Max));
        return true;
    }

    /// <summary>Half a block before the reservation ends; none once it reaches the end of the space.</summary>
    private ulong RequestPoint(ulong reserved, ulong max) => reserved >= max ? OutboundSequence.NoRequest : reserved - (Block / 2);
}
