namespace Overlay.Ike.Sa;

/// <summary>
/// How long an SA lives (RFC 7296 §2.8): after <see cref="RekeyAfter"/> (the soft lifetime) we
/// rekey it, after <see cref="HardAfter"/> it is deleted whether or not the rekey succeeded. Up to
/// <see cref="Jitter"/> is subtracted from the soft lifetime, drawn from the SA's injected
/// randomness, so two peers with the same configuration rarely rekey at the same moment (the
/// collision of §2.8.1 stays the exception). Tunables from the configuration, not RFC constants.
/// </summary>
public sealed record SaLifetime(TimeSpan RekeyAfter, TimeSpan HardAfter, TimeSpan Jitter = default)
{
    /// <summary>strongSwan's CHILD_SA defaults: rekey after 1 h (minus up to 6 min), delete after 1 h 6 min.</summary>
    public static SaLifetime ChildDefault { get; } = new(TimeSpan.FromHours(1), TimeSpan.FromMinutes(66), TimeSpan.FromMinutes(6));

    /// <summary>strongSwan's IKE SA defaults: rekey after 4 h (minus up to 24 min), give up after 4 h 24 min.</summary>
    public static SaLifetime IkeDefault { get; } = new(TimeSpan.FromHours(4), TimeSpan.FromMinutes(264), TimeSpan.FromMinutes(24));

    /// <summary>The soft lifetime with a jitter of <paramref name="fraction"/> (0 to 1) of <see cref="Jitter"/> removed.</summary>
    public TimeSpan RekeyDue(double fraction) => RekeyAfter - Jitter * Math.Clamp(fraction, 0, 1);
}
