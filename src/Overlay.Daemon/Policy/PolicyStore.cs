using Microsoft.Extensions.Logging;
using Overlay.Common.Policy;
using Overlay.Daemon.Configuration;
using Overlay.Labels.Audit;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;
using Overlay.Labels.Engine;
using Overlay.Labels.Loading;
using Overlay.Labels.Model;

namespace Overlay.Daemon.Policy;

/// <summary>
/// Owns the one <see cref="PolicyEngine"/> of this daemon and the record of how its policy got there.
/// Reloads go through the engine's test-then-commit path: a candidate that does not load, drops this host,
/// or conflicts with running guests is refused and the current policy (and engine state) stays.
/// Thread-safe: reloads are serialised, and readers see either the old or the new policy, never a mix.
/// </summary>
public sealed class PolicyStore
{
    private readonly DaemonConfig _config;
    private readonly TimeProvider _time;
    private readonly ILogger<PolicyStore> _logger;
    private readonly Lock _reloadLock = new();
    // The live policy and the report of the reload that produced it, published together: a status
    // reader never sees a new version beside the previous reload's report.
    private volatile PolicyState _state;

    public PolicyStore(DaemonConfig config, LoadedPolicy initial, TimeProvider time, ILogger<PolicyStore> logger, ILoggerFactory loggers)
    {
        _config = config;
        _time = time;
        _logger = logger;
        _state = new PolicyState(initial, null);
        Refusals = new RecentRefusals(new LoggerDecisionAudit(loggers.CreateLogger("Overlay.Labels.Audit")));
        Engine = new PolicyEngine(initial.Policy, Refusals);
    }

    public PolicyEngine Engine { get; }

    /// <summary>The latest join refusals of the audit trail, bounded (status: <c>engine.refused_joins</c>).</summary>
    public RecentRefusals Refusals { get; }

    public LoadedPolicy Current => _state.Current;

    public ReloadReport? LastReload => _state.LastReload;

    /// <summary>The live policy and the last reload's report, read together.</summary>
    public PolicyState State => _state;

    public string HostName => _config.Host;

    private long _reloadsCommitted;
    private long _reloadsRefused;

    /// <summary>Reloads that committed a new version since start (metrics: <c>tvd_policy_reloads_total{result="committed"}</c>).</summary>
    public long ReloadsCommitted => Interlocked.Read(ref _reloadsCommitted);

    /// <summary>Reloads refused since start; the running version stayed.</summary>
    public long ReloadsRefused => Interlocked.Read(ref _reloadsRefused);

    /// <summary>
    /// Raised after a reload committed, with the new policy, inside the reload lock (so handlers see commits in
    /// order). Attestation measures the new policy file here. Handlers must not throw.
    /// </summary>
    public event Action<LoadedPolicy>? Committed;

    /// <summary>Loads the policy file again and offers it to the engine; logs and returns what happened.</summary>
    public ReloadReport Reload() => Reload(_config.PolicyFile, _config.Hypervisor?.RevokeOnReload ?? true, fromCluster: false);

    /// <summary>
    /// Cluster mode: offers the store's policy, written to <paramref name="file"/>, through the same loader, host check,
    /// requirement files and test-then-commit as a SIGHUP reload. <paramref name="revoke"/> is the push's (<c>--revoke</c>),
    /// not <c>revoke_on_reload</c>. The version chain is the store's (every push compares-and-swaps the version it
    /// replaces), so a host that missed or refused versions takes a newer one over what it runs: the name must match
    /// and the version must be newer, but its <c>replaces</c> need not be the running version.
    /// </summary>
    public ReloadReport ReloadFromCluster(string file, bool revoke) => Reload(file, revoke, fromCluster: true);

