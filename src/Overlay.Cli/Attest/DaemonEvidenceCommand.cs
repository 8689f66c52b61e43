using System.CommandLine;
using System.Text.Json;
using Overlay.Cli.Control;
using Overlay.Cli.Output;

namespace Overlay.Cli.Attest;

/// <summary>
/// <c>tvdctl attest daemon-evidence --peer ID --out FILE [--full] [--socket PATH]</c>: the evidence bundle the running
/// tvd-overlayd last gave a peer in attested IKE (the control socket's <c>given-evidence</c> verb), written as
/// bytes; with <c>--full</c>, the same quote with full measurement lists instead of a delta (what
/// <c>tvdctl policy explain --evidence</c> can judge). <c>--json</c>: what was written, as one document. Exit 0 written,
/// 2 when there is none or the daemon cannot be asked.
/// </summary>
internal static class DaemonEvidenceCommand
{
    public static Command Create()
    {
        var peer = new Option<string>("--peer") { Description = "The peer's IKE identity (its host name in the policy)", Required = true };
        var output = new Option<string>("--out") { Description = "File to write the evidence bundle to", Required = true };
        var full = new Option<bool>("--full") { Description = "Full measurement lists instead of the delta the peer got (for tvdctl policy explain --evidence)" };
        var socket = AttestOptions.Socket();
        var json = JsonOutput.Option();
        var command = new Command("daemon-evidence", "Write the evidence the running tvd-overlayd last gave a peer in attested IKE");
        foreach (var option in new Option[] { peer, output, full, socket, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var arguments = new Dictionary<string, string> { ["peer"] = parse.GetValue(peer)! };
                if (parse.GetValue(full))
                {
                    arguments["full"] = "true";
                }

                using JsonDocument reply = await ControlClient.RequestAsync(parse.GetValue(socket)!, "given-evidence", cancellationToken, arguments);
                byte[] bytes = Convert.FromBase64String(reply.RootElement.GetProperty("evidence").GetString()!);
                await File.WriteAllBytesAsync(parse.GetValue(output)!, bytes, cancellationToken);
                if (parse.GetValue(json))
                {
                    JsonOutput.Write(Console.Out, w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("peer", parse.GetValue(peer));
                        w.WriteString("out", parse.GetValue(output));
                        w.WriteNumber("bytes", bytes.Length);
                        w.WriteBoolean("full", parse.GetValue(full));
                        w.WriteEndObject();
                    });
                    return ExitCodes.Ok;
                }

                Console.WriteLine($"{bytes.Length} bytes of evidence given to {parse.GetValue(peer)} written to {parse.GetValue(output)}");
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is ControlClientException or KeyNotFoundException or FormatException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"tvdctl: {e.Message}");
                return ExitCodes.BadInput;
            }
        });
        return command;
    }
}
