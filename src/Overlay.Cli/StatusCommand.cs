using System.CommandLine;

namespace Overlay.Cli;

// Placeholder owned by the daemon work; replaced with the control-socket client.
internal static class StatusCommand
{
    public static Command Create() => new("status", "Show the running daemon's state");
}
