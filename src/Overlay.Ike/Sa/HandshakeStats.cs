using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Overlay.Ike.Sa;

/// <summary>
/// How new IKE SAs' handshakes (IKE_SA_INIT + IKE_AUTH, as initiator or responder; not rekeys) ended: a count per
/// (result, reason), read by status and metrics, and an event per handshake with its duration for whoever records
/// latency. Reasons are a bounded set (<see cref="HandshakeReasons"/>), never a peer's free text, so a
/// label made of one stays bounded. Thread-safe; recorded off the packet path, once per handshake.
/// </summary>
public sealed class HandshakeStats
{
    private readonly ConcurrentDictionary<(string Result, string Reason), StrongBox<long>> _counts = new();

    /// <summary>
    /// Raised once per handshake, on the IKE thread that ended it, with the SA's lock held: handlers record and return,
    /// they must not block nor throw.
    /// </summary>
    public event Action<HandshakeOutcome>? Completed;

    /// <summary>Counts one outcome and tells the observers.</summary>
    public void Record(HandshakeOutcome outcome)
    {
        StrongBox<long> box = _counts.GetOrAdd((outcome.Result, outcome.Reason), static _ => new StrongBox<long>());
        Interlocked.Increment(ref box.Value);
        Completed?.Invoke(outcome);
    }

    /// <summary>Every (result, reason) seen so far with its count, ordered for stable output.</summary>
    public IReadOnlyList<HandshakeCount> Snapshot() =>
        [.. _counts.Select(kv => new HandshakeCount(kv.Key.Result, kv.Key.Reason, Interlocked.Read(ref kv.Value.Value)))
            .OrderBy(c => c.Result, StringComparer.Ordinal).ThenBy(c => c.Reason, StringComparer.Ordinal)];
}

/// <param name="Result"><see cref="HandshakeReasons.Established"/> or <see cref="HandshakeReasons.Failed"/>.</param>
/// <param name="Reason">For a failure, the name of its <see cref="IkeFailureReason"/> (or <c>other</c>); <c>ok</c> for a success.</param>
/// <param name="Initiator">Whether we started it.</param>
/// <param name="Elapsed">From the SA's creation (our first IKE_SA_INIT sent, or the peer's received) to its end.</param>
public readonly record struct HandshakeOutcome(string Result, string Reason, bool Initiator, TimeSpan Elapsed);

public readonly record struct HandshakeCount(string Result, string Reason, long Count);
