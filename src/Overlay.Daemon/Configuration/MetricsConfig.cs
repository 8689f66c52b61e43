using System.Net;

namespace Overlay.Daemon.Configuration;

/// <summary>
/// <c>[metrics]</c>: where the Prometheus scrape endpoint listens (<c>http://listen/metrics</c>). Without the table no
/// listener runs (the instruments still exist, for <c>dotnet-counters</c>). Loopback addresses only: the endpoint has
/// no authentication, and what it shows (peers, TVDs, drop reasons) is for this host's operators.
/// </summary>
/// <param name="Listen">An IPv4 loopback address and port.</param>
public sealed record MetricsConfig(IPEndPoint Listen, ConfigLocation Location);
