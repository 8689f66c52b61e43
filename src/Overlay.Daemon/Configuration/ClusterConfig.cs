namespace Overlay.Daemon.Configuration;

/// <summary>
/// <c>[cluster]</c>: the etcd cluster this daemon takes its policy and its peers from (docs/cluster.md). Without the
/// table nothing changes: the policy file and <c>[[dataplane.peer]]</c> are all there is. Every path is absolute.
/// </summary>
/// <param name="Endpoints">etcd client URLs, all <c>http</c> or all <c>https</c>, each with host and port.</param>
/// <param name="Prefix">Key prefix, starting and ending with <c>/</c>.</param>
/// <param name="CaFile">PEM CA certificates the servers' certificates must chain to (required with https).</param>
/// <param name="CertFile">PEM client certificate (with <paramref name="KeyFile"/>), for etcd's <c>--client-cert-auth</c>.</param>
/// <param name="KeyFile">PEM private key of <paramref name="CertFile"/>.</param>
/// <param name="User">etcd user (with <paramref name="PasswordFile"/>).</param>
/// <param name="PasswordFile">A file whose first line is <paramref name="User"/>'s password; read at every (re)connect.</param>
public sealed record ClusterConfig(
    IReadOnlyList<Uri> Endpoints,
    string Prefix,
    string? CaFile,
    string? CertFile,
    string? KeyFile,
    string? User,
    string? PasswordFile,
    TimeSpan DialTimeout,
    TimeSpan RequestTimeout,
    TimeSpan LeaseTtl,
    TimeSpan PeerGrace,
    TimeSpan EpochPeriod,
    ConfigLocation Location)
{
    public const string DefaultPrefix = "/tvd-overlay/";
    public const int DefaultDialTimeoutMs = 2000;
    public const int DefaultRequestTimeoutMs = 5000;
    public const int DefaultLeaseTtlSeconds = 10;
    public const int DefaultPeerGraceSeconds = 10;
    public const int DefaultEpochPeriodSeconds = 30;

    /// <summary>Whether the endpoints are https (then TLS with <see cref="CaFile"/>, and the client certificate when given).</summary>
    public bool Tls => Endpoints.Count > 0 && Endpoints[0].Scheme == Uri.UriSchemeHttps;

    /// <summary>The endpoints as written, comma-separated (status, logs).</summary>
    public string EndpointList => string.Join(",", Endpoints.Select(e => e.GetLeftPart(UriPartial.Authority)));
}
