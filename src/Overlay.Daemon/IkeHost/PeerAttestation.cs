using Overlay.Attest.Handshake;
using Overlay.Attest.Verify;
using Overlay.Ike.Attestation;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// What a peer proved on one IKE SA, as both sides of the daemon read it: IKE keeps it on the SA and logs its
/// <see cref="Summary"/> (<see cref="IPeerAttestation"/>); the Labels join decision asks it per requirement
/// (<see cref="IAttestationStatus"/>). Translates Attest's appraisal; decides nothing.
/// </summary>
public sealed class PeerAttestation : IPeerAttestation, IAttestationStatus
{
    /// <summary>Findings text given to the join decision (and from there to the audit and the peer) is cut here.</summary>
    private const int MaxFindingsText = 600;

    private readonly IReadOnlyDictionary<string, AttestationRequirement> _requirements;

    public PeerAttestation(PeerAppraisal appraisal, IReadOnlyDictionary<string, AttestationRequirement> requirements)
    {
        Appraisal = appraisal;
        _requirements = requirements;
        Summary = appraisal.Verdicts.Count == 0
            ? $"no requirement to judge ({Text(appraisal.Findings.Where(f => f.Severity == FindingSeverity.Error))})"
            : string.Join("; ", appraisal.Verdicts.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}: {Describe(v.Key, v.Value)}"));
    }

    public PeerAppraisal Appraisal { get; }

    public string Summary { get; }

    public AttestationVerdict For(CompiledAttestation requirement)
    {
        if (!Appraisal.Verdicts.TryGetValue(requirement.Name, out RequirementVerdict? verdict)
            || !_requirements.TryGetValue(requirement.Name, out AttestationRequirement? appraisedUnder))
        {
            return AttestationVerdict.NotMet($"evidence not appraised under '{requirement.Name}' (the policy changed since)");
        }

        return verdict.Met && Appraisal.ExpiresAt(appraisedUnder) is { } expires
            ? AttestationVerdict.MetUntil(expires)
            : AttestationVerdict.NotMet(Text(verdict.Errors));
    }

    /// <summary>The stable finding ids with their messages, as the audit and the peer's log show them.</summary>
    public static string Text(IEnumerable<VerificationFinding> findings)
    {
        string text = string.Join("; ", findings.Select(f => $"{f.Id} {f.Message}"));
        return text.Length <= MaxFindingsText ? text : text[..MaxFindingsText] + " …";
    }

    private string Describe(string name, RequirementVerdict verdict) =>
        verdict.Met && _requirements.TryGetValue(name, out var r) && Appraisal.ExpiresAt(r) is { } expires
            ? $"met until {expires:O}"
            : $"not met: {Text(verdict.Errors)}";
}
