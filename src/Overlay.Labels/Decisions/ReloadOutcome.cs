namespace Overlay.Labels.Decisions;

/// <summary>Something live that a new policy version would no longer allow.</summary>
/// <param name="Subject">What it is about, e.g. <c>guest avis-web on host1</c> or <c>binding hr-db → red-net</c>.</param>
public sealed record ReloadConflict(string Subject, string Reason)
{
    public override string ToString() => $"{Subject}: {Reason}";
}

public enum RevocationKind
{
    /// <summary>A running guest must be stopped.</summary>
    StopGuest,

    /// <summary>A guest's binding to a resource must be removed.</summary>
    Unbind,
}

/// <summary>One thing a committed reload took away: exactly what the caller must now tear down.</summary>
public sealed record Revocation(RevocationKind Kind, string Guest, string? Host, string? Resource, string Reason)
{
    public override string ToString() => Kind == RevocationKind.StopGuest
        ? $"stop guest {Guest} on host {Host}: {Reason}"
        : $"unbind guest {Guest} from {Resource}: {Reason}";
}

/// <summary>
/// The result of a test-then-commit reload. Refused: nothing changed, <see cref="Conflicts"/> says why.
/// Committed with revocations: the new policy is live and <see cref="Revoked"/> lists exactly the
/// bindings and guests that went with the switch.
/// </summary>
public sealed record ReloadOutcome(
    bool Committed,
    string PolicyName,
    long FromVersion,
    long ToVersion,
    IReadOnlyList<ReloadConflict> Conflicts,
    IReadOnlyList<Revocation> Revoked)
{
    public string Summary
    {
        get
        {
            var head = Committed
                ? $"policy {PolicyName} version {FromVersion} -> {ToVersion} committed"
                : $"policy {PolicyName} version {FromVersion} -> {ToVersion} refused";
            if (Revoked.Count > 0)
            {
                return $"{head}; revoked: {string.Join("; ", Revoked)}";
            }

            return Conflicts.Count > 0 ? $"{head}: {string.Join("; ", Conflicts)}" : head;
        }
    }
}
