using System.Net;
using Overlay.Common.Toml;

namespace Overlay.Daemon.Configuration;

/// <summary>Reads <c>[metrics]</c>: <c>listen = "127.0.0.1:9469"</c>, an IPv4 loopback address with a port, or a located error.</summary>
internal static class MetricsConfigReader
{
    public const string Table = "metrics";

    /// <summary>The port docs/metrics.md suggests (no IANA assignment; unused by the common exporters).</summary>
    public const int SuggestedPort = 9469;

    private static readonly string[] Keys = ["listen"];

    /// <summary>Null when there is no table, or (with errors added) when it has a problem.</summary>
    public static MetricsConfig? Read(TomlSection? table, List<ConfigError> errors)
    {
        if (table is null)
        {
            return null;
        }

        int before = errors.Count;
        var reader = new ConfigTableReader(table, errors, Keys);
        string? listen = reader.String("listen", required: true);
        if (listen is null)
        {
            return null;
        }

        ConfigLocation at = reader.LocationOf("listen");
        if (Parse(listen, out string? problem) is not { } endpoint)
        {
            reader.Error(at, problem!);
            return null;
        }

        return errors.Count > before ? null : new MetricsConfig(endpoint, at);
    }

    /// <summary>A loopback endpoint with an explicit port, or null and why not.</summary>
    public static IPEndPoint? Parse(string text, out string? problem)
    {
        problem = null;
        string example = $"e.g. \"127.0.0.1:{SuggestedPort}\"";
        int colon = text.LastIndexOf(':');
        bool hasPort = colon > 0 && (text[0] != '[' || text[colon - 1] == ']');
        if (!hasPort || !IPEndPoint.TryParse(text, out IPEndPoint? endpoint))
        {
            problem = $"'listen' must be an IP address and a port ({example}), not \"{text}\"";
            return null;
        }

        if (endpoint.Port == 0)
        {
            problem = $"'listen' needs a port other than 0 ({example})";
            return null;
        }

        if (!IPAddress.IsLoopback(endpoint.Address))
        {
            problem = $"'listen' must be a loopback address: {endpoint.Address} is not (the metrics endpoint has no authentication; " +
                "scrape it from this host, or through a proxy that adds it)";
            return null;
        }

        if (endpoint.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            // .NET's managed HttpListener, under the exporter, refuses an IPv6 literal in its prefix ("Invalid port").
            problem = $"'listen' must be an IPv4 loopback address (127.0.0.0/8), not {endpoint.Address}: the exporter's HTTP listener takes no IPv6 address";
            return null;
        }

        return endpoint;
    }
}
