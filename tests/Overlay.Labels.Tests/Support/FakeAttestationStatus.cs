using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;

namespace Overlay.Labels.Tests.Support;

/// <summary>What a peer proved, per requirement name; a requirement not set was not presented. Counts the questions.</summary>
internal sealed class FakeAttestationStatus : IAttestationStatus
{
    private readonly Dictionary<string, AttestationVerdict> _verdicts = new(StringComparer.Ordinal);

    public int Asked { get; private set; }

    public CompiledAttestation? LastAsked { get; private set; }

    public FakeAttestationStatus With(string requirement, AttestationVerdict verdict)
    {
        _verdicts[requirement] = verdict;
        return this;
    }

    public AttestationVerdict For(CompiledAttestation requirement)
    {
        Asked++;
        LastAsked = requirement;
        return _verdicts.GetValueOrDefault(requirement.Name, AttestationVerdict.NotPresented);
    }
}
