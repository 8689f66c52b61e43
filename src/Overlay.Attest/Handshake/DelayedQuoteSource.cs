using Overlay.Attest.Quote;

namespace Overlay.Attest.Handshake;

/// <summary>
/// A test and benchmark knob, never a product default: wraps a quote source and adds <c>delay</c> to every quote,
/// one quote at a time, the way a discrete TPM takes 50-200 ms per TPM2_Quote and runs one command at a time. It
/// shows that handshake rates do not depend on quote latency.
/// </summary>
public sealed class DelayedQuoteSource(IQuoteSource inner, TimeSpan delay, TimeProvider time) : IQuoteSource
{
    private readonly Lock _tpm = new();

    public TimeSpan Delay => delay;

    public bool IsSoftwareTpm => inner.IsSoftwareTpm;

    public Evidence Collect(ReadOnlySpan<byte> qualifyingData)
    {
        lock (_tpm)
        {
            Task.Delay(delay, time).GetAwaiter().GetResult();
            return inner.Collect(qualifyingData);
        }
    }
}
