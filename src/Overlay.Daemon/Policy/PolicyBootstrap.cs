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

        return new PolicyBootstrapResult(new LoadedPolicy(compiled, config.PolicyFile, now) { Requirements = requirements }, [], warnings);
    }

    /// <summary>Points at the config's <c>host =</c> value: that is the line to fix (or the policy's hosts).</summary>
    public static string HostMissing(DaemonConfig config, CompiledPolicy policy) =>
        new ConfigError(config.HostLocation,
            $"host '{config.Host}' is not a [[host]] in policy '{policy.Name}' ({config.PolicyFile}); " +
            $"its hosts: {string.Join(", ", policy.Hosts.Select(h => h.Name))}").ToString();
}

/// <summary>The policy to start with, or every reason there is none.</summary>
public sealed record PolicyBootstrapResult(LoadedPolicy? Policy, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);
