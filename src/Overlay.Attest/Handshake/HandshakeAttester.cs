namespace Overlay.Attest.Handshake;

/// <summary>
/// The attester's side of attested handshakes: takes the TPM out of the per-handshake path. Verifiers' challenges
/// are collected; one quote covers every challenge pending when it starts (their Merkle root, the host id and a
/// fresh ephemeral key K_e go into its qualifyingData); each verifier then gets a bundle with its challenge's
/// inclusion proof, and every handshake with that verifier is bound to the quote by a K_e signature.
/// <list type="bullet">
/// <item><see cref="TryGet"/> never blocks on the TPM: it returns evidence when a finished quote covers the challenge,
/// otherwise null, and schedules a quote on a background task (one at a time; challenges arriving meanwhile go
/// into the next one). <c>onReady</c> is called once when that quote attempt has ended, ready or failed: call
/// <see cref="TryGet"/> again; null then means the quote failed (<see cref="LastFailure"/>) and another is
/// scheduled, no sooner than <see cref="AttesterOptions.RetryDelay"/> after the failure.</item>
/// <item>K_e is new with every quote. An older quote stays usable for the challenges it covers until
/// <see cref="AttesterOptions.EvidenceLifetime"/> has passed (or <see cref="AttesterOptions.MaxRetainedQuotes"/>
/// newer ones exist); then its K_e is disposed. OpenSSL holds K_e; .NET never copies the private scalar into
/// managed memory, and freeing the key clears it (BN_clear_free) — without mlock, so it may have reached swap.</item>
/// <item><see cref="Invalidate"/> (the local measured state changed): no quote older than the call is handed out
/// again, and a quote in flight during the call is discarded and redone.</item>
/// </list>
/// Thread-safe. A TPM that stops answering makes <see cref="TryGet"/> return null and shows in
/// <see cref="QuotesFailed"/> and <see cref="LastFailure"/>; no exception reaches the caller.
/// </summary>
public sealed partial class HandshakeAttester : IDisposable
{
    private readonly IQuoteSource _source;
    private readonly TimeProvider _time;
    private readonly AttesterOptions _options;
    private readonly Lock _gate = new();

    // Under _gate: the newest current-generation-or-older quote covering each challenge, every live quote, the
    // challenges waiting for a quote, and the batch in flight.
    private readonly Dictionary<string, PreparedQuote> _covering = new(StringComparer.Ordinal);
    private readonly List<PreparedQuote> _retained = [];
    private readonly Dictionary<string, Waiter> _pending = new(StringComparer.Ordinal);
    private Dictionary<string, Waiter>? _inFlight;
    private long _generation, _serial;
    private bool _disposed;

    private long _quotesMade, _quotesFailed, _evidenceServed, _challengesDropped;

    public HandshakeAttester(string hostId, IQuoteSource source, TimeProvider time, AttesterOptions options)
    {
        // Fails here, not on the first quote, if the host id cannot go into a qualifyingData.
        QualifyingData.Compute(hostId, [], new byte[HandshakeConstants.HashSize]);
        HostId = hostId;
        _source = source;
        _time = time;
        _options = options;
    }

    public string HostId { get; }

    /// <summary>Quotes made and handed out (a quote discarded by <see cref="Invalidate"/> counts too: the TPM made it).</summary>
    public long QuotesMade => Interlocked.Read(ref _quotesMade);

    public long QuotesFailed => Interlocked.Read(ref _quotesFailed);

    /// <summary>Evidence returned by <see cref="TryGet"/>: handshakes served, compared with <see cref="QuotesMade"/>.</summary>
    public long EvidenceServed => Interlocked.Read(ref _evidenceServed);

    /// <summary>Challenges not scheduled because <see cref="AttesterOptions.MaxPending"/> were already waiting.</summary>
    public long ChallengesDropped => Interlocked.Read(ref _challengesDropped);

    /// <summary>Why the last quote failed, and when; null until one fails.</summary>
    public (string Reason, DateTimeOffset At)? LastFailure { get; private set; }

    /// <summary>
    /// Evidence for <paramref name="challenge"/> if a finished quote of the current generation covers it; otherwise
    /// null, with the challenge scheduled into a quote and <paramref name="onReady"/> called once that quote attempt
    /// ends. A challenge that is not <see cref="HandshakeConstants.ChallengeSize"/> bytes gets null and nothing else.
    /// </summary>
    public PreparedEvidence? TryGet(ReadOnlySpan<byte> challenge, EvidenceRequest request, Action? onReady = null)
    {
        if (challenge.Length != HandshakeConstants.ChallengeSize)
        {
            return null;
        }

        var key = PreparedQuote.Key(challenge);
        PreparedQuote? quote;
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            var now = _time.GetUtcNow();
            Expire(now);
            if (!_covering.TryGetValue(key, out quote) || quote.Generation != _generation)
            {
                Enqueue(key, challenge, request.Urgent, onReady, now);
                Kick(now);
                return null;
            }
        }

        // Outside the lock: building a bundle compresses a delta at most (full lists were compressed at quote time).
        var bundle = quote.Bundle(challenge, request)!;
        Interlocked.Increment(ref _evidenceServed);
        return new PreparedEvidence(quote, bundle);
    }

    /// <summary>
    /// Evidence for <paramref name="challenge"/> only if a finished quote of the current generation already covers it;
    /// never schedules a quote (for an operator's question "what would this peer get now", not for a handshake).
    /// </summary>
    public PreparedEvidence? TryGetReady(ReadOnlySpan<byte> challenge, EvidenceRequest request)
    {
        if (challenge.Length != HandshakeConstants.ChallengeSize)
        {
            return null;
        }

        PreparedQuote? quote;
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            Expire(_time.GetUtcNow());
            if (!_covering.TryGetValue(PreparedQuote.Key(challenge), out quote) || quote.Generation != _generation)
            {
                return null;
            }
        }

        return new PreparedEvidence(quote, quote.Bundle(challenge, request)!);
    }

    /// <summary>The local measured state changed: the next <see cref="TryGet"/> must not reuse an older quote.</summary>
    public void Invalidate()
    {
        lock (_gate)
        {
            _generation++;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
            foreach (var quote in _retained)
            {
                quote.Dispose();
            }

            _retained.Clear();
            _covering.Clear();
            _pending.Clear();
        }
    }

    // Under _gate: disposes quotes past their lifetime.
    private void Expire(DateTimeOffset now)
    {
        for (var i = 0; i < _retained.Count; i++)
        {
            if (_retained[i].ExpiresAt <= now)
            {
                Retire(_retained[i]);
                i--;
            }
        }
    }

    private void Retire(PreparedQuote quote)
    {
        _retained.Remove(quote);
        foreach (var key in quote.ChallengeKeys)
        {
            if (_covering.TryGetValue(key, out var covering) && ReferenceEquals(covering, quote))
            {
                _covering.Remove(key);
            }
        }

        quote.Dispose();
    }

    /// <summary>A challenge waiting for a quote, and who to tell when its quote attempt ends.</summary>
    private sealed class Waiter(byte[] challenge, bool urgent, DateTimeOffset since)
    {
        public byte[] Challenge => challenge;

        public bool Urgent { get; set; } = urgent;

        public DateTimeOffset Since => since;

        public List<Action> Callbacks { get; } = [];
    }
}
