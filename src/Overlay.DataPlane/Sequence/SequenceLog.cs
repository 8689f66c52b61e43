using Microsoft.Extensions.Logging;

namespace Overlay.DataPlane.Sequence;

/// <summary>Source-generated log lines of the sequence reservations (event ids 33x).</summary>
internal static partial class SequenceLog
{
    [LoggerMessage(330, LogLevel.Information, "data plane: SA {Spi:x8} (key {Fingerprint}) continues above sequence {Mark}; reserved up to {Reserved} in {Path}")]
    public static partial void Opened(ILogger logger, uint spi, string fingerprint, ulong mark, ulong reserved, string path);

    [LoggerMessage(331, LogLevel.Error, "data plane: SA {Spi:x8} (key {Fingerprint}) cannot reserve sequence numbers past {Reserved}: {Problem}; it drops packets there (sequence_not_reserved) until a retry succeeds")]
    public static partial void ReserveFailed(ILogger logger, uint spi, string fingerprint, ulong reserved, string problem);
}
