using Overlay.Attest.Handshake;
using Overlay.Attest.Quote;

namespace Overlay.Attest.Tests.Handshake.Helpers;

/// <summary>A quote source that holds each quote until the test opens the gate (a quote "in flight" on demand).</summary>
internal sealed class GatedQuoteSource(IQuoteSource inner) : IQuoteSource, IDisposable
{
    public ManualResetEventSlim Gate { get; } = new();

    public SemaphoreSlim Entered { get; } = new(0);

    public bool IsSoftwareTpm => inner.IsSoftwareTpm;

    public Evidence Collect(ReadOnlySpan<byte> qualifyingData)
    {
        Entered.Release();
        Assert.True(Gate.Wait(Handshakes.Wait), "the gate was never opened");
        return inner.Collect(qualifyingData);
    }

    public void WaitEntered() => Assert.True(Entered.Wait(Handshakes.Wait), "no quote started");

    public void Dispose()
    {
        Gate.Set();
        Gate.Dispose();
        Entered.Dispose();
    }
}
