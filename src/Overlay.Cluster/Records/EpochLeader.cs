namespace Overlay.Cluster.Records;

/// <summary><c>epoch/leader</c>, under the leader's lease: who publishes the epoch.</summary>
public sealed class EpochLeader
{
    public required string Host { get; init; }

    public required DateTimeOffset Since { get; init; }

    public static bool TryParse(ReadOnlySpan<byte> utf8, out EpochLeader record, out string error) =>
        RecordJson.TryParse(utf8, RecordJson.MaxRecordBytes, ClusterJsonContext.Default.EpochLeader, Validate, out record, out error);

    public byte[] ToJson() => RecordJson.ToJson(this, ClusterJsonContext.Default.EpochLeader);

    private static string? Validate(EpochLeader r) => RecordChecks.Host(r.Host, "host");
}
