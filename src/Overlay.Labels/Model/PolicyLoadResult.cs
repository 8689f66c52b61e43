namespace Overlay.Labels.Model;

/// <summary>
/// The outcome of loading a policy file: the definition when it has no errors, and every diagnostic
/// (all errors at once, warnings too) in file order.
/// </summary>
public sealed record PolicyLoadResult(PolicyDefinition? Policy, IReadOnlyList<PolicyDiagnostic> Diagnostics)
{
    public bool Succeeded => Policy is not null && !Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    public IEnumerable<PolicyDiagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);

    public IEnumerable<PolicyDiagnostic> Warnings => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning);
}
