
namespace Overlay.DataPlane.Esp;

public sealed partial class EspSa
{
    /// <summary>Ask for a rekey this far before the 32-bit counter runs out (1/16 of the space).</summary>
    internal const ulong RekeyAfterSequence32 = EspConstants.MaxSequence32 - (EspConstants.MaxSequence32 >> 4);

    /// <summary>With ESN, ask for a rekey after 2^60 packets, as wireguard-go's RekeyAfterMessages.</summary>
    internal const ulong RekeyAfterSequence64 = 1UL << 60;

    private readonly ulong _maxSequence;
    private ulong _softPackets;
    private ulong _hardPackets;
    private ulong _softBytes;
    private ulong _hardBytes;
    private ulong _softSequence;
    private ITimer? _softTimer;
    private ITimer? _hardTimer;
    private int _softRaised;
    private int _expired;

    /// <summary>
    /// Raised once, on the thread that crossed the first soft limit (or on a timer thread for time):
    /// the key exchange should start a rekey. Handlers must be quick and must not throw.
    /// </summary>
    public event Action<EspSa, SaLimit>? RekeyRequested;

    /// <summary>Raised once when a hard limit ends the SA (also on removal). Handlers must be quick.</summary>
    public event Action<EspSa, SaLimit>? Expired;

    /// <summary>Which limit expired the SA (meaningful once <see cref="State"/> is Expired).</summary>
    public SaLimit ExpiredBy { get; private set; }

    public bool IsExpired => Volatile.Read(ref _expired) != 0;

    public SaState State =>
        IsExpired ? SaState.Expired : Volatile.Read(ref _softRaised) != 0 ? SaState.RekeyRequested : SaState.Active;

    /// <summary>Ends the SA: it refuses to seal and open from now on. Idempotent.</summary>
    public void Expire(SaLimit limit)
    {
        if (Interlocked.Exchange(ref _expired, 1) != 0)
        {
            return;
        }

        ExpiredBy = limit;
        Expired?.Invoke(this, limit);
    }

    private void InitLifetime(SaLifetime lifetime, TimeProvider time)
    {
        _softPackets = lifetime.SoftPackets;
        _hardPackets = lifetime.HardPackets;
        _softBytes = lifetime.SoftBytes;
        _hardBytes = lifetime.HardBytes;
        _softSequence = _esn ? RekeyAfterSequence64 : RekeyAfterSequence32;

        // Time limits are timers (named as events), so the packet path never reads a clock.
        if (lifetime.SoftTime > TimeSpan.Zero)
        {
            _softTimer = time.CreateTimer(static s => ((EspSa)s!).OnSoftTimeExpired(), this, lifetime.SoftTime, Timeout.InfiniteTimeSpan);
        }

        if (lifetime.HardTime > TimeSpan.Zero)
        {
            _hardTimer = time.CreateTimer(static s => ((EspSa)s!).OnHardTimeExpired(), this, lifetime.HardTime, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnSoftTimeExpired() => RequestRekey(SaLimit.Time);

    private void OnHardTimeExpired() => Expire(SaLimit.Time);

    /// <summary>Counts a sealed/opened packet and applies packet, byte and sequence limits.</summary>
    private void OnPacketProcessed(int innerBytes, ulong sequence)
    {
        (long packets, long bytes) = Traffic.Add(innerBytes);
        ulong p = (ulong)packets;
        ulong b = (ulong)bytes;

        if (Volatile.Read(ref _softRaised) == 0)
        {
            if (_softPackets != 0 && p >= _softPackets)
            {
                RequestRekey(SaLimit.Packets);
            }
            else if (_softBytes != 0 && b >= _softBytes)
            {
                RequestRekey(SaLimit.Bytes);
            }
            else if (sequence >= _softSequence)
            {
                RequestRekey(SaLimit.SequenceSpace);
            }
        }

        if (_hardPackets != 0 && p >= _hardPackets)
        {
            Expire(SaLimit.Packets);
        }
        else if (_hardBytes != 0 && b >= _hardBytes)
        {
            Expire(SaLimit.Bytes);
        }
    }

    private void RequestRekey(SaLimit limit)
    {
        if (Interlocked.Exchange(ref _softRaised, 1) == 0 && !IsExpired)
        {
            RekeyRequested?.Invoke(this, limit);
        }
    }
}
