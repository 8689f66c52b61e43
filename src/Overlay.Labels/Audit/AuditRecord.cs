using Overlay.Labels.Decisions;

namespace Overlay.Labels.Audit;

public enum AuditKind
{
    /// <summary>An attach, start, carry or join decision, allowed or denied.</summary>
    Decision,

    /// <summary>A policy reload: committed, refused, or committed with revocations.</summary>
    Reload,

    /// <summary>A binding or running guest removed because a reload revoked it.</summary>
    Revocation,
}

/// <summary>
/// One entry of the audit trail. Exactly one of <see cref="Decision"/> (for <see cref="AuditKind.Decision"/>)
/// and <see cref="Reload"/> / <see cref="Revocation"/> is meaningful, by <see cref="Kind"/>.
/// </summary>
public readonly record struct AuditRecord(
    DateTimeOffset At,
    AuditKind Kind,
    Decision Decision,
    ReloadOutcome? Reload = null,
    Revocation? Revocation = null)
{
    public override string ToString() => Kind switch
    {
        AuditKind.Decision => $"{Decision.Action.ToString().ToLowerInvariant()} {Decision}",
        AuditKind.Reload => $"reload {Reload!.Summary}",
        _ => $"revoke {Revocation}",
    };
}
