using Overlay.Labels.Model;

namespace Overlay.Labels.Loading;

/// <summary>
/// Gathers every problem found while loading one policy file, so that the user sees all of them in one run
/// instead of fixing them one at a time.
/// </summary>
internal sealed class DiagnosticCollector
{
    private readonly List<PolicyDiagnostic> _diagnostics = [];

    public bool HasErrors { get; private set; }

    public void Error(SourceLocation location, string message)
    {
        _diagnostics.Add(new PolicyDiagnostic(DiagnosticSeverity.Error, location, message));
        HasErrors = true;
    }

    public void Warning(SourceLocation location, string message) =>
        _diagnostics.Add(new PolicyDiagnostic(DiagnosticSeverity.Warning, location, message));

    /// <summary>All diagnostics in file order; the sort is stable, so two at one position keep the order found.</summary>
    public IReadOnlyList<PolicyDiagnostic> ToSortedList() =>
        _diagnostics.OrderBy(d => d.Location.Line).ThenBy(d => d.Location.Column).ToArray();
}
