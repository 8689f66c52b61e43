using System.Net;

namespace Overlay.Ike.Sa;

/// <summary>One failed IKE negotiation (or part of one) with a peer.</summary>
/// <param name="Address">The peer's address (for a flood of spoofed requests: the claimed source).</param>
/// <param name="Peer">The peer's identity as we know it (the configured one, or the one it sent); null when unknown.</param>
/// <param name="Reason">Why, as a stable reason.</param>
/// <param name="ByPeer">True when the peer refused us (an error notify it sent); false when we refused it or gave up.</param>
/// <param name="Detail">What exactly happened, in words (the notify, the step, the policy's reason).</param>
public sealed record IkeFailure(IPAddress Address, string? Peer, IkeFailureReason Reason, bool ByPeer, string Detail);

/// <summary>Where a failure that is due for the log goes (the daemon logs it).</summary>
public interface IIkeFailureLog
{
    /// <param name="failure">The failure.</param>
    /// <param name="suppressed">How many more failures of the same peer and reason the rate limit held back since the last line.</param>
    void Log(IkeFailure failure, long suppressed);
}

/// <summary>
/// Counts every IKE failure by reason and passes it to the log at most once per (peer address, reason) per
/// <see cref="Window"/>, with how many were held back since; a peer that keeps failing the same way every retry
/// interval gives one line a window, not one a try. Memory is bounded: at most <see cref="MaxTracked"/> (address,
/// reason) pairs are remembered (a flood of spoofed sources is counted, and logged once per window as a whole when
/// the table is full). Thread-safe: IKE workers and timers record concurrently.
/// </summary>
public sealed class IkeFailureRecorder
{
    /// <summary>How many (address, reason) pairs the rate limit remembers.</summary>
    public const int MaxTracked = 1024;

    private static readonly IPAddress Overflow = IPAddress.IPv6None;

    private readonly long[] _counts = new long[IkeFailureReasons.All.Count];
    private readonly Dictionary<(IPAddress, IkeFailureReason), Slot> _slots = [];
    private readonly Dictionary<IPAddress, IkeFailure> _lastByAddress = [];
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly IIkeFailureLog? _log;

    public IkeFailureRecorder(TimeProvider time, IIkeFailureLog? log, TimeSpan? window = null)
    {
        _time = time;
        _log = log;
        Window = window ?? TimeSpan.FromMinutes(1);
    }

    /// <summary>At most one log line per (peer address, reason) in this time.</summary>
    public TimeSpan Window { get; }

    /// <summary>How many failures of <paramref name="reason"/> there were (every one, logged or not).</summary>
    public long Count(IkeFailureReason reason) => Interlocked.Read(ref _counts[(int)reason]);

    /// <summary>The last failure recorded with a peer address, with when; null when none.</summary>
    public (IkeFailure Failure, DateTimeOffset At)? Last(IPAddress address)
    {
        lock (_lock)
        {
            return _lastByAddress.TryGetValue(address, out IkeFailure? f) && _slots.TryGetValue((address, f.Reason), out Slot? s)
                ? (f, s.LastAt)
                : null;
        }
    }

    /// <summary>Counts <paramref name="failure"/> and logs it unless the same peer and reason was logged within the window.</summary>
    public void Record(IkeFailure failure)
    {
        Interlocked.Increment(ref _counts[(int)failure.Reason]);
        DateTimeOffset now = _time.GetUtcNow();
        long suppressed;
        lock (_lock)
        {
            var key = (failure.Address, failure.Reason);
            if (!_slots.TryGetValue(key, out Slot? slot))
            {
                if (_slots.Count >= MaxTracked && !Prune(now))
                {
                    key = (Overflow, failure.Reason);
                }

                slot = _slots.GetValueOrDefault(key);
                if (slot is null)
                {
                    _slots[key] = slot = new Slot { LoggedAt = DateTimeOffset.MinValue };
                }
            }

            slot.LastAt = now;
            if (key.Item1 != Overflow)
            {
                _lastByAddress[failure.Address] = failure;
            }

            if (now - slot.LoggedAt < Window)
            {
                slot.Suppressed++;
                return;
            }

            (suppressed, slot.Suppressed, slot.LoggedAt) = (slot.Suppressed, 0, now);
        }

        _log?.Log(failure, suppressed);
    }

    /// <summary>Forgets pairs not seen for a window (their next failure is logged anyway); false when none could go.</summary>
    private bool Prune(DateTimeOffset now)
    {
        var stale = _slots.Where(s => now - s.Value.LastAt >= Window).Select(s => s.Key).ToList();
        foreach (var key in stale)
        {
            _slots.Remove(key);
            if (_lastByAddress.TryGetValue(key.Item1, out IkeFailure? last) && last.Reason == key.Item2)
            {
                _lastByAddress.Remove(key.Item1);
            }
        }

        return stale.Count > 0;
    }

    private sealed class Slot
    {
        public DateTimeOffset LoggedAt;
        public DateTimeOffset LastAt;
        public long Suppressed;
    }
}
