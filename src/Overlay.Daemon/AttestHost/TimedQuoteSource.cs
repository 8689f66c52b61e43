using Overlay.Attest.Handshake;
using Overlay.Attest.Quote;

namespace Overlay.Daemon.AttestHost;

/// <summary>
/// Times every quote attested IKE takes from the TPM and reports the duration (the <c>tvd_attest_quote_duration_seconds</c>
/// histogram); a quote that fails is not timed. Translates nothing and decides nothing.
/// </summary>
internal sealed class TimedQuoteSource(IQuoteSource inner, TimeProvider time, Action<TimeSpan> taken) : IQuoteSource
{
    public bool IsSoftwareTpm => inner.IsSoftwareTpm;

    public Evidence Collect(ReadOnlySpan<byte> qualifyingData)
    {
        long start = time.GetTimestamp();
        Evidence evidence = inner.Collect(qualifyingData);
        taken(time.GetElapsedTime(start));
        return evidence;
    }
}
