using System.Security.Cryptography;

namespace Overlay.Attest.Handshake;

/// <summary>
/// The challenges a verifier hands out: one current challenge, replaced lazily by a new random one once it is
/// <c>period</c> old, plus the last <c>keep</c> ones so that evidence made for a challenge that was current a moment
/// ago still verifies (each requirement's max_age then decides whether it is fresh enough). With an
/// <see cref="Epochs"/> source (cluster mode) the current challenge is the cluster's epoch value while that is younger
/// than the period, so every verifier asks the same and an attester quotes once per epoch; when there is no fresh
/// epoch, or after <see cref="Renew"/> retired it, the issuer's own random challenges fill in. Thread-safe.
/// </summary>
public sealed class ChallengeIssuer
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly AttestationChallenge[] _previous;
    private AttestationChallenge? _current;
    private byte[]? _renounced;
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

    /// <summary>
    /// The shared epoch (cluster mode; set once the cluster subsystem runs), or null: only our own challenges. Read on
    /// every <see cref="Current"/>.
    /// </summary>
    public IEpochSource? Epochs
    {
        get => Volatile.Read(ref _epochs);
        set => Volatile.Write(ref _epochs, value);
    }

    private IEpochSource? _epochs;

    /// <summary>How many earlier challenges are still recognised.</summary>
    public int Keep => _previous.Length;

    /// <summary>The challenge to hand out now; a new one when the current one is <see cref="Period"/> old.</summary>
    public AttestationChallenge Current
    {
        get
        {
            var now = _time.GetUtcNow();
            AttestationChallenge? epoch = Epochs?.Latest;
            lock (_gate)
            {
                if (epoch is not null && now - epoch.IssuedAt < Period
                    && (_renounced is null || !CryptographicOperations.FixedTimeEquals(_renounced, epoch.Value)))
                {
                    if (_current is null || !CryptographicOperations.FixedTimeEquals(_current.Value, epoch.Value))
                    {
                        Retire();
                        _current = epoch;
                    }

                    return _current;
                }

                if (_current is null || now - _current.IssuedAt >= Period)
                {
                    Retire();
                    _current = new AttestationChallenge(RandomNumberGenerator.GetBytes(HandshakeConstants.ChallengeSize), now);
                }

                return _current;
            }
        }
    }

    /// <summary>
    /// Retires the current challenge now: the next <see cref="Current"/> is a new one (a peer must send full lists). When
    /// the current one is the epoch, it is not handed out again: our own challenges fill in until the next epoch.
    /// </summary>
    public void Renew()
    {
        AttestationChallenge? epoch = Epochs?.Latest;
        lock (_gate)
        {
            if (epoch is not null)
            {
                _renounced = epoch.Value;
            }

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
