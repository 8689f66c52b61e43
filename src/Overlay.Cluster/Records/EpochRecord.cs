namespace Overlay.Cluster.Records;

/// <summary><c>epoch/current</c>: the leader's unpredictable 32-byte value for this epoch (hex), a freshness challenge
/// every host can use in attested IKE.</summary>
public sealed class EpochRecord
{
    public const int ValueBytes = 32;

    public required long Epoch { get; init; }

    /// <summary>64 lowercase hex digits.</summary>
    public required string Value { get; init; }

    public required string Leader { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>The 32 value bytes (checked on parse).</summary>
    public byte[] ValueBytesArray() => Convert.FromHexString(Value);

    public static bool TryParse(ReadOnlySpan<byte> utf8, out EpochRecord record, out string error) =>
        RecordJson.TryParse(utf8, RecordJson.MaxRecordBytes, ClusterJsonContext.Default.EpochRecord, Validate, out record, out error);

    public byte[] ToJson() => RecordJson.ToJson(this, ClusterJsonContext.Default.EpochRecord);

    private static string? Validate(EpochRecord r)
    {
        if (r.Epoch <= 0)
        {
            return "epoch must be positive";
        }

        if (!RecordChecks.IsSha256Hex(r.Value))
        {
            return "value must be 64 lowercase hex digits (32 bytes)";
        }

        return RecordChecks.Host(r.Leader, "leader");
    }
}
