using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Labels.Compiled;

namespace Overlay.Daemon.Policy;

/// <summary>
/// The policy subsystem: says what it enforces at start and turns each SIGHUP into one reload.
/// The signal handler only queues a request (capacity 1, so a burst of SIGHUPs is one reload);
/// reloads run here, one at a time, never on the signal thread.
/// </summary>
public sealed class PolicyService : BackgroundService
{
    private readonly PolicyStore _store;
    private readonly ILogger<PolicyService> _logger;
    private readonly Channel<bool> _reloadRequests =
        Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private PosixSignalRegistration? _sighup;

    public PolicyService(PolicyStore store, ILogger<PolicyService> logger)
    {
        _store = store;
        _logger = logger;
    }

    /// <summary>Asks for a reload as SIGHUP does (what a future <c>tvdctl policy reload</c> will call).</summary>
    public void RequestReload() => _reloadRequests.Writer.TryWrite(true);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        LogEnforced(_store.Current);

        // Registered before readiness is reported: SIGHUP's default action would terminate the daemon.
        _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            RequestReload();
        });
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (bool _ in _reloadRequests.Reader.ReadAllAsync(stoppingToken))
            {
                ReloadReport report = _store.Reload();
                if (report.Committed)
                {
                    LogEnforced(_store.Current);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _sighup?.Dispose();
        _sighup = null;
        _reloadRequests.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _sighup?.Dispose();
        base.Dispose();
    }

    private void LogEnforced(LoadedPolicy loaded)
    {
        CompiledPolicy policy = loaded.Policy;
        PolicyLog.Enforcing(_logger, policy.Name, policy.Version, loaded.SourceFile);
        foreach (CompiledTvd tvd in policy.Tvds)
        {
            PolicyLog.EnforcingTvd(_logger, policy.Name, tvd.Name, tvd.VlanId, tvd.WireLabel, tvd.Definition.SteType);
        }

        foreach (CompiledHost host in policy.Hosts)
        {
            PolicyLog.EnforcingHost(_logger, policy.Name, host.Name, HostTypes(host));
        }

        CompiledHost? self = policy.FindHost(_store.HostName);
        PolicyLog.ThisHost(_logger, _store.HostName, self is null ? "nothing" : HostTypes(self));
    }

    internal static string HostTypes(CompiledHost host) =>
        host.AllowsEveryType ? "every type (*)" : string.Join(", ", host.Definition.Types);
}
