using System.CommandLine;
using Overlay.Cli.Cluster;
using Overlay.Cli.Policy;

namespace Overlay.Cli;

/// <summary>
/// <c>tvdctl policy check|show|explain</c>: offline verbs on a policy file, no daemon needed; <c>policy push|rollout</c>:
/// publish it to a cluster's store and follow every host's test-then-commit (Cluster/).
/// </summary>
internal static class PolicyCommands
{
    public static Command Create()
    {
        var policy = new Command("policy", "Check, show and explain a TVD policy file (offline); push it to a cluster and follow its rollout");
        policy.Subcommands.Add(PolicyCheckCommand.Create());
        policy.Subcommands.Add(PolicyShowCommand.Create());
        policy.Subcommands.Add(PolicyExplainCommand.Create());
        policy.Subcommands.Add(PolicyPushCommand.Create());
        policy.Subcommands.Add(PolicyRolloutCommand.Create());
        return policy;
    }
}
