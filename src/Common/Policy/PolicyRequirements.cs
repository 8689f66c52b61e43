using Overlay.Attest.Handshake;
using Overlay.Labels.Compiled;

namespace Overlay.Common.Policy;

/// <summary>
/// The policy's <c>[[attestation]]</c> requirements in Attest's terms, with the files they name read. One mapping for
/// every place that judges evidence against a policy: the daemon (at start and at every reload, before the engine
/// sees the candidate, so a reference file or AK CA that cannot be read refuses the policy — exit 2 at start; a
/// refused reload keeps the running version) and <c>tvdctl policy explain --evidence</c> (a policy the daemon would
/// refuse is bad input), each problem with its <c>file:line:column</c>. Linked into both (Labels and Attest know
/// nothing of each other).
/// </summary>
internal static class PolicyRequirements
{
    /// <summary>Every requirement by name; null when any has a problem (in <paramref name="errors"/>).</summary>
    public static IReadOnlyDictionary<string, AttestationRequirement>? Load(CompiledPolicy policy, List<string> errors)
    {
        int before = errors.Count;
        var requirements = new Dictionary<string, AttestationRequirement>(StringComparer.Ordinal);
        foreach (CompiledAttestation attestation in policy.Attestations)
        {
            if (RequirementLoader.Load(Source(attestation), errors) is { } requirement)
            {
                requirements[attestation.Name] = requirement;
            }
        }

        return errors.Count > before ? null : requirements;
    }

    private static RequirementSource Source(CompiledAttestation a) => new(
        a.Name, a.PcrSelection, a.Location.ToString(),
        a.ReferenceValues is { } file ? (file.Path, file.Location.ToString()) : null,
        [.. a.ReferenceLines.Select(l => (l.Text, l.Location.ToString()))],
        a.MaxAge, a.SoftwareTpmAllowed, a.AkPins,
        [.. a.AkCas.Select(c => (c.Path, c.Location.ToString()))]);
}
