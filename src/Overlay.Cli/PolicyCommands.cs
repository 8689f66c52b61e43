using System.CommandLine;

namespace Overlay.Cli;

internal static class PolicyCommands
{
    public static Command Create() => new("policy", "Check and explain a TVD policy file");
}
