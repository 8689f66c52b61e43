using System.CommandLine;
using System.Text.Json;

namespace Overlay.Cli.Guest;

/// <summary>
/// <c>tvdctl guest start|stop NAME</c>: prints <c>started NAME: ...</c> and exits 0, or prints the refusal (the
/// policy decision: rule and types involved) or the failure and exits 1.
/// </summary>
internal static class GuestLifecycleCommand
{
    public static Command Create(string action, string description, Option<string> socket)
    {
        var name = new Argument<string>("NAME") { Description = "The guest's name ([[guest]] name in overlayd.toml)" };
        var command = new Command(action, description);
        command.Arguments.Add(name);
        command.Options.Add(socket);
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
