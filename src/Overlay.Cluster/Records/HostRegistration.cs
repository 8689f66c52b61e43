using System.Net;
using Overlay.Cluster.Keys;

namespace Overlay.Cluster.Records;

/// <summary>
/// <c>hosts/&lt;host&gt;</c>, attached to the host's lease: where its IKE listens, which AK it attests with, which TVDs it
/// has guests of. Written on start and when its TVDs change, never per packet or handshake.
/// </summary>
public sealed class HostRegistration
{
    public const int MaxUnderlay = 16;
    public const int MaxTvds = 256;
    public const int MaxDaemonVersionLength = 64;

    public const string TpmHardware = "hardware";
    public const string TpmEmbeddedSwtpm = "embedded_swtpm";
    public const string TpmNone = "none";

    public required string Host { get; init; }

    /// <summary>Underlay addresses (IPv4 or IPv6 literals), first preferred.</summary>
    public required IReadOnlyList<string> Underlay { get; init; }

    public required int IkePort { get; init; }

    public required int NattPort { get; init; }

    /// <summary>Lowercase hex SHA-256 of the AK public key, or "" without a TPM.</summary>
    public required string AkSha256 { get; init; }

    /// <summary><see cref="TpmHardware"/>, <see cref="TpmEmbeddedSwtpm"/> or <see cref="TpmNone"/>.</summary>
    public required string Tpm { get; init; }

    public required IReadOnlyList<string> Tvds { get; init; }

    public required string DaemonVersion { get; init; }

    public required DateTimeOffset RegisteredAt { get; init; }

    /// <summary>The underlay addresses, parsed (they were checked on parse).</summary>
    public IReadOnlyList<IPAddress> UnderlayAddresses() => Underlay.Select(IPAddress.Parse).ToArray();

    public static bool TryParse(ReadOnlySpan<byte> utf8, out HostRegistration record, out string error) =>
        RecordJson.TryParse(utf8, RecordJson.MaxRecordBytes, ClusterJsonContext.Default.HostRegistration, Validate, out record, out error);

    public byte[] ToJson() => RecordJson.ToJson(this, ClusterJsonContext.Default.HostRegistration);

    /// <summary>The same content apart from <see cref="RegisteredAt"/>: no re-put needed.</summary>
    public bool SameContent(HostRegistration other) =>
        Host == other.Host && Underlay.SequenceEqual(other.Underlay) && IkePort == other.IkePort && NattPort == other.NattPort
        && AkSha256 == other.AkSha256 && Tpm == other.Tpm && Tvds.SequenceEqual(other.Tvds) && DaemonVersion == other.DaemonVersion;

    private static string? Validate(HostRegistration r)
    {
        if (RecordChecks.Host(r.Host, "host") is { } hostError)
        {
            return hostError;
        }

        if (r.Underlay.Count is 0 or > MaxUnderlay)
        {
            return $"underlay must list 1-{MaxUnderlay} addresses";
        }

        foreach (string? a in r.Underlay)
        {
            if (a is null || a.Length > 64 || !IPAddress.TryParse(a, out _))
            {
                return $"underlay address '{a}' is not an IP address";
            }
        }

        if (r.IkePort is < 1 or > 65535 || r.NattPort is < 1 or > 65535)
        {
            return "ike_port and natt_port must be 1-65535";
        }

        if (r.AkSha256.Length != 0 && !RecordChecks.IsSha256Hex(r.AkSha256))
        {
            return "ak_sha256 must be \"\" or 64 lowercase hex digits";
        }

        if (r.Tpm is not (TpmHardware or TpmEmbeddedSwtpm or TpmNone))
        {
            return "tpm must be hardware, embedded_swtpm or none";
        }

        if (r.Tvds.Count > MaxTvds)
        {
            return $"tvds lists more than {MaxTvds} names";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string? t in r.Tvds)
        {
            if (!ClusterNames.IsValidTvd(t) || !seen.Add(t!))
            {
                return $"tvds: '{t}' is not a valid TVD name or is listed twice";
            }
        }

        if (!RecordChecks.IsPrintable(r.DaemonVersion, MaxDaemonVersionLength))
        {
            return $"daemon_version must be 1-{MaxDaemonVersionLength} printable characters";
        }

        return null;
    }
}
