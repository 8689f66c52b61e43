using System.Security.Cryptography;

namespace Overlay.Attest.Handshake;

/// <summary>
/// The challenges a verifier hands out: one current challenge, replaced lazily by a new random one once it is
/// <c>period</c> old, plus the last <c>keep</c> ones so that evidence made for a challenge that was current a moment
/// ago still verifies (each requirement's max_age then decides whether it is fresh enough). Thread-safe.
/// </summary>
public sealed class ChallengeIssuer
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly AttestationChallenge[] _previous;
    private AttestationChallenge? _current;
    private int _next;

    public ChallengeIssuer(TimeProvider time, TimeSpan period, int keep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(keep);
        _time = time;
        _period = period;
        _previous = new AttestationChallenge[keep];
    }

    private TimeSpan _period;

    /// <summary>How long a challenge is current; the owner may change it (a reload shortened a max_age).</summary>
    public TimeSpan Period
    {
        get => _period;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _period = value;
        }
    }

    /// <summary>How many earlier challenges are still recognised.</summary>
    public int Keep => _previous.Length;

    /// <summary>The challenge to hand out now; a new one when the current one is <see cref="Period"/> old.</summary>
    public AttestationChallenge Current
    {
        get
        {
            var now = _time.GetUtcNow();
            lock (_gate)
            {
                if (_current is null || now - _current.IssuedAt >= Period)
                {
                    Retire();
                    _current = new AttestationChallenge(RandomNumberGenerator.GetBytes(HandshakeConstants.ChallengeSize), now);
                }

                return _current;
            }
        }
    }

    /// <summary>Retires the current challenge now: the next <see cref="Current"/> is a new one (a peer must send full lists).</summary>
    public void Renew()
    {
        lock (_gate)
        {
            Retire();
            _current = null;
        }
    }

    /// <summary>Finds one of our challenges (the current one or one of the last <c>keep</c>) by its bytes.</summary>
    public bool TryFind(ReadOnlySpan<byte> value, out AttestationChallenge challenge)
    {
        lock (_gate)
        {
            if (_current is not null && CryptographicOperations.FixedTimeEquals(_current.Value, value))
            {
                challenge = _current;
                return true;
            }

            foreach (var old in _previous)
            {
                if (old is not null && CryptographicOperations.FixedTimeEquals(old.Value, value))
                {
                    challenge = old;
                    return true;
                }
            }
        }

        challenge = null!;
        return false;
    }

    private void Retire()
    {
        if (_current is null || _previous.Length == 0)
        {
            return;
        }

        _previous[_next] = _current;
        _next = (_next + 1) % _previous.Length;
    }
}
