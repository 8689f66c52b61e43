using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Overlay.Common.Toml;

namespace Overlay.Daemon.Configuration;

/// <summary>
/// Reads <c>[cluster]</c> (docs/cluster.md, "Configuration"): every key checked where it is written — the URLs, the
/// prefix, the TLS files (read and parsed now, so a wrong path is a config error, not a reconnect loop), the auth pair,
/// the timings — and every key used: a TLS file with http endpoints, or half of a pair, is an error, never ignored.
/// </summary>
internal static class ClusterConfigReader
{
    public const string Table = "cluster";

    private static readonly string[] Keys =
    [
        "endpoints", "prefix", "ca", "cert", "key", "user", "password_file", "dial_timeout_ms", "request_timeout_ms", "lease_ttl_s",
        "peer_grace_s", "epoch_period_s",
    ];

    /// <summary>Null when there is no table, or (with errors added) when it has a problem.</summary>
    public static ClusterConfig? Read(TomlSection? table, string configPath, List<ConfigError> errors)
    {
        if (table is null)
        {
            return null;
        }

        int before = errors.Count;
        var r = new ConfigTableReader(table, errors, Keys);
        string baseDirectory = Path.GetDirectoryName(configPath) ?? "/";
        IReadOnlyList<Uri> endpoints = Endpoints(r);
        string prefix = Prefix(r);
        string? ca = FilePath(r, "ca", baseDirectory);
        string? cert = FilePath(r, "cert", baseDirectory);
        string? key = FilePath(r, "key", baseDirectory);
        string? user = r.String("user", required: false);
        string? passwordFile = FilePath(r, "password_file", baseDirectory);
        long? dial = r.Integer("dial_timeout_ms", 1, 60_000, ClusterConfig.DefaultDialTimeoutMs);
        long? request = r.Integer("request_timeout_ms", 1, 600_000, ClusterConfig.DefaultRequestTimeoutMs);
        long? ttl = r.Integer("lease_ttl_s", 2, 3600, ClusterConfig.DefaultLeaseTtlSeconds);
        long? grace = r.Integer("peer_grace_s", 0, 3600, ClusterConfig.DefaultPeerGraceSeconds);
        long? epoch = r.Integer("epoch_period_s", 1, 86_400, ClusterConfig.DefaultEpochPeriodSeconds);

        bool tls = endpoints.Count > 0 && endpoints[0].Scheme == Uri.UriSchemeHttps;
        CheckTls(r, endpoints, tls, ca, cert, key);
        CheckAuth(r, user, passwordFile);
        if (errors.Count > before || dial is null || request is null || ttl is null || grace is null || epoch is null)
        {
            return null;
        }

        return new ClusterConfig(endpoints, prefix, ca, cert, key, user, passwordFile, TimeSpan.FromMilliseconds(dial.Value),
            TimeSpan.FromMilliseconds(request.Value), TimeSpan.FromSeconds(ttl.Value), TimeSpan.FromSeconds(grace.Value),
            TimeSpan.FromSeconds(epoch.Value), r.Location);
    }

    /// <summary>Each URL <c>http(s)://host:port</c> with nothing after the port; all of one scheme (one TLS setting for the channel).</summary>
    private static List<Uri> Endpoints(ConfigTableReader r)
    {
        var endpoints = new List<Uri>();
        if (r.StringList("endpoints", required: true) is not { } list)
        {
            return endpoints;
        }

        if (list.Value.Count == 0)
        {
            r.Error(r.LocationOf("endpoints"), "'endpoints' needs at least one etcd client URL (e.g. [\"http://10.0.0.1:2379\"])");
        }

        foreach (var (text, at) in list.Value.Select(e => (e.Value, e.Location.ToConfigLocation())))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || uri.Host.Length == 0 || !HasExplicitPort(text, uri) || uri.PathAndQuery != "/" || uri.Fragment.Length > 0
                || uri.UserInfo.Length > 0)
            {
                r.Error(at, $"'endpoints' holds \"{text}\": an etcd client URL is http://host:port or https://host:port, nothing after the port");
                continue;
            }

            if (endpoints.Count > 0 && endpoints[0].Scheme != uri.Scheme)
            {
                r.Error(at, $"'endpoints' mixes http and https (\"{text}\"): the client speaks one of them to every member");
                continue;
            }

