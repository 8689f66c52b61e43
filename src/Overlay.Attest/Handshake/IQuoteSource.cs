using Overlay.Attest.Quote;

namespace Overlay.Attest.Handshake;

/// <summary>
/// The attester's TPM as the handshake attester uses it; the daemon implements it over its TPM session (which must
/// serialise it with any other use of the TPM). <see cref="Collect"/> quotes with the given qualifyingData and
/// returns the quote, the AK (TPM2B_PUBLIC, plus its certificate if any), the quoted PCR values and the full
/// measurement lists. It may block for as long as the TPM takes and throws when the TPM fails; the attester calls
/// it on a background task, one call at a time, and turns failures into counters.
/// </summary>
public interface IQuoteSource
{
    Evidence Collect(ReadOnlySpan<byte> qualifyingData);

    /// <summary>True for swtpm and any other software TPM; carried, self-declared, in every bundle.</summary>
    bool IsSoftwareTpm { get; }
}
