using Overlay.Common.Policy;
using Overlay.Daemon.Configuration;
using Overlay.Labels.Compiled;
using Overlay.Labels.Loading;
using Overlay.Labels.Model;

namespace Overlay.Daemon.Policy;

/// <summary>
/// Loads the policy named by the config before anything starts, so a bad policy (or a host the policy
/// does not know) stops the daemon with every error and nothing bound.
/// </summary>
public static class PolicyBootstrap
{
    public static PolicyBootstrapResult Load(DaemonConfig config, DateTimeOffset now)
    {
        PolicyLoadResult result = PolicyLoader.LoadFile(config.PolicyFile);
        var warnings = result.Warnings.Select(w => w.ToString()).ToArray();
        if (!result.Succeeded || result.Policy is null)
        {
            string[] errors = [.. result.Errors.Select(e => e.ToString())];
            return new PolicyBootstrapResult(null, errors.Length > 0 ? errors : [$"{config.PolicyFile}: error: policy did not load"], warnings);
        }

        CompiledPolicy compiled = CompiledPolicy.Compile(result.Policy);
        if (!compiled.HasHost(config.Host))
        {
            return new PolicyBootstrapResult(null, [HostMissing(config, compiled)], warnings);
        }

        var requirementErrors = new List<string>();
        if (PolicyRequirements.Load(compiled, requirementErrors) is not { } requirements)
        {
            return new PolicyBootstrapResult(null, requirementErrors, warnings);
        }

        var loaded = new LoadedPolicy(compiled, config.PolicyFile, now) { Requirements = requirements };
        return config.Cluster is not null && LastCommittedFromCluster(config, compiled, now, out string? note) is { } fromCluster
            ? new PolicyBootstrapResult(fromCluster, [], [.. warnings, note!])
            : new PolicyBootstrapResult(loaded, [], warnings);
    }

    /// <summary>Where cluster mode keeps the store's policies (docs/cluster.md).</summary>
    public static string ClusterDirectory(DaemonConfig config) => Path.Combine(config.StateDirectory, "cluster");

    /// <summary>The file naming the last policy committed from the store (written after each commit, replaced atomically).</summary>
    public static string CommittedMarker(DaemonConfig config) => Path.Combine(ClusterDirectory(config), "committed");

    /// <summary>
    /// Cluster mode, fail-static across a restart: the policy last committed from the store, when it is newer than the
    /// bootstrap file's (same name, this host in it, its files readable), so a daemon restarted while the store is out
    /// of reach enforces what it enforced before. Anything wrong with it: the bootstrap file's, with a note why.
    /// </summary>
    private static LoadedPolicy? LastCommittedFromCluster(DaemonConfig config, CompiledPolicy bootstrap, DateTimeOffset now, out string? note)
    {
        note = null;
        string file;
        try
        {
            if (!File.Exists(CommittedMarker(config)))
            {
                return null;
            }

            file = Path.Combine(ClusterDirectory(config), Path.GetFileName(File.ReadAllText(CommittedMarker(config)).Trim()));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            note = $"tvd-overlayd: cluster mode: cannot read {CommittedMarker(config)} ({e.Message}); starting with {config.PolicyFile}";
            return null;
        }

        PolicyLoadResult result = PolicyLoader.LoadFile(file);
        var errors = new List<string>();
        if (!result.Succeeded || result.Policy is null)
        {
            note = $"tvd-overlayd: cluster mode: the last policy committed from the store ({file}) does not load; starting with {config.PolicyFile}";
            return null;
        }

        CompiledPolicy compiled = CompiledPolicy.Compile(result.Policy);
        if (compiled.Name != bootstrap.Name || compiled.Version <= bootstrap.Version || !compiled.HasHost(config.Host)
            || PolicyRequirements.Load(compiled, errors) is not { } requirements)
        {
            return null; // the bootstrap file is newer (or the store's is unusable here): it is what the daemon starts with
        }

        note = $"tvd-overlayd: cluster mode: starting with version {compiled.Version} last committed from the store ({file}), newer than {config.PolicyFile}'s version {bootstrap.Version}";
        return new LoadedPolicy(compiled, file, now) { Requirements = requirements };
    }

    /// <summary>Points at the config's <c>host =</c> value: that is the line to fix (or the policy's hosts).</summary>
    public static string HostMissing(DaemonConfig config, CompiledPolicy policy) =>
        new ConfigError(config.HostLocation,
            $"host '{config.Host}' is not a [[host]] in policy '{policy.Name}' ({config.PolicyFile}); " +
            $"its hosts: {string.Join(", ", policy.Hosts.Select(h => h.Name))}").ToString();
}

/// <summary>The policy to start with, or every reason there is none.</summary>
public sealed record PolicyBootstrapResult(LoadedPolicy? Policy, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);