            endpoints.Add(uri);
        }

        return endpoints;
    }

    private static bool HasExplicitPort(string text, Uri uri)
    {
        string afterScheme = text[(uri.Scheme.Length + 3)..].TrimEnd('/');
        int colon = afterScheme.LastIndexOf(':');
        return colon > 0 && colon > afterScheme.LastIndexOf(']') && uri.Port is > 0 and <= 65535;
    }

    /// <summary>The cluster's own rule (<see cref="Overlay.Cluster.Keys.ClusterKeys.TryCreate"/>), so tvdctl and the daemon agree.</summary>
    private static string Prefix(ConfigTableReader r)
    {
        if (r.String("prefix", required: false) is not { } prefix)
        {
            return ClusterConfig.DefaultPrefix;
        }

        if (!Overlay.Cluster.Keys.ClusterKeys.TryCreate(prefix, out _, out string problem))
        {
            r.Error(r.LocationOf("prefix"), $"'prefix' \"{prefix}\": {problem} (e.g. \"{ClusterConfig.DefaultPrefix}\")");
        }

        return prefix;
    }

    private static string? FilePath(ConfigTableReader r, string key, string baseDirectory) =>
        r.String(key, required: false) is { } path ? Path.GetFullPath(path, baseDirectory) : null;

    /// <summary>https needs <c>ca</c>; <c>cert</c> and <c>key</c> come together; none of them with http. The files are parsed now.</summary>
    private static void CheckTls(ConfigTableReader r, IReadOnlyList<Uri> endpoints, bool tls, string? ca, string? cert, string? key)
    {
        if (endpoints.Count > 0 && !tls)
        {
            foreach (string name in new[] { "ca", "cert", "key" }.Where(r.Has))
            {
                r.Error(r.LocationOf(name), $"'{name}' is for TLS, but the endpoints are http: write them as https://host:port, or remove '{name}'");
            }

            return;
        }

        if (tls && ca is null)
        {
            r.Error(r.LocationOf("endpoints"), "https endpoints need ca = \"<PEM file of the CA that signed the etcd members' certificates>\"");
        }

        if ((cert is null) != (key is null))
        {
            string missing = cert is null ? "cert" : "key";
            r.Error(r.LocationOf(cert is null ? "key" : "cert"), $"'cert' and 'key' come together (the client certificate and its private key): set '{missing}'");
        }

        if (ca is not null)
        {
            try
            {
                var collection = new X509Certificate2Collection();
                collection.ImportFromPemFile(ca);
                if (collection.Count == 0)
                {
                    r.Error(r.LocationOf("ca"), $"ca '{ca}' holds no PEM certificate");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                r.Error(r.LocationOf("ca"), $"cannot read ca '{ca}': {e.Message}");
            }
        }

        if (cert is not null && key is not null)
        {
            try
            {
                using X509Certificate2 pair = X509Certificate2.CreateFromPemFile(cert, key);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                r.Error(r.LocationOf("cert"), $"cannot load the client certificate '{cert}' with key '{key}': {e.Message}");
            }
        }
    }

    /// <summary><c>user</c> and <c>password_file</c> come together; the file must be readable and hold a password now.</summary>
    private static void CheckAuth(ConfigTableReader r, string? user, string? passwordFile)
    {
        if ((user is null) != (passwordFile is null))
        {
            string missing = user is null ? "user" : "password_file";
            r.Error(r.LocationOf(user is null ? "password_file" : "user"), $"'user' and 'password_file' come together (etcd authentication): set '{missing}'");
            return;
        }

        if (passwordFile is not null && ReadPassword(passwordFile, out string? problem) is null)
        {
            r.Error(r.LocationOf("password_file"), problem!);
        }
    }

    /// <summary>The first line of the file (without its line end), or null and why not.</summary>
    public static string? ReadPassword(string path, out string? problem)
    {
        problem = null;
        try
        {
            using var reader = new StreamReader(path);
            char[] buffer = new char[4096];
            int read = reader.ReadBlock(buffer, 0, buffer.Length);
            string password = new string(buffer, 0, read).Split('\n')[0].TrimEnd('\r');
            if (password.Length == 0)
            {
                problem = $"password_file '{path}' is empty (its first line is the password)";
                return null;
            }

            return password;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot read password_file '{path}': {e.Message}";
            return null;
        }
    }

    /// <summary>
    /// A host registers its <c>[dataplane] underlay</c> and ports, so <c>[cluster]</c> needs <c>[dataplane]</c>.
    /// Peers from the inventory have no <c>[[ike.peer]]</c> of their own, so with IKE on they authenticate with what
    /// <c>[ike]</c> gives every peer: certificates (<c>certificate</c>, <c>private_key</c>, <c>ca</c>; the identity is the
    /// host name) or the shared key (<c>shared_psk = true</c>). Without either no inventory peer could ever be keyed.
    /// </summary>
    public static void CheckWithOtherTables(ClusterConfig? cluster, DataPlaneConfig? dataPlane, IkeConfig? ike, List<ConfigError> errors)
    {
        if (cluster is not null && dataPlane is null)
        {
            errors.Add(new ConfigError(cluster.Location, "[cluster] needs [dataplane]: this host registers its underlay address and ports for its peers"));
        }

        if (cluster is null || ike is not { Enabled: true })
        {
            return;
        }

        bool certificates = ike.Certificate is not null && ike.TrustedCas.Count > 0;
        if (!certificates && !(ike.SharedPsk && ike.DefaultPsk is not null))
        {
            errors.Add(new ConfigError(cluster.Location, "peers from the cluster inventory have no [[ike.peer]] of their own: give [ike] certificate, "
                + "private_key and ca (each host's certificate names its host name), or psk with shared_psk = true"));
        }
    }
}
