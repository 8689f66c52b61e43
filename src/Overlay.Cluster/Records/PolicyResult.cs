namespace Overlay.Cluster.Records;

/// <summary><c>results/&lt;host&gt;</c>: what a host's test-then-commit of a pushed version gave. No lease: the last result
/// stays after the host goes (the rollout report only counts live hosts).</summary>
public sealed class PolicyResult
{
    public const string Committed = "committed";
    public const string Refused = "refused";
    public const int MaxSummaryLength = 4096;
    public const int MaxConflicts = 64;
    public const int MaxConflictLength = 1024;

    public required string Host { get; init; }

    /// <summary>The pushed version this result is about.</summary>
    public required long Version { get; init; }

    /// <summary>The version the host runs after this result: <see cref="Version"/> when committed, the one it kept when
    /// refused (0 when it had none from the store: its bootstrap file's).</summary>
    public required long Running { get; init; }

    /// <summary><see cref="Committed"/> or <see cref="Refused"/>.</summary>
    public required string Result { get; init; }

    public required string Summary { get; init; }

    public required IReadOnlyList<string> Conflicts { get; init; }

    public required DateTimeOffset At { get; init; }

    public bool IsCommitted => Result == Committed;

    public static bool TryParse(ReadOnlySpan<byte> utf8, out PolicyResult record, out string error) =>
        RecordJson.TryParse(utf8, RecordJson.MaxRecordBytes, ClusterJsonContext.Default.PolicyResult, Validate, out record, out error);

    public byte[] ToJson() => RecordJson.ToJson(this, ClusterJsonContext.Default.PolicyResult);

    private static string? Validate(PolicyResult r)
    {
        if (RecordChecks.Host(r.Host, "host") is { } hostError)
        {
            return hostError;
        }

        if (r.Version <= 0)
        {
            return "version must be positive";
        }

        if (r.Result is not (Committed or Refused))
        {
            return "result must be committed or refused";
        }

        if (r.Running < 0 || (r.Result == Committed && r.Running != r.Version))
        {
            return "running must be the version when committed, else 0 or the version kept";
        }

        if (!RecordChecks.IsPrintable(r.Summary, MaxSummaryLength, allowEmpty: true))
        {
            return $"summary must be at most {MaxSummaryLength} printable characters";
        }

        if (r.Conflicts.Count > MaxConflicts)
        {
            return $"conflicts lists more than {MaxConflicts} entries";
        }

        foreach (string? c in r.Conflicts)
        {
            if (!RecordChecks.IsPrintable(c, MaxConflictLength))
            {
                return $"a conflict must be 1-{MaxConflictLength} printable characters";
            }
        }

        return null;
    }
}
