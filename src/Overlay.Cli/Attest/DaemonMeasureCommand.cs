using System.CommandLine;
using System.Text.Json;
using Overlay.Cli.Control;

namespace Overlay.Cli.Attest;

/// <summary>
/// <c>tvdctl attest daemon-measure FILE… [--socket PATH]</c>: has the running tvd-overlayd measure files into its PCR
/// and list now (the control socket's <c>measure</c> verb), as kernel IMA records what runs; peers see the new
/// entries in the daemon's next evidence. Prints one ima-ng-style line per file. Exit 0 measured, 2 otherwise.
/// </summary>
internal static class DaemonMeasureCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("FILE") { Description = "Files to measure", Arity = ArgumentArity.OneOrMore };
        var socket = AttestOptions.Socket();
        var command = new Command("daemon-measure", "Measure files into the running tvd-overlayd's PCR and list (a runtime measurement)");
        command.Arguments.Add(files);
        command.Options.Add(socket);
        command.SetAction(async (parse, cancellationToken) =>
        {
            foreach (string file in parse.GetValue(files)!)
            {
                try
                {
                    var arguments = new Dictionary<string, string> { ["path"] = Path.GetFullPath(file) };
                    using JsonDocument reply = await ControlClient.RequestAsync(parse.GetValue(socket)!, "measure", cancellationToken, arguments);
                    JsonElement r = reply.RootElement;
                    Console.WriteLine($"{r.GetProperty("pcr").GetInt32()} {r.GetProperty("digest").GetString()} {r.GetProperty("path").GetString()}");
                }
                catch (ControlClientException e)
                {
                    Console.Error.WriteLine($"tvdctl: {e.Message}");
                    return ExitCodes.BadInput;
                }
                catch (KeyNotFoundException)
                {
                    Console.Error.WriteLine("tvdctl: the daemon's reply has no \"pcr\", \"digest\" and \"path\"");
                    return ExitCodes.BadInput;
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
