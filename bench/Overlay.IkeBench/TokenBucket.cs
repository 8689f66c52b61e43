namespace Overlay.IkeBench;

/// <summary>
/// Paces the storm: tokens accrue at <c>rate</c> per second up to <c>burst</c>, and each start takes one.
/// The burst lets a loop catch up after a stall (Task.Delay wakes a millisecond late; the first calls
/// compile, since the tool runs without tiered JIT) without running ahead of the rate for longer than
/// the burst lasts. Not thread-safe: one loop owns it.
/// </summary>
public sealed class TokenBucket
{
    private readonly double _rate;
    private readonly double _burst;
    private readonly TimeProvider _time;
    private double _tokens;
    private long _last;

    public TokenBucket(double rate, double burst, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        _rate = rate;
        _burst = Math.Max(1, burst);
        _time = time ?? TimeProvider.System;
        _tokens = 1;
        _last = _time.GetTimestamp();
    }

    /// <summary>A burst of a quarter second's worth: enough to make up for the first calls' compilation.</summary>
    public static double QuarterSecondOf(double rate) => Math.Max(1, rate / 4);

    /// <summary>Waits for a token; false (and no token taken) when none would come before <paramref name="deadline"/>.</summary>
    public async ValueTask<bool> TakeAsync(long deadline, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + (now - _last) * _rate / _time.TimestampFrequency);
            _last = now;
            if (_tokens >= 1)
            {
                _tokens -= 1;
                return true;
            }

            var wait = TimeSpan.FromSeconds((1 - _tokens) / _rate);
            if (now + (long)(wait.TotalSeconds * _time.TimestampFrequency) > deadline)
            {
                return false;
            }

            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }
}
