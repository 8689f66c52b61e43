using System.CommandLine;
using System.Text.Json;
using Overlay.Cli.Output;

namespace Overlay.Cli.Guest;

/// <summary>
/// <c>tvdctl guest start|stop NAME [--json]</c>: prints <c>started NAME: ...</c> and exits 0, or prints the refusal (the
/// policy decision: rule and types involved) or the failure and exits 1. With <c>--json</c>, the outcome and message
/// as one document (a failure too), the exit code the same.
/// </summary>
internal static class GuestLifecycleCommand
{
    public static Command Create(string action, string description, Option<string> socket)
    {
        var name = new Argument<string>("NAME") { Description = "The guest's name ([[guest]] name in overlayd.toml)" };
        var command = new Command(action, description);
        var json = JsonOutput.Option();
        command.Arguments.Add(name);
        command.Options.Add(socket);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using JsonDocument? reply = await GuestRequest.SendAsync(parse.GetValue(socket)!, action, parse.GetValue(name), cancellationToken);
            if (reply is null)
            {
                return ExitCodes.BadInput;
            }

            string outcome = GuestRequest.Text(reply.RootElement, "outcome");
            string guest = GuestRequest.Text(reply.RootElement, "guest");
            string message = GuestRequest.Text(reply.RootElement, "message");
            if (parse.GetValue(json) && outcome is "done" or "refused" or "failed")
            {
                JsonOutput.Write(Console.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("action", action);
                    w.WriteString("guest", guest);
                    w.WriteString("outcome", outcome);
                    w.WriteString("message", message);
                    w.WriteEndObject();
                });
                return outcome == "done" ? ExitCodes.Ok : ExitCodes.Denied;
            }

            switch (outcome)
            {
                case "done":
                    Console.Out.WriteLine($"{(action == "start" ? "started" : "stopped")} {guest}: {message}");
                    return ExitCodes.Ok;
                case "refused":
                    Console.Out.WriteLine($"refused: {action} {guest}: {message}");
                    return ExitCodes.Denied;
                case "failed":
                    Console.Error.WriteLine($"tvdctl: {action} {guest} failed: {message}");
                    return ExitCodes.Denied;
                default:
                    Console.Error.WriteLine($"tvdctl: the daemon's reply has no known \"outcome\" ({outcome})");
                    return ExitCodes.BadInput;
            }
        });
        return command;
    }
}
