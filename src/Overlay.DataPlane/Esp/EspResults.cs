using Overlay.DataPlane.Counters;

namespace Overlay.DataPlane.Esp;

/// <summary>Outcome of <see cref="EspSa.Seal"/>. Every failure is also counted on the SA.</summary>
public enum EspSealStatus
{
    Ok,

    /// <summary>The SA passed a hard limit (lifetime or sequence space) and will not seal again.</summary>
    SaExpired,

    /// <summary>The output span cannot hold the sealed packet (see <see cref="EspSa.GetSealedLength"/>).</summary>
    BufferTooSmall,

    /// <summary>Sealing was asked of an inbound SA (a caller bug; not counted).</summary>
    WrongDirection,

    /// <summary>The next sequence number is not durably reserved yet (a static SA's store lags): dropped, counted.</summary>
    SequenceNotReserved,
}

/// <summary>
/// Outcome of <see cref="EspSa.TryOpen"/>, in the order the checks run:
/// length → SPI → replay → ICV → window update → padding → next header.
/// Every failure except <see cref="WrongDirection"/> is counted on the SA under the matching <see cref="DropReason"/>.
/// </summary>
public enum EspOpenResult
{
    Ok,

    /// <summary>An authenticated dummy packet (next header 59, RFC 4303 §2.6): discard silently, not an error.</summary>
    Dummy,

    Truncated,
    Malformed,
    UnknownSpi,
    Replay,
    AuthFailed,
    BadPadding,
    BadNextHeader,
    SaExpired,

    /// <summary>The inner span is too small for the plaintext, or overlaps the ciphertext other than exactly.</summary>
    BufferTooSmall,

    /// <summary>Opening was asked of an outbound SA (a caller bug; not counted).</summary>
    WrongDirection,
}

public static class EspResultExtensions
{
    /// <summary>The drop reason an open failure is counted under; <see cref="DropReason.None"/> for success.</summary>
    public static DropReason ToDropReason(this EspOpenResult result) => result switch
    {
        EspOpenResult.Truncated => DropReason.Truncated,
        EspOpenResult.Malformed => DropReason.Malformed,
        EspOpenResult.UnknownSpi => DropReason.UnknownSpi,
        EspOpenResult.Replay => DropReason.Replay,
        EspOpenResult.AuthFailed => DropReason.AuthFailed,
        EspOpenResult.BadPadding => DropReason.BadPadding,
        EspOpenResult.BadNextHeader => DropReason.BadNextHeader,
        EspOpenResult.SaExpired => DropReason.SaExpired,
        EspOpenResult.BufferTooSmall => DropReason.BufferTooSmall,
        _ => DropReason.None,
    };

    /// <summary>The drop reason a seal failure is counted under; <see cref="DropReason.None"/> for success.</summary>
    public static DropReason ToDropReason(this EspSealStatus status) => status switch
    {
        EspSealStatus.SaExpired => DropReason.SaExpired,
        EspSealStatus.BufferTooSmall => DropReason.BufferTooSmall,
        EspSealStatus.SequenceNotReserved => DropReason.SequenceNotReserved,
        _ => DropReason.None,
    };
}
