namespace Overlay.Cluster.Store;

/// <summary>How to reach the store: the daemon's <c>[cluster]</c> section and tvdctl's connection options.</summary>
public sealed class ClusterStoreOptions
{
    /// <summary>Client URLs of the members, all <c>http://</c> or all <c>https://</c>.</summary>
    public required IReadOnlyList<Uri> Endpoints { get; init; }

    /// <summary>PEM CA bundle the members' certificates must chain to (https); null = the system's roots.</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM client certificate and its key (together, https only).</summary>
    public string? CertFile { get; init; }

    public string? KeyFile { get; init; }

    /// <summary>etcd user and password (together).</summary>
    public string? User { get; init; }

    public string? Password { get; init; }

    /// <summary>Bound on opening a connection to a member.</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Bound on one request (a unary call, or a keep-alive round trip).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Null when usable, else what is wrong.</summary>
    public string? Validate()
    {
        if (Endpoints.Count == 0)
        {
            return "at least one endpoint is required";
        }

        string scheme = Endpoints[0].Scheme;
        foreach (var e in Endpoints)
        {
            if (!e.IsAbsoluteUri || (e.Scheme != Uri.UriSchemeHttp && e.Scheme != Uri.UriSchemeHttps))
            {
                return $"endpoint '{e}' must be an http:// or https:// URL";
            }

            if (e.Scheme != scheme)
            {
                return "endpoints must all be http:// or all https://";
            }

            if (e.AbsolutePath != "/" || e.Query.Length != 0 || e.Port <= 0)
            {
                return $"endpoint '{e}' must be scheme://host:port with no path";
            }
        }

        if ((CertFile is null) != (KeyFile is null))
        {
            return "a client certificate and its key go together";
        }

        if (scheme == Uri.UriSchemeHttp && (CaFile is not null || CertFile is not null))
        {
            return "TLS files need https:// endpoints";
        }

        if ((User is null) != (Password is null))
        {
            return "user and password go together";
        }

        if (DialTimeout <= TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero)
        {
            return "timeouts must be positive";
        }

        return null;
    }
}
