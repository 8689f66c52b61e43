using System.CommandLine;
using Overlay.Cli;
using Overlay.Cli.Cluster;

// tvdctl: offline policy and attestation verbs, plus the running daemon's control socket.
// Exit codes across every verb: 0 success/allow/valid, 1 deny/invalid, 2 bad input or usage.
var root = new RootCommand("tvdctl — control and inspect TVD Overlay (Trusted Virtual Domains)");
root.Subcommands.Add(PolicyCommands.Create());
root.Subcommands.Add(StatusCommand.Create());
root.Subcommands.Add(AttestCommands.Create());
root.Subcommands.Add(GuestCommands.Create());
root.Subcommands.Add(CaptureCommand.Create());
root.Subcommands.Add(GraphCommand.Create());
root.Subcommands.Add(HostCommands.Create());
root.Subcommands.Add(HostsCommand.Create());

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine($"tvdctl: {error.Message}");
    }

    return ExitCodes.BadInput;
}

return await parse.InvokeAsync();
