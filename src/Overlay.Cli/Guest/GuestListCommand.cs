using System.CommandLine;
using System.Text.Json;
using Overlay.Cli.Output;

namespace Overlay.Cli.Guest;

/// <summary><c>tvdctl guest list [--json]</c>: one line per vNIC of each configured guest, with its state and data plane port.</summary>
internal static class GuestListCommand
{
    public static Command Create(Option<string> socket)
    {
        var json = JsonOutput.Option();
        var command = new Command("list", "List the configured guests, their state and their ports");
        command.Options.Add(socket);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using JsonDocument? reply = await GuestRequest.SendAsync(parse.GetValue(socket)!, "list", null, cancellationToken);
            if (reply is null)
            {
                return ExitCodes.BadInput;
            }

            if (!reply.RootElement.TryGetProperty("guests", out JsonElement guests) || guests.ValueKind != JsonValueKind.Array)
            {
                Console.Error.WriteLine("tvdctl: the daemon's reply has no \"guests\" array");
                return ExitCodes.BadInput;
            }

            if (parse.GetValue(json))
            {
                JsonOutput.Write(Console.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("guests");
                    foreach (JsonElement guest in guests.EnumerateArray())
                    {
                        GuestJson.WriteGuest(w, guest);
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                });
                return ExitCodes.Ok;
            }

            Write(guests, Console.Out);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static void Write(JsonElement guests, TextWriter output)
    {
        var rows = new List<IReadOnlyList<string>>();
        var notes = new List<string>();
        foreach (JsonElement guest in guests.EnumerateArray())
        {
            string name = GuestRequest.Text(guest, "name");
            foreach (JsonElement port in guest.GetProperty("ports").EnumerateArray())
            {
                bool attached = port.TryGetProperty("attached", out JsonElement a) && a.ValueKind == JsonValueKind.True;
                rows.Add([name, GuestRequest.Text(guest, "backend"), GuestRequest.Text(guest, "state"), GuestRequest.Text(port, "network"),
                    GuestRequest.Text(port, "tvd"), GuestRequest.Text(port, "port"), attached ? "attached" : "-"]);
                if (port.TryGetProperty("problem", out JsonElement problem))
                {
                    notes.Add($"{name}: port {GuestRequest.Text(port, "port")}: {problem.GetString()}");
                }
            }

            if (guest.TryGetProperty("define_refusal", out JsonElement refusal))
            {
                notes.Add($"{name}: {refusal.GetString()}");
            }
        }

        Table.Write(output, ["GUEST", "BACKEND", "STATE", "NETWORK", "TVD", "PORT", "DATAPLANE"], rows);
        foreach (string note in notes)
        {
            output.WriteLine(note);
        }
    }
}
