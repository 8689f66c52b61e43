using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Overlay.Attest.Quote;

namespace Overlay.Cli.Cluster;

/// <summary>
/// The connection options every cluster verb takes (docs/cli.md, "Cluster verbs"): <c>--cluster URL[,URL…]</c> (or
/// <c>TVD_CLUSTER</c>), <c>--prefix</c>, client TLS <c>--ca --cert --key</c> and etcd auth <c>--user
/// --password-file</c>. <see cref="TryRead"/> turns them into a <see cref="ClusterConnection"/> or one line saying
/// what is wrong (the verb then exits 2). Every option given is used: TLS files with http:// endpoints, a
/// certificate without its key or a user without a password are refused, never ignored.
/// </summary>
internal sealed class ClusterOptions
{
    public const string EnvironmentVariable = "TVD_CLUSTER";
    public const string DefaultPrefix = "/tvd-overlay/";

    /// <summary>PEM files (CA bundle, certificate, key) are a few KiB; the cap only stops a wrong path (a device, a log).</summary>
    public const int MaxPemBytes = 256 * 1024;

    public const int MaxPasswordBytes = 4096;

    private const int MaxEndpoints = 64;

    public Option<string[]> Cluster { get; } = new("--cluster")
    {
        Description = $"etcd client URL(s), http(s)://host:port, comma-separated (default: ${EnvironmentVariable})",
        HelpName = "URL[,URL…]",
    };

    public Option<string> Prefix { get; } = new("--prefix")
    {
        Description = "Key prefix of this overlay in etcd (starts and ends with /)",
        HelpName = "PREFIX",
        DefaultValueFactory = _ => DefaultPrefix,
    };

    public Option<string> Ca { get; } = new("--ca")
    {
        Description = "CA bundle (PEM) etcd's server certificates chain to (https only; default: the system's roots)",
        HelpName = "FILE",
    };

    public Option<string> Cert { get; } = new("--cert") { Description = "Client certificate (PEM) for etcd (https only; with --key)", HelpName = "FILE" };

    public Option<string> Key { get; } = new("--key") { Description = "Client private key (PEM) for --cert", HelpName = "FILE" };

    public Option<string> User { get; } = new("--user") { Description = "etcd user (with --password-file)", HelpName = "NAME" };

    public Option<string> PasswordFile { get; } = new("--password-file")
    {
        Description = "File holding the etcd user's password (its first line)",
        HelpName = "FILE",
    };

