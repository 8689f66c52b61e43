using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Daemon.AttestHost;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.Control;
using Overlay.Daemon.DataPlaneHost;
using Overlay.Daemon.GuestHost;
using Overlay.Daemon.IkeHost;
using Overlay.Daemon.Metrics;
using Overlay.Daemon.Policy;
using Overlay.Daemon.Status;

namespace Overlay.Daemon.Hosting;

/// <summary>
/// Wires the subsystems into a Generic Host with systemd integration. Only called once config and policy
/// are known good, so everything here either starts or fails for an environmental reason.
/// </summary>
public static class DaemonHost
{
    /// <summary>Environment variables with this prefix configure the host, e.g. <c>TVD_OVERLAYD_Logging__LogLevel__Default=Debug</c>.</summary>
    public const string EnvironmentPrefix = "TVD_OVERLAYD_";

    /// <summary>How long SIGTERM waits for the subsystems before the host gives up on them.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(15);

    public static IHost Build(DaemonConfig config, LoadedPolicy policy)
    {
        // No defaults: a daemon must not pick up appsettings.json from whatever directory it started in.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = Path.GetDirectoryName(config.ConfigFile),
            ApplicationName = "tvd-overlayd",
        });
        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        // The host logs a subsystem's failed start (a UDP port in use, a TPM out of reach) with its stack trace before
        // Program.cs prints it as one line and exits 1; only its Critical lines stay (a BackgroundService that throws:
        // "BackgroundServiceExceptionBehavior is configured to StopHost", with the exception).
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Logging.AddConsole();

        // Under systemd: Type=notify readiness (READY=1 once every StartAsync returned, STOPPING=1 on
        // SIGTERM) and a console format journald understands (<6>-style priority prefixes).
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(policy);
        builder.Services.AddSingleton<PolicyStore>();

        // Status sections, in the order they appear in the document.
        builder.Services.AddSingleton<IStatusSection, DaemonStatusSection>();
        builder.Services.AddSingleton<IStatusSection, PolicyStatusSection>();
        builder.Services.AddSingleton<IStatusSection, EngineStatusSection>();
        builder.Services.AddSingleton<DataPlaneRuntime>();
        builder.Services.AddSingleton<StaticSequenceState>();
        builder.Services.AddSingleton<IStatusSection, DataPlaneStatusSection>();
        builder.Services.AddSingleton<NatTraversalBridge>();
        builder.Services.AddSingleton<IkeRuntime>();
        builder.Services.AddSingleton<IStatusSection, IkeStatusSection>();
        builder.Services.AddSingleton<AttestRuntime>();
        builder.Services.AddSingleton<IStatusSection, AttestStatusSection>();
        builder.Services.AddSingleton<Overlay.Daemon.ClusterHost.ClusterState>();
        builder.Services.AddSingleton<IStatusSection, Overlay.Daemon.ClusterHost.ClusterStatusSection>();
        builder.Services.AddSingleton<Overlay.Hypervisor.Measurement.IGuestMeasurer, TpmGuestMeasurer>();
        builder.Services.AddSingleton<StatusDocument>();

        builder.Services.AddSingleton<IControlVerb, StatusVerb>();
        builder.Services.AddSingleton<IControlVerb, QuoteVerb>();
        builder.Services.AddSingleton<IControlVerb, MeasureVerb>();
        builder.Services.AddSingleton<IControlVerb, GivenEvidenceVerb>();
        builder.Services.AddSingleton<RuntimePorts>();
        builder.Services.AddSingleton<GuestService>();
        builder.Services.AddSingleton<IControlVerb, GuestVerb>();
        builder.Services.AddSingleton<IControlVerb, Overlay.Daemon.ClusterHost.HostsVerb>();
        builder.Services.AddSingleton<IStreamingControlVerb, CaptureVerb>();
        builder.Services.AddSingleton<ControlRequestHandler>();

        // Start order = registration order; the host stops them in reverse, so the control socket (an
        // input) closes first, then the data plane (its loops end, its sockets close), then the policy
        // engine both read from. Attestation starts first (the daemon is measured before anything else runs
        // and before READY=1) and stops last (its swtpm outlives every user of the TPM).
        builder.Services.AddHostedService<AttestService>();
        builder.Services.AddSingleton<PolicyService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PolicyService>());
        // Cluster mode: the store's policy and peers; after the policy (it offers reloads), before IKE (whose peer book it fills).
        builder.Services.AddHostedService<Overlay.Daemon.ClusterHost.ClusterService>();
        builder.Services.AddHostedService<DataPlaneService>();
        builder.Services.AddHostedService<IkeService>(); // after the data plane: IKE shares its NAT-T socket
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GuestService>()); // after the data plane: guest ports join it
        builder.Services.AddSingleton<OverlayMetrics>();
        builder.Services.AddHostedService<MetricsService>(); // reads every subsystem's counters; stops after the control socket
        builder.Services.AddHostedService<ControlSocketService>();
        return builder.Build();
    }
}
