using System.Text.Json;
using Overlay.Daemon.Control;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// <c>{"verb":"given-evidence","peer":"h1"[,"full":"true"]}</c> → <c>{"ok":true,"evidence":"&lt;base64&gt;"}</c>: the
/// evidence bundle this daemon last gave a peer in attested IKE (docs/attestation.md), for an operator asking "what
/// did h1 see of us" — and for the lab's check that such evidence, replayed by another host, is refused. With
/// <c>full</c>, the same quote with our full measurement lists rather than the delta the peer got, so that
/// <c>tvdctl policy explain --evidence</c> can judge it without the peer's checkpoint.
/// </summary>
public sealed class GivenEvidenceVerb(IkeRuntime runtime) : IControlVerb
{
    public string Name => "given-evidence";

    public void WriteReply(JsonElement request, Utf8JsonWriter reply)
    {
        if (!request.TryGetProperty("peer", out JsonElement value) || value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 } peer)
        {
            throw new ControlRequestException("given-evidence needs \"peer\": a peer's IKE identity");
        }

        IkeAttestationAdapter attestation = runtime.Attestation
            ?? throw new ControlRequestException("attested IKE is not running (no [ike], or attestation is off)");
        bool full = request.TryGetProperty("full", out JsonElement f) && (f.ValueKind == JsonValueKind.True
            || (f.ValueKind == JsonValueKind.String && f.GetString() == "true"));
        byte[] evidence = attestation.LastGiven(peer)
            ?? throw new ControlRequestException($"no evidence was given to '{peer}' yet");
        if (full)
        {
            evidence = attestation.LastGivenInFull(peer)
                ?? throw new ControlRequestException($"the quote that answered '{peer}''s last challenge is no longer current (it expired, or our measured state changed); ask again after its next refresh");
        }

        reply.WriteString("evidence", Convert.ToBase64String(evidence));
    }
}