    private ReloadReport Reload(string file, bool revoke, bool fromCluster)
    {
        lock (_reloadLock)
        {
            ReloadReport report;
            LoadedPolicy? committed = null;
            try
            {
                (report, committed) = TryReload(file, revoke, fromCluster);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
            {
                // A reload must never take the daemon down: whatever went wrong, the running policy stays.
                report = Refused(null, $"reload failed: {e.Message}", [e.Message]);
            }

            _state = new PolicyState(committed ?? _state.Current, report);
            Interlocked.Increment(ref committed is not null ? ref _reloadsCommitted : ref _reloadsRefused);
            if (committed is not null)
            {
                Committed?.Invoke(committed);
            }

            return report;
        }
    }

    private (ReloadReport Report, LoadedPolicy? Committed) TryReload(string file, bool revoke, bool fromCluster)
    {
        LoadedPolicy current = _state.Current;
        long fromVersion = current.Policy.Version;
        PolicyLog.ReloadRequested(_logger, file, current.Policy.Name, fromVersion);
        PolicyLoadResult loaded = PolicyLoader.LoadFile(file);
        foreach (PolicyDiagnostic warning in loaded.Warnings)
        {
            PolicyLog.PolicyWarning(_logger, warning.ToString());
        }

        if (!loaded.Succeeded || loaded.Policy is null)
        {
            string[] errors = [.. loaded.Errors.Select(e => e.ToString())];
            foreach (string error in errors)
            {
                PolicyLog.ReloadProblem(_logger, error);
            }

            return (Refused(null, $"{errors.Length} error(s) in {file}; keeping version {fromVersion}", errors), null);
        }

        PolicyDefinition definition = fromCluster && loaded.Policy.Version > fromVersion ? loaded.Policy with { Replaces = fromVersion } : loaded.Policy;
        CompiledPolicy candidate = CompiledPolicy.Compile(definition);
        if (!candidate.HasHost(_config.Host))
        {
            string problem = PolicyBootstrap.HostMissing(_config, candidate);
            PolicyLog.ReloadProblem(_logger, problem);
            return (Refused(candidate.Version, $"candidate drops this host '{_config.Host}'; keeping version {fromVersion}", [problem]), null);
        }

        var requirementErrors = new List<string>();
        if (PolicyRequirements.Load(candidate, requirementErrors) is not { } requirements)
        {
            foreach (string error in requirementErrors)
            {
                PolicyLog.ReloadProblem(_logger, error);
            }

            return (Refused(candidate.Version, $"{requirementErrors.Count} attestation requirement problem(s); keeping version {fromVersion}", requirementErrors), null);
        }

        // A reload revokes what the new version denies (the guest service stops revoked guests, the data plane detaches
        // revoked static ports), unless [hypervisor] revoke_on_reload = false asks for such a reload to be refused.
        ReloadOutcome outcome = Engine.Reload(candidate, revoke);
        if (!outcome.Committed)
        {
            string[] conflicts = [.. outcome.Conflicts.Select(c => c.ToString())];
            foreach (string conflict in conflicts)
            {
                PolicyLog.ReloadProblem(_logger, conflict);
            }

            return (Refused(candidate.Version, outcome.Summary, conflicts), null);
        }

        var now = _time.GetUtcNow();
        PolicyLog.ReloadCommitted(_logger, candidate.Name, outcome.FromVersion, outcome.ToVersion, outcome.Summary);
        var report = new ReloadReport(now, true, outcome.FromVersion, outcome.ToVersion, outcome.Summary, [], [.. outcome.Revoked.Select(r => r.ToString())]);
        return (report, new LoadedPolicy(candidate, file, now) { Requirements = requirements });
    }

    private ReloadReport Refused(long? toVersion, string summary, IReadOnlyList<string> problems)
    {
        LoadedPolicy current = _state.Current;
        PolicyLog.ReloadRefused(_logger, current.Policy.Name, current.Policy.Version, summary);
        return new ReloadReport(_time.GetUtcNow(), false, current.Policy.Version, toVersion, summary, problems, []);
    }
}

/// <summary>The live policy and the report of the last reload (null before the first).</summary>
public sealed record PolicyState(LoadedPolicy Current, ReloadReport? LastReload);
