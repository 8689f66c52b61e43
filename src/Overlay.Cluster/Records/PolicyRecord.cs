using System.Security.Cryptography;
using System.Text;

namespace Overlay.Cluster.Records;

/// <summary>
/// <c>policy/current</c> and <c>policy/history/&lt;version&gt;</c>: a policy as opaque TOML text with its version, the
/// version it replaces, and its SHA-256 (checked on parse: a record whose text does not hash to it is refused).
/// </summary>
public sealed class PolicyRecord
{
    /// <summary>Largest JSON value of a policy record (so the TOML text is a little less).</summary>
    public const int MaxJsonBytes = RecordJson.MaxPolicyBytes;

    public required long Version { get; init; }

    /// <summary>The version this push replaced; 0 for the first.</summary>
    public required long Replaces { get; init; }

    /// <summary>Lowercase hex SHA-256 of the UTF-8 TOML text.</summary>
    public required string Sha256 { get; init; }

    public required string Toml { get; init; }

    /// <summary>Forced revocation: a peer no longer authorized loses its SAs at once (as a reload with --revoke).</summary>
    public required bool Revoke { get; init; }

    public required string PushedBy { get; init; }

    public required DateTimeOffset PushedAt { get; init; }

    /// <summary>A record for <paramref name="toml"/> with its hash computed.</summary>
    public static PolicyRecord Create(long version, long replaces, string toml, bool revoke, string pushedBy, DateTimeOffset pushedAt) =>
        new()
        {
            Version = version,
            Replaces = replaces,
            Sha256 = HashOf(toml),
            Toml = toml,
            Revoke = revoke,
            PushedBy = pushedBy,
            PushedAt = pushedAt,
        };

    public static string HashOf(string toml) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(toml)));

    public static bool TryParse(ReadOnlySpan<byte> utf8, out PolicyRecord record, out string error) =>
        RecordJson.TryParse(utf8, RecordJson.MaxPolicyBytes, ClusterJsonContext.Default.PolicyRecord, Validate, out record, out error);

    public byte[] ToJson() => RecordJson.ToJson(this, ClusterJsonContext.Default.PolicyRecord);

    /// <summary>The same push: a retried write that did land is recognized as our own.</summary>
    public bool SamePush(PolicyRecord other) =>
        Version == other.Version && Replaces == other.Replaces && Sha256 == other.Sha256 && Revoke == other.Revoke
        && PushedBy == other.PushedBy && PushedAt == other.PushedAt;

    private static string? Validate(PolicyRecord r)
    {
        if (r.Version <= 0)
        {
            return "version must be positive";
        }

        if (r.Replaces < 0 || r.Replaces >= r.Version)
        {
            return "replaces must be 0 or a version below version";
        }

        if (!RecordChecks.IsSha256Hex(r.Sha256))
        {
            return "sha256 must be 64 lowercase hex digits";
        }

        if (!RecordChecks.IsPrintable(r.PushedBy, RecordChecks.MaxActorLength))
        {
            return "pushed_by must be 1-256 printable characters";
        }

        if (HashOf(r.Toml) != r.Sha256)
        {
            return "sha256 does not match the toml text";
        }

        return null;
    }
}
