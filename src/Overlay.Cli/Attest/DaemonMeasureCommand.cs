using System.CommandLine;
using System.Text.Json;
using Overlay.Cli.Control;
using Overlay.Cli.Output;

namespace Overlay.Cli.Attest;

/// <summary>
/// <c>tvdctl attest daemon-measure FILE… [--socket PATH]</c>: has the running tvd-overlayd measure files into its PCR
/// and list now (the control socket's <c>measure</c> verb), as kernel IMA records what runs; peers see the new
/// entries in the daemon's next evidence. Prints one ima-ng-style line per file (<c>--json</c>: one document after the
/// last file, none when one fails). Exit 0 measured, 2 otherwise.
/// </summary>
internal static class DaemonMeasureCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("FILE") { Description = "Files to measure", Arity = ArgumentArity.OneOrMore };
        var socket = AttestOptions.Socket();
        var command = new Command("daemon-measure", "Measure files into the running tvd-overlayd's PCR and list (a runtime measurement)");
        command.Arguments.Add(files);
        var json = JsonOutput.Option();
        command.Options.Add(socket);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var measured = new List<(int, string, string)>();
            foreach (string file in parse.GetValue(files)!)
            {
                try
                {
                    var arguments = new Dictionary<string, string> { ["path"] = Path.GetFullPath(file) };
                    using JsonDocument reply = await ControlClient.RequestAsync(parse.GetValue(socket)!, "measure", cancellationToken, arguments);
                    JsonElement r = reply.RootElement;
                    (int pcr, string digest, string path) = (r.GetProperty("pcr").GetInt32(), r.GetProperty("digest").GetString()!, r.GetProperty("path").GetString()!);
                    measured.Add((pcr, digest, path));
                    if (!parse.GetValue(json))
                    {
                        Console.WriteLine($"{pcr} {digest} {path}");
                    }
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

            if (parse.GetValue(json))
            {
                JsonOutput.Write(Console.Out, w => MeasureCommand.WriteMeasurements(w, measured));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
