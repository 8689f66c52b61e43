using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Overlay.Cli.Control;

namespace Overlay.Cli;

/// <summary>
/// <c>tvdctl status [--json] [--socket PATH]</c>: asks the running daemon over its control socket.
/// Exit 0 with the status; exit 2 when the daemon is not running, not reachable or refuses.
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the daemon's status document as JSON (for scripts)" };
        var socket = new Option<string>("--socket")
        {
            Description = "The daemon's control socket",
            DefaultValueFactory = _ => ControlClient.DefaultSocket,
        };
        var command = new Command("status", "Show the running daemon's state: policy, TVDs, guests, last reload");
        command.Options.Add(json);
        command.Options.Add(socket);
        command.SetAction(async (parse, cancellationToken) =>
        {
            string path = parse.GetValue(socket)!;
            try
            {
                using JsonDocument reply = await ControlClient.RequestAsync(path, "status", cancellationToken);
                JsonElement status = reply.RootElement.GetProperty("status");
                if (parse.GetValue(json))
                {
                    using var writer = new Utf8JsonWriter(Console.OpenStandardOutput(), new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
                    status.WriteTo(writer);
                    writer.Flush();
                    Console.Out.WriteLine();
                }
                else
                {
                    StatusRenderer.Write(status, Console.Out);
                }

                return ExitCodes.Ok;
            }
            catch (ControlClientException e)
            {
                Console.Error.WriteLine($"tvdctl: {e.Message}");
                return ExitCodes.BadInput;
            }
            catch (KeyNotFoundException)
            {
                Console.Error.WriteLine("tvdctl: the daemon's reply has no \"status\" object");
                return ExitCodes.BadInput;
            }
        });
        return command;
    }
}