    public ClusterOptions()
    {
        // Shell completion (tvdctl answers it itself: packaging/tvdctl.bash-completion): the cluster in the environment,
        // the default prefix. TLS and password files fall through to the shell's file names.
        Cluster.CompletionSources.Add(_ => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env ? [new(env)] : []);
        Prefix.CompletionSources.Add(DefaultPrefix);
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Cluster);
        command.Options.Add(Prefix);
        command.Options.Add(Ca);
        command.Options.Add(Cert);
        command.Options.Add(Key);
        command.Options.Add(User);
        command.Options.Add(PasswordFile);
    }

    /// <summary>True when the command line or the environment names a cluster (for verbs that can also ask the daemon).</summary>
    public bool IsGiven(ParseResult parse, Func<string, string?>? environment = null) =>
        parse.GetValue(Cluster) is { Length: > 0 } || !string.IsNullOrWhiteSpace((environment ?? Environment.GetEnvironmentVariable)(EnvironmentVariable));

    /// <summary>The connection the options describe, or null with <paramref name="error"/> (no "tvdctl:" prefix).</summary>
    public ClusterConnection? TryRead(ParseResult parse, out string error, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var given = parse.GetValue(Cluster) is { Length: > 0 } values ? values : null;
        var source = given is null ? EnvironmentVariable : "--cluster";
        var text = given is null ? environment(EnvironmentVariable) : string.Join(',', given);
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"no cluster: give --cluster URL[,URL…] or set {EnvironmentVariable}";
            return null;
        }

        var endpoints = ParseEndpoints(text, source, out error);
        if (endpoints is null)
        {
            return null;
        }

        var prefix = parse.GetValue(Prefix)!;
        if (!ValidPrefix(prefix, out error))
        {
            return null;
        }

        var tls = endpoints[0].Scheme == Uri.UriSchemeHttps;
        var ca = parse.GetValue(Ca);
        var cert = parse.GetValue(Cert);
        var key = parse.GetValue(Key);
        if (!tls && (ca ?? cert ?? key) is not null)
        {
            error = $"--ca, --cert and --key are for https:// endpoints; {source} names http:// ones";
            return null;
        }

        if ((cert is null) != (key is null))
        {
            error = cert is null ? "--key needs --cert (the client certificate it belongs to)" : "--cert needs --key (its private key)";
            return null;
        }

        var user = parse.GetValue(User);
        var passwordFile = parse.GetValue(PasswordFile);
        if ((user is null) != (passwordFile is null))
        {
            error = user is null ? "--password-file needs --user" : "--user needs --password-file (the password is never a command-line argument)";
            return null;
        }

        if (user is { Length: 0 })
        {
            error = "--user: empty user name";
            return null;
        }

        string? caPem = null, certPem = null, keyPem = null, password = null;
        if ((ca is not null && !TryReadText(ca, "--ca", MaxPemBytes, out caPem, out error))
            || (cert is not null && !TryReadText(cert, "--cert", MaxPemBytes, out certPem, out error))
            || (key is not null && !TryReadText(key, "--key", MaxPemBytes, out keyPem, out error))
            || (passwordFile is not null && !TryReadPassword(passwordFile, out password, out error)))
        {
            return null;
        }

        if (!ValidPem(caPem, "--ca", ca, "CERTIFICATE", out error) || !ValidPem(certPem, "--cert", cert, "CERTIFICATE", out error)
            || !ValidPem(keyPem, "--key", key, "PRIVATE KEY", out error) || !Loads(ca, cert, key, out error))
        {
            return null;
        }

        error = string.Empty;
        return new ClusterConnection(endpoints, prefix, ca, cert, key, user, password);
    }

    /// <summary>Comma-separated http(s)://host:port URLs, all of one scheme, each with an explicit port and no path.</summary>
    public static IReadOnlyList<Uri>? ParseEndpoints(string text, string source, out string error)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length > MaxEndpoints)
        {
            error = $"{source}: {parts.Length} endpoints, more than {MaxEndpoints}";
            return null;
        }

        var endpoints = new List<Uri>(parts.Length);
        foreach (var part in parts)
        {
            if (part.Length == 0)
            {
                error = $"{source}: empty URL in '{text}'";
                return null;
            }

            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || string.IsNullOrEmpty(uri.Host))
            {
                error = $"{source}: '{part}' is not an http:// or https:// URL (e.g. http://10.0.0.1:2379)";
                return null;
            }

            if (!HasExplicitPort(part))
            {
                error = $"{source}: '{part}' has no port (etcd's client port is usually 2379: {uri.Scheme}://{uri.Host}:2379)";
                return null;
            }

            if (uri.Port is < 1 or > 65535)
            {
                error = $"{source}: '{part}': port {uri.Port} is not 1-65535";
                return null;
            }

            if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            {
                error = $"{source}: '{part}' must be scheme://host:port only (no path, query or user; use --user for etcd auth)";
                return null;
            }

            if (endpoints.Count > 0 && endpoints[0].Scheme != uri.Scheme)
            {
                error = $"{source}: mixes http:// and https:// endpoints";
                return null;
            }

            endpoints.Add(uri);
        }

        error = string.Empty;
        return endpoints;
    }

    public static bool ValidPrefix(string prefix, out string error)
    {
        error = prefix.Length < 2 || !prefix.StartsWith('/') || !prefix.EndsWith('/') || prefix.Contains("//", StringComparison.Ordinal)
            || prefix.Any(char.IsControl) || prefix.Length > 256
            ? $"--prefix: '{prefix}' must start and end with / (like {DefaultPrefix}), at most 256 characters"
            : string.Empty;
        return error.Length == 0;
    }

    /// <summary>Uri fills in 80/443 when the port is missing; the text tells whether one was written.</summary>
    private static bool HasExplicitPort(string url)
    {
        var authority = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var end = authority.IndexOfAny(['/', '?', '#']);
        authority = end < 0 ? authority : authority[..end];
        var bracket = authority.LastIndexOf(']');
        var colon = authority.LastIndexOf(':');
        return colon > bracket && colon < authority.Length - 1;
    }

    private static bool TryReadText(string path, string option, int limit, out string? text, out string error)
    {
        text = null;
        if (!File.Exists(path))
        {
            error = $"{option}: {path}: no such file";
            return false;
        }

        if (!BoundedFile.TryReadAllBytes(path, limit, out var bytes, out error))
        {
            error = $"{option}: {error}";
            return false;
        }

        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            error = $"{option}: {path} is not text (PEM expected)";
            return false;
        }
    }

    private static bool ValidPem(string? pem, string option, string? path, string label, out string error)
    {
        error = pem is null || pem.Contains("-----BEGIN ", StringComparison.Ordinal) && pem.Contains(label + "-----", StringComparison.Ordinal)
            ? string.Empty
            : $"{option}: {path} holds no PEM {label}";
        return error.Length == 0;
    }

    /// <summary>The TLS files load as the store will load them: the CA bundle's certificates, the certificate with its key.</summary>
    private static bool Loads(string? ca, string? cert, string? key, out string error)
    {
        error = string.Empty;
        if (ca is not null)
        {
            try
            {
                var roots = new X509Certificate2Collection();
                roots.ImportFromPemFile(ca);
                foreach (var root in roots)
                {
                    root.Dispose();
                }
            }
            catch (CryptographicException e)
            {
                error = $"--ca: {ca}: {e.Message}";
                return false;
            }
        }

        if (cert is not null && key is not null)
        {
            try
            {
                X509Certificate2.CreateFromPemFile(cert, key).Dispose();
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                error = $"--cert {cert} with --key {key}: {e.Message}";
                return false;
            }
        }

        return true;
    }

    private static bool TryReadPassword(string path, out string? password, out string error)
    {
        if (!TryReadText(path, "--password-file", MaxPasswordBytes, out var text, out error))
        {
            password = null;
            return false;
        }

        var line = text!.Split('\n')[0].TrimEnd('\r');
        if (line.Length == 0)
        {
            password = null;
            error = $"--password-file: {path}: the first line is empty";
            return false;
        }

        password = line;
        return true;
    }
}

/// <summary>What the connection options say: endpoints, prefix, TLS files (checked readable PEM) and etcd credentials.</summary>
internal sealed record ClusterConnection(
    IReadOnlyList<Uri> Endpoints,
    string Prefix,
    string? CaFile,
    string? CertFile,
    string? KeyFile,
    string? User,
    string? Password)
{
    /// <summary>The endpoints as the user wrote them, for messages (<c>http://a:2379,http://b:2379</c>).</summary>
    public string EndpointList => string.Join(',', Endpoints.Select(e => e.GetLeftPart(UriPartial.Authority)));
}
