namespace Overlay.DataPlane.Sequence;

/// <summary>What <see cref="OutboundSequence.TryNext"/> gave.</summary>
public enum SequenceTake
{
    Ok,

    /// <summary>The SA's sequence space is used up (RFC 4303 §3.3.3): it must never send again.</summary>
    Exhausted,

    /// <summary>The next number lies beyond what is durably reserved: drop this packet, a reservation is on its way.</summary>
    NotReserved,
}

/// <summary>
/// The sequence counter of one outbound SA — its AES-GCM IV (RFC 4106 §3.1). An IKE-made SA has a fresh one
/// (<see cref="Fresh"/>: from 1, bounded only by the sequence space); a statically keyed SA gets one from a
/// <see cref="SequenceReserver"/>, which continues strictly above the mark its store recorded and hands out
/// only numbers that are durably reserved: after a crash, the next start continues above every number this
/// one could have used. It outlives the SA objects that use it, so an SA removed and installed again with
/// the same key continues too.
/// <para>
/// Thread-safe and lock-free: any number of sealing threads call <see cref="TryNext"/>; each number is handed
/// out once. The reserver raises <see cref="Reserved"/> from its own thread.
/// </para>
/// </summary>
public sealed class OutboundSequence
{
    /// <summary>No reservation request pending at any sequence number.</summary>
    internal const ulong NoRequest = ulong.MaxValue;

    private readonly SequenceReserver? _reserver;
    private ulong _last;
    private ulong _reserved;
    private ulong _requestAt;
    private int _wanted;

    private OutboundSequence(ulong last, ulong reserved, ulong requestAt, ulong max, SequenceReserver? reserver, SequenceStateKey? key)
    {
        _last = last;
        _reserved = reserved;
        _requestAt = requestAt;
        Max = max;
        _reserver = reserver;
        Key = key;
    }

    /// <summary>A counter from 1 with no reservation: keys that are used once (IKE's CHILD_SAs).</summary>
    public static OutboundSequence Fresh(ulong max) => new(0, ulong.MaxValue, NoRequest, max, null, null);

    internal static OutboundSequence Persistent(SequenceStateKey key, ulong mark, ulong reserved, ulong requestAt, ulong max, SequenceReserver reserver) =>
        new(mark, reserved, requestAt, max, reserver, key);

    /// <summary>The state's name, for a persistent counter.</summary>
    public SequenceStateKey? Key { get; }

    /// <summary>Whether numbers are reserved durably before use.</summary>
    public bool IsPersistent => _reserver is not null;

    /// <summary>The last usable number of the SA's space (2^32 - 1 or, with ESN, 2^64 - 2).</summary>
    public ulong Max { get; }

    /// <summary>The last number handed out (0 before the first).</summary>
    public ulong Last => Volatile.Read(ref _last);

    /// <summary>The highest number that may be handed out now (durably reserved); ulong.MaxValue when not persistent.</summary>
    public ulong Reserved => Volatile.Read(ref _reserved);

    /// <summary>Set when the packet path asked the reserver for more and it has not delivered yet.</summary>
    internal bool Wanted => Volatile.Read(ref _wanted) != 0;

    /// <summary>
    /// The next number: <see cref="SequenceTake.Ok"/> with a number never handed out before (under this key,
    /// across restarts for a persistent counter), or why not. Allocation-free, never blocks; asks the reserver
    /// for the next block when the number handed out is its request point or when the reservation ran out.
    /// </summary>
    public SequenceTake TryNext(out ulong sequence)
    {
        ulong last = Volatile.Read(ref _last);
        while (true)
        {
            if (last >= Max)
            {
                sequence = 0;
                return SequenceTake.Exhausted;
            }

            if (last >= Volatile.Read(ref _reserved))
            {
                sequence = 0;
                Request();
                return SequenceTake.NotReserved;
            }

            ulong seen = Interlocked.CompareExchange(ref _last, last + 1, last);
            if (seen == last)
            {
                sequence = last + 1;
                if (sequence == Volatile.Read(ref _requestAt))
                {
                    Request();
                }

                return SequenceTake.Ok;
            }

            last = seen;
        }
    }

    /// <summary>Sets the last number handed out (tests of ESN rollover and exhaustion on fresh counters).</summary>
    internal void Prime(ulong last) => Volatile.Write(ref _last, last);

    /// <summary>
    /// The reserver made <paramref name="reserved"/> durable: numbers up to it may be used, and the next block
    /// is asked for when <paramref name="requestAt"/> is handed out. The request point is published and the
    /// pending request cleared before the reservation, so no number past the old reservation (the new request
    /// point among them) can be handed out while a request would still be swallowed. A request between the
    /// two only costs one reservation made early.
    /// </summary>
    internal void Extend(ulong reserved, ulong requestAt)
    {
        Volatile.Write(ref _requestAt, requestAt);
        Volatile.Write(ref _wanted, 0);
        Volatile.Write(ref _reserved, reserved);
    }

    private void Request()
    {
        if (_reserver is not null && Interlocked.Exchange(ref _wanted, 1) == 0)
        {
            _reserver.Wake();
        }
    }

    public override string ToString() => Key is { } key ? $"{key}: last {Last}, reserved {Reserved}" : $"fresh: last {Last}";
}
