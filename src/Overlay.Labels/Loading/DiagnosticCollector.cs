using Overlay.Common.Toml;
using Overlay.Labels.Model;

namespace Overlay.Labels.Loading;

/// <summary>
/// Gathers every problem found while loading one policy file, so that the user sees all of them in one run
/// instead of fixing them one at a time.
/// </summary>
internal sealed class DiagnosticCollector : ITomlDiagnostics
{
    private readonly List<PolicyDiagnostic> _diagnostics = [];

    public bool HasErrors { get; private set; }

    public void Error(TomlLocation location, string message)
    {
        _diagnostics.Add(new PolicyDiagnostic(DiagnosticSeverity.Error, location.ToSourceLocation(), message));
        HasErrors = true;
    }

    public void Warning(TomlLocation location, string message) =>
        _diagnostics.Add(new PolicyDiagnostic(DiagnosticSeverity.Warning, location.ToSourceLocation(), message));

    /// <summary>All diagnostics in file order; the sort is stable, so two at one position keep the order found.</summary>
    public IReadOnlyList<PolicyDiagnostic> ToSortedList() =>
        _diagnostics.OrderBy(d => d.Location.Line).ThenBy(d => d.Location.Column).ToArray();
}
