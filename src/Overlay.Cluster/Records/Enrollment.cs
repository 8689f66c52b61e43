namespace Overlay.Cluster.Records;

/// <summary><c>enroll/&lt;host&gt;</c>: the AK fingerprint an administrator enrolled for a host ("" = enrolled without an
/// AK, only good for TVDs that require no attestation).</summary>
public sealed class Enrollment
{
    public required string Host { get; init; }

    public required string AkSha256 { get; init; }

    public required string EnrolledBy { get; init; }

    public required DateTimeOffset EnrolledAt { get; init; }

    public static bool TryParse(ReadOnlySpan<byte> utf8, out Enrollment record, out string error) =>
        RecordJson.TryParse(utf8, RecordJson.MaxRecordBytes, ClusterJsonContext.Default.Enrollment, Validate, out record, out error);

    public byte[] ToJson() => RecordJson.ToJson(this, ClusterJsonContext.Default.Enrollment);

    private static string? Validate(Enrollment r)
    {
        if (RecordChecks.Host(r.Host, "host") is { } hostError)
        {
            return hostError;
        }

        if (r.AkSha256.Length != 0 && !RecordChecks.IsSha256Hex(r.AkSha256))
        {
            return "ak_sha256 must be \"\" or 64 lowercase hex digits";
        }

        if (!RecordChecks.IsPrintable(r.EnrolledBy, RecordChecks.MaxActorLength))
        {
            return "enrolled_by must be 1-256 printable characters";
        }

        return null;
    }
}
