namespace Overlay.Attest.Handshake;

/// <summary>
/// What the attester is asked for, besides the challenge.
/// <see cref="Base"/>: the verifier's <see cref="ListCheckpoint"/>; when it is for the boot the quote shows and does
/// not run past the attester's lists, each list is sent as a delta after its count, otherwise in full. Null: full lists.
/// <see cref="Urgent"/>: a handshake is waiting, so quote as soon as no quote is in flight; false (a refresh) lets the
/// attester wait up to its batch window to gather more challenges into the same quote.
/// </summary>
public sealed record EvidenceRequest(ListCheckpoint? Base = null, bool Urgent = true)
{
    public static readonly EvidenceRequest Full = new();
}
