using System.CommandLine;
using Overlay.Cli.Policy;

namespace Overlay.Cli;

/// <summary><c>tvdctl policy check|show|explain</c>: offline verbs on a policy file, no daemon needed.</summary>
internal static class PolicyCommands
{
    public static Command Create()
    {
        var policy = new Command("policy", "Check, show and explain a TVD policy file (offline)");
        policy.Subcommands.Add(PolicyCheckCommand.Create());
        policy.Subcommands.Add(PolicyShowCommand.Create());
        policy.Subcommands.Add(PolicyExplainCommand.Create());
        return policy;
    }
}
