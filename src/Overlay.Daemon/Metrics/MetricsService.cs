using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Overlay.Daemon.Configuration;

namespace Overlay.Daemon.Metrics;

/// <summary>
/// The Prometheus scrape endpoint, when <c>[metrics] listen</c> is set: OpenTelemetry's MeterProvider collects
/// <see cref="OverlayMetrics.MeterName"/> and its Prometheus exporter answers <c>GET http://listen/metrics</c> in the
/// text exposition format (docs/metrics.md says why this exporter). Without <c>[metrics]</c> nothing listens; the
/// instruments exist either way (this service holds them), so <c>dotnet-counters</c> sees them.
/// </summary>
public sealed class MetricsService : IHostedService, IDisposable
{
    private readonly DaemonConfig _config;
    private readonly OverlayMetrics _metrics;
    private readonly ILogger<MetricsService> _logger;
    private MeterProvider? _provider;

    public MetricsService(DaemonConfig config, OverlayMetrics metrics, ILogger<MetricsService> logger) =>
        (_config, _metrics, _logger) = (config, metrics, logger);

    /// <summary>The address scraped, once listening.</summary>
    public Uri? Endpoint { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_config.Metrics is not { } settings)
        {
            return Task.CompletedTask;
        }

        string host = settings.Listen.Address.ToString(); // IPv4: the config refuses IPv6 (HttpListener's prefix)
        try
        {
            _provider = Sdk.CreateMeterProviderBuilder()
                .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("tvd-overlayd", serviceVersion: _metrics.Meter.Version, autoGenerateServiceInstanceId: false)
                    .AddAttributes([new KeyValuePair<string, object>("host.name", _config.Host)]))
                .AddMeter(OverlayMetrics.MeterName)
                .AddPrometheusHttpListener(o =>
                {
                    o.Host = host;
                    o.Port = settings.Listen.Port;
                    o.ScrapeEndpointPath = "/metrics";
                })
                .Build();
        }
        catch (Exception e) when (e is System.Net.HttpListenerException or InvalidOperationException or SocketException)
        {
            throw new MetricsStartException($"cannot listen for metrics on {settings.Listen} ({settings.Location}): {e.GetBaseException().Message}", e);
        }

        Endpoint = new Uri($"http://{host}:{settings.Listen.Port}/metrics");
        MetricsLog.Listening(_logger, Endpoint.ToString());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _provider?.Dispose();
        _provider = null;
        return Task.CompletedTask;
    }

    public void Dispose() => _provider?.Dispose();
}

/// <summary>The metrics endpoint could not be opened (address in use, not on this host): the daemon does not start.</summary>
public sealed class MetricsStartException(string message, Exception inner) : Exception(message, inner);

internal static partial class MetricsLog
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "metrics: Prometheus endpoint at {Endpoint}")]
    public static partial void Listening(ILogger logger, string endpoint);
}
