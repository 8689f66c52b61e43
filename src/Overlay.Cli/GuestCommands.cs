using System.CommandLine;
using Overlay.Cli.Control;
using Overlay.Cli.Guest;

namespace Overlay.Cli;

/// <summary>
/// <c>tvdctl guest list|start NAME|stop NAME|explain NAME [--socket PATH]</c>: the running daemon's
/// <c>[[guest]]</c> entries. Exit 0 done (explain: start would be allowed), 1 refused by the policy or the
/// backend failed (the reason printed), 2 bad input or the daemon not reachable.
/// </summary>
internal static class GuestCommands
{
    public static Command Create()
    {
        var command = new Command("guest", "List, start, stop and explain the running daemon's guests");
        command.Subcommands.Add(GuestListCommand.Create(Socket()));
        command.Subcommands.Add(GuestLifecycleCommand.Create("start", "Start a configured guest (Chinese Wall, measured launch)", Socket()));
        command.Subcommands.Add(GuestLifecycleCommand.Create("stop", "Stop a running guest and detach its ports", Socket()));
        command.Subcommands.Add(GuestExplainCommand.Create(Socket()));
        return command;
    }

    private static Option<string> Socket() => new("--socket")
    {
        Description = "The daemon's control socket",
        DefaultValueFactory = _ => ControlClient.DefaultSocket,
    };
}
