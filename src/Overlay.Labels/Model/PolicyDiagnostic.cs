namespace Overlay.Labels.Model;

public enum DiagnosticSeverity
{
    Warning,
    Error,
}

/// <summary>One problem found in a policy file, printed as <c>file:line:column: severity: message</c>.</summary>
public sealed record PolicyDiagnostic(DiagnosticSeverity Severity, SourceLocation Location, string Message)
{
    public override string ToString() =>
        $"{Location}: {(Severity == DiagnosticSeverity.Error ? "error" : "warning")}: {Message}";
}
