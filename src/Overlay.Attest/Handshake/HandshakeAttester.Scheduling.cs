namespace Overlay.Attest.Handshake;

public sealed partial class HandshakeAttester
{
    private ITimer? _timer;
    private DateTimeOffset _timerDue;
    private DateTimeOffset _retryNotBefore = DateTimeOffset.MinValue;
    private long _inFlightGeneration;

    // Under _gate. A challenge already in the batch in flight (of this generation) waits for that quote.
    private void Enqueue(string key, ReadOnlySpan<byte> challenge, bool urgent, Action? onReady, DateTimeOffset now)
    {
        if (_inFlight is not null && _inFlightGeneration == _generation && _inFlight.TryGetValue(key, out var flying))
        {
            AddCallback(flying, onReady);
            return;
        }

        if (!_pending.TryGetValue(key, out var waiter))
        {
            if (_pending.Count >= _options.MaxPending)
            {
                Interlocked.Increment(ref _challengesDropped);
                return;
            }

            _pending[key] = waiter = new Waiter(challenge.ToArray(), urgent, now);
        }

        waiter.Urgent |= urgent;
        AddCallback(waiter, onReady);
    }

    private static void AddCallback(Waiter waiter, Action? onReady)
    {
        if (onReady is not null)
        {
            waiter.Callbacks.Add(onReady);
        }
    }

    // Under _gate: starts a quote now, or sets the timer for when one is due: at once for an urgent challenge,
    // after the batch window for refreshes only, never before the retry delay after a failure.
    private void Kick(DateTimeOffset now)
    {
        if (_inFlight is not null || _disposed || _pending.Count == 0)
        {
            return;
        }

        var due = _pending.Values.Any(w => w.Urgent) ? now : _pending.Values.Min(w => w.Since) + _options.BatchWindow;
        if (due < _retryNotBefore)
        {
            due = _retryNotBefore;
        }

        if (due > now)
        {
            Arm(due, now);
            return;
        }

        var batch = _pending.OrderByDescending(p => p.Value.Urgent).ThenBy(p => p.Value.Since).Take(_options.MaxBatch).ToDictionary(StringComparer.Ordinal);
        foreach (var key in batch.Keys)
        {
            _pending.Remove(key);
        }

        _inFlight = batch;
        _inFlightGeneration = _generation;
        var serial = ++_serial;
        var generation = _generation;
        var challenges = batch.Values.Select(w => w.Challenge).ToArray();
        _ = Task.Run(() => RunQuote(challenges, serial, generation));
    }

    private void Arm(DateTimeOffset due, DateTimeOffset now)
    {
        if (_timer is not null && _timerDue <= due)
        {
            return;
        }

        _timer?.Dispose();
        _timerDue = due;
        _timer = _time.CreateTimer(_ => OnQuoteDue(), null, due - now, Timeout.InfiniteTimeSpan);
    }

    private void OnQuoteDue()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            Kick(_time.GetUtcNow());
        }
    }

    // On a pool thread: the only place the TPM is used.
    private void RunQuote(byte[][] challenges, long serial, long generation)
    {
        PreparedQuote? quote = null;
        string? failure = null;
        try
        {
            quote = PreparedQuote.Create(HostId, _source, challenges, serial, generation, _time, _options);
        }
        catch (Exception e)
        {
            // Any failure of the TPM or the source is a failed quote, counted and reported, never thrown.
            failure = $"{e.GetType().Name}: {e.Message}";
        }

        var callbacks = Complete(quote, failure, generation);
        foreach (var callback in callbacks)
        {
            try
            {
                callback();
            }
            catch (Exception)
            {
                // A caller's callback must not stop the attester.
            }
        }
    }

    private List<Action> Complete(PreparedQuote? quote, string? failure, long generation)
    {
        var callbacks = new List<Action>();
        lock (_gate)
        {
            var batch = _inFlight!;
            _inFlight = null;
            var now = _time.GetUtcNow();
            if (_disposed)
            {
                quote?.Dispose();
                return callbacks;
            }

            if (quote is null)
            {
                Interlocked.Increment(ref _quotesFailed);
                LastFailure = (failure!, now);
                _retryNotBefore = now + _options.RetryDelay;
                callbacks.AddRange(batch.Values.SelectMany(w => w.Callbacks));
            }
            else if (generation != _generation)
            {
                // Invalidated while quoting: the quote may predate the change. Redo it for the same waiters.
                Interlocked.Increment(ref _quotesMade);
                quote.Dispose();
                Requeue(batch);
            }
            else
            {
                Interlocked.Increment(ref _quotesMade);
                _retained.Add(quote);
                foreach (var key in quote.ChallengeKeys)
                {
                    _covering[key] = quote;
                }

                callbacks.AddRange(batch.Values.SelectMany(w => w.Callbacks));
                while (_retained.Count > _options.MaxRetainedQuotes)
                {
                    Retire(_retained[0]);
                }
            }

            Expire(now);
            Kick(now);
        }

        return callbacks;
    }

    private void Requeue(Dictionary<string, Waiter> batch)
    {
        foreach (var (key, waiter) in batch)
        {
            if (_pending.TryGetValue(key, out var newer))
            {
                newer.Urgent |= waiter.Urgent;
                newer.Callbacks.AddRange(waiter.Callbacks);
            }
            else
            {
                _pending[key] = waiter;
            }
        }
    }
}
