using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.DataPlaneHost;
using Overlay.Daemon.Policy;
using Overlay.Hypervisor.Guests;
using Overlay.Hypervisor.Measurement;

namespace Overlay.Daemon.GuestHost;

/// <summary>
/// The guest subsystem: the <c>[[guest]]</c> entries run under a <see cref="GuestManager"/> per backend (all on the
/// daemon's one policy engine, so the Chinese Wall spans libvirt and netns guests alike). At start every guest is
/// defined (STE for each vNIC's network), autostart guests are started (Chinese Wall, measured launch into the
/// TPM), and the vNICs of running guests become data plane ports of their network's TVD. A reconcile pass every
/// <see cref="ReconcileInterval"/> catches what events missed (netns guests have none) and keeps ports in step.
/// A policy reload that revokes a running guest stops it. The daemon stops the guests it runs when it stops:
/// without the daemon their TVD ports are gone.
/// </summary>
public sealed partial class GuestService : BackgroundService
{
    public static readonly TimeSpan ReconcileInterval = TimeSpan.FromSeconds(2);

    private readonly DaemonConfig _config;
    private readonly PolicyStore _policy;
    private readonly IGuestMeasurer _measurer;
    private readonly RuntimePorts _ports;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<GuestService> _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, GuestConfig> _configured = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GuestManager> _managerOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _defineRefusals = new(StringComparer.Ordinal);
    private readonly List<GuestManager> _managers = [];
    private GuestBackends? _backends;

    public GuestService(DaemonConfig config, PolicyStore policy, IGuestMeasurer measurer, RuntimePorts ports, ILoggerFactory loggers, TimeProvider time)
    {
        _config = config;
        _policy = policy;
        _measurer = measurer;
        _ports = ports;
        _loggers = loggers;
        _time = time;
        _logger = loggers.CreateLogger<GuestService>();
    }

    /// <summary>False when the config has no <c>[hypervisor]</c> and no <c>[[guest]]</c>.</summary>
    public bool Enabled => _config.Hypervisor is not null;

    public GuestAuditLog? Audit { get; private set; }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_config.Hypervisor is not { } settings)
        {
            GuestLog.NotConfigured(_logger, _config.ConfigFile);
            return Task.CompletedTask;
        }

        IReadOnlyList<GuestConfig> guests = _config.Guests ?? [];
        Audit = new GuestAuditLog(settings.AuditLog, _logger);
        _backends = GuestBackends.Open(settings, guests, _loggers);
        var knownGood = new KnownGoodImages(settings.KnownGood);
        GuestManager? libvirt = _backends.Libvirt is { } l ? NewManager(l, knownGood) : null;
        GuestManager? netns = _backends.Netns is { } n ? NewManager(n, knownGood) : null;
        GuestLog.Configured(_logger, guests.Count, string.Join(", ", _managers.Select(m => m.BackendKind)), settings.AuditLog);

        foreach (GuestConfig guest in guests)
        {
            GuestManager manager = guest.Backend == GuestBackendKind.Libvirt ? libvirt! : netns!;
            _configured[guest.Name] = guest;
            _managerOf[guest.Name] = manager;
            GuestResult defined = manager.Define(ToSpec(guest));
            if (!defined.Succeeded)
            {
                _defineRefusals[guest.Name] = defined.ToString();
                GuestLog.OperationNotDone(_logger, guest.Name, "define", defined.ToString());
            }
        }

        ReconcileAll();
        foreach (GuestConfig guest in guests.Where(g => g.Autostart && !_defineRefusals.ContainsKey(g.Name)))
        {
            GuestResult started = _managerOf[guest.Name].Start(guest.Name);
            if (!started.Succeeded)
            {
                GuestLog.OperationNotDone(_logger, guest.Name, "autostart", started.ToString());
            }
        }

        SyncPorts();
        _policy.Committed += OnPolicyCommitted;
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(ReconcileInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    ReconcileAll();
                    SyncPorts();
                }
                catch (Exception e) when (e is GuestBackendException or IOException or TimeoutException or InvalidOperationException)
                {
                    // One bad pass (a backend hiccup) must not end the loop: the next pass repairs what this one missed.
                    GuestLog.ReconcileFailed(_logger, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (!Enabled)
        {
            return;
        }

        _policy.Committed -= OnPolicyCommitted;
        foreach (GuestManager manager in _managers)
        {
            foreach (GuestStatus guest in manager.List().Where(g => g.State == GuestState.Running))
            {
                GuestResult stopped = manager.Stop(guest.Name);
                if (!stopped.Succeeded)
                {
                    GuestLog.OperationNotDone(_logger, guest.Name, "stop at shutdown", stopped.ToString());
                }
            }
        }

        SyncPorts();
        foreach (GuestManager manager in _managers)
        {
            manager.Dispose();
        }

        _backends?.Dispose();
    }

    private GuestManager NewManager(IGuestBackend backend, KnownGoodImages knownGood)
    {
        var manager = new GuestManager(_policy.Engine, _config.Host, backend, _measurer, knownGood, _loggers.CreateLogger<GuestManager>(), _time);
        manager.Audited += e => Audit?.Append(e);
        _managers.Add(manager);
        return manager;
    }

    private void ReconcileAll()
    {
        foreach (GuestManager manager in _managers)
        {
            try
            {
                manager.Reconcile();
            }
            catch (Exception e) when (e is GuestBackendException or IOException or Overlay.Hypervisor.Interop.LibvirtException or TimeoutException)
            {
                GuestLog.ReconcileFailed(_logger, e.Message);
            }
        }
    }

    /// <summary>A revoked guest is no longer running in the engine's view: stop it, so what runs matches the policy.</summary>
    private void OnPolicyCommitted(LoadedPolicy committed)
    {
        var running = _policy.Engine.Snapshot().Running.Where(r => r.Host == _config.Host).Select(r => r.Guest).ToHashSet(StringComparer.Ordinal);
        foreach (GuestManager manager in _managers)
        {
            foreach (GuestStatus guest in manager.List().Where(g => g.State == GuestState.Running && !running.Contains(g.Name)))
            {
                GuestLog.Revoked(_logger, guest.Name, committed.Policy.Version);
                Audit?.Append($"{_time.GetUtcNow():O} Revoked {guest.Name}: policy version {committed.Policy.Version} revoked it; stopping");
                manager.Stop(guest.Name);
            }
        }

        SyncPorts();
    }

    private static GuestSpec ToSpec(GuestConfig guest)
    {
        var nics = guest.Networks
            .Select((network, i) => GuestNic.Derived(guest.Name, network, i, i < guest.Addresses.Count ? guest.Addresses[i] : null))
            .ToList();
        return new GuestSpec(guest.Name, nics, [], guest.Image, guest.Kernel, guest.Initrd, guest.CommandLine, guest.VCpus, guest.MemoryMiB);
    }
}
