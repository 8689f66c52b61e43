namespace Overlay.DataPlane.Esp;

/// <summary>
/// Soft and hard limits of an SA (RFC 4301 §4.4.2.1). Reaching a soft limit asks the key exchange to
/// rekey (raised once); reaching a hard limit ends the SA: it then refuses to seal or open.
/// Zero means "no limit" for that measure.
/// </summary>
public readonly record struct SaLifetime(
    ulong SoftPackets,
    ulong HardPackets,
    ulong SoftBytes,
    ulong HardBytes,
    TimeSpan SoftTime,
    TimeSpan HardTime)
{
    /// <summary>No limits except the sequence-number space itself.</summary>
    public static SaLifetime Unlimited => default;

    /// <summary>Null when consistent, else a sentence saying what is wrong.</summary>
    public string? Validate()
    {
        if (SoftPackets != 0 && HardPackets != 0 && SoftPackets > HardPackets)
        {
            return "soft packet limit exceeds the hard packet limit";
        }

        if (SoftBytes != 0 && HardBytes != 0 && SoftBytes > HardBytes)
        {
            return "soft byte limit exceeds the hard byte limit";
        }

        if (SoftTime < TimeSpan.Zero || HardTime < TimeSpan.Zero)
        {
            return "lifetimes cannot be negative";
        }

        if (SoftTime != TimeSpan.Zero && HardTime != TimeSpan.Zero && SoftTime > HardTime)
        {
            return "soft time limit exceeds the hard time limit";
        }

        return null;
    }
}
