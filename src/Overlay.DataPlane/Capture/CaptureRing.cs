using Overlay.DataPlane.Counters;

namespace Overlay.DataPlane.Capture;

/// <summary>What the switch knew of one captured frame, beside its bytes in the ring.</summary>
/// <param name="TimestampTicks">When the switch forwarded it (UTC ticks of the switch's <see cref="TimeProvider"/>).</param>
/// <param name="Ingress">Where it entered the TVD (kind and id as the switch knows them).</param>
/// <param name="Egress">Its first target; with <paramref name="Targets"/> above one, a flood.</param>
/// <param name="Targets">How many endpoints the switch sent it to.</param>
/// <param name="OriginalLength">The frame's whole length.</param>
/// <param name="CapturedLength">How many of its octets the ring kept (at most the snap length).</param>
public readonly record struct CapturedFrame(
    long TimestampTicks, Switching.SwitchEndpoint Ingress, Switching.SwitchEndpoint Egress, int Targets, int OriginalLength, int CapturedLength);

/// <summary>
/// A bounded ring of captured frames between the forwarding threads (any number of producers: each port loop and
/// the underlay loop) and one reader (the capture's control connection). Everything is allocated when the ring is
/// made: <see cref="Capacity"/> slots of <see cref="SnapLength"/> octets each. A producer never waits: it claims a slot
/// with one compare-and-swap (retried at most <see cref="MaxClaimAttempts"/> times when another producer took the
/// same slot first), copies at most the snap length and publishes the slot; when the ring is full, or the claim
/// keeps losing, it counts a drop and returns. That is the stated bound on what a running capture costs a
/// forwarding thread per frame: a few reads, one compare-and-swap, a clock read and one copy of at most
/// <see cref="SnapLength"/> octets for a frame it keeps, and for one it drops two reads and an increment of the thread's own
/// drop cell.
/// The slot protocol is Vyukov's bounded queue: slot i's sequence is the ring position it may be written at next
/// (a producer) or that it holds plus one (the reader).
/// </summary>
public sealed class CaptureRing
{
    /// <summary>Claim attempts before a producer gives up and counts a drop instead of spinning.</summary>
    public const int MaxClaimAttempts = 4;

    /// <summary>Longs between two workers' drop cells: a cache line.</summary>
    private const int CellStride = 8;

    private readonly long[] _sequences;
    private readonly CapturedFrame[] _frames;
    private readonly byte[] _data;
    private readonly int _mask;
    private long _tail;
    private long _head;
    private readonly long[] _dropped = new long[Workers.Cells * CellStride]; // one cache line per worker: see Dropped
    private long _written;

    /// <param name="capacity">Slots; a power of two.</param>
    /// <param name="snapLength">Octets kept of each frame (and the size of each slot).</param>
    public CaptureRing(int capacity, int snapLength)
    {
        if (capacity < 2 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the capacity must be a power of two of at least 2");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(snapLength);
        Capacity = capacity;
        SnapLength = snapLength;
        _mask = capacity - 1;
        _sequences = new long[capacity];
        for (int i = 0; i < capacity; i++)
        {
            _sequences[i] = i;
        }

        _frames = new CapturedFrame[capacity];
        _data = new byte[(long)capacity * snapLength <= Array.MaxLength ? capacity * snapLength : throw new ArgumentOutOfRangeException(nameof(snapLength))];
    }

    public int Capacity { get; }

    public int SnapLength { get; }

    /// <summary>Frames the ring took.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>
    /// Frames offered while the ring was full (or its slot stayed contended): counted, not kept. Under a full-rate flow
    /// nearly every frame lands here, from every forwarding thread of the TVD, so each worker counts in a cache line of
    /// its own (<see cref="Workers"/>): a full ring then costs a thread reads of lines nobody writes per frame, and no
    /// line bounces between cores.
    /// </summary>
    public long Dropped
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _dropped.Length; i += CellStride)
            {
                sum += Interlocked.Read(ref _dropped[i]);
            }

            return sum;
        }
    }

    /// <summary>
    /// A forwarding thread offers a frame: kept (at most <see cref="SnapLength"/> octets) or counted as a drop.
    /// Never blocks, never allocates.
    /// </summary>
    public bool TryWrite(long timestampTicks, Switching.SwitchEndpoint ingress, Switching.SwitchEndpoint egress, int targets, ReadOnlySpan<byte> frame) =>
        TryWrite(null, timestampTicks, ingress, egress, targets, frame);

    /// <summary>
    /// As <see cref="TryWrite(long, Switching.SwitchEndpoint, Switching.SwitchEndpoint, int, ReadOnlySpan{byte})"/>, reading
    /// <paramref name="clock"/> only for a frame the ring keeps: under a full-rate flow most frames find the ring full,
    /// and those cost no clock read.
    /// </summary>
    public bool TryWrite(TimeProvider clock, Switching.SwitchEndpoint ingress, Switching.SwitchEndpoint egress, int targets, ReadOnlySpan<byte> frame) =>
        TryWrite(clock ?? throw new ArgumentNullException(nameof(clock)), 0, ingress, egress, targets, frame);

    private bool TryWrite(TimeProvider? clock, long timestampTicks, Switching.SwitchEndpoint ingress, Switching.SwitchEndpoint egress, int targets, ReadOnlySpan<byte> frame)
    {
        for (int attempt = 0; attempt < MaxClaimAttempts; attempt++)
        {
            long position = Volatile.Read(ref _tail);
            int slot = (int)(position & _mask);
            long sequence = Volatile.Read(ref _sequences[slot]);
            if (sequence < position)
            {
                break; // the reader has not emptied this slot yet: full
            }

            if (sequence > position || Interlocked.CompareExchange(ref _tail, position + 1, position) != position)
            {
                continue; // another producer took this position first
            }

            int captured = Math.Min(frame.Length, SnapLength);
            frame[..captured].CopyTo(_data.AsSpan(slot * SnapLength, captured));
            long stamp = clock is null ? timestampTicks : clock.GetUtcNow().UtcTicks;
            _frames[slot] = new CapturedFrame(stamp, ingress, egress, targets, frame.Length, captured);
            Interlocked.Increment(ref _written);
            Volatile.Write(ref _sequences[slot], position + 1);
            return true;
        }

        Interlocked.Increment(ref _dropped[Workers.Cell * CellStride]);
        return false;
    }

    /// <summary>
    /// The reader takes the oldest published frame, its octets copied to <paramref name="destination"/> (at least
    /// <see cref="SnapLength"/> long). False when none is ready. One reader at a time.
    /// </summary>
    public bool TryRead(Span<byte> destination, out CapturedFrame frame)
    {
        long position = _head;
        int slot = (int)(position & _mask);
        if (Volatile.Read(ref _sequences[slot]) != position + 1)
        {
            frame = default;
            return false;
        }

        frame = _frames[slot];
        _data.AsSpan(slot * SnapLength, frame.CapturedLength).CopyTo(destination);
        Volatile.Write(ref _sequences[slot], position + Capacity);
        _head = position + 1;
        return true;
    }
}
