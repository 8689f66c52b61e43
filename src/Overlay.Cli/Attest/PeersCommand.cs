using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Overlay.Cli.Control;

namespace Overlay.Cli.Attest;

/// <summary>
/// <c>tvdctl attest peers [--json] [--socket PATH]</c>: per peer and TVD, what the running daemon's join decision says
/// now — the TVD's requirement, whether the peer is attested for it, the CHILD_SA, the reason — and per IKE SA what
/// the peer proved (evidence age, findings). Read from <c>tvdctl status</c>'s <c>ike</c> section. Exit 0, 2 when the
/// daemon cannot be asked or runs no IKE.
/// </summary>
internal static class PeersCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the peers and their IKE SAs as JSON" };
        var socket = AttestOptions.Socket();
        var command = new Command("peers", "Show each peer's attestation and what it admits it to, from the running tvd-overlayd");
        command.Options.Add(json);
        command.Options.Add(socket);
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                using JsonDocument reply = await ControlClient.RequestAsync(parse.GetValue(socket)!, "status", cancellationToken);
                JsonElement ike = reply.RootElement.GetProperty("status").GetProperty("ike");
                if (!ike.TryGetProperty("enabled", out JsonElement enabled) || !enabled.GetBoolean())
                {
                    Console.Error.WriteLine("tvdctl: the daemon runs no IKE");
                    return ExitCodes.BadInput;
                }

                if (parse.GetValue(json))
                {
                    Print(ike);
                }
                else
                {
                    Render(ike, Console.Out);
                }

                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is ControlClientException or KeyNotFoundException or InvalidOperationException)
            {
                Console.Error.WriteLine($"tvdctl: {e.Message}");
                return ExitCodes.BadInput;
            }
        });
        return command;
    }

    private static void Print(JsonElement ike)
    {
        using var writer = new Utf8JsonWriter(Console.OpenStandardOutput(), new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        writer.WritePropertyName("peers");
        ike.GetProperty("peers").WriteTo(writer);
        writer.WritePropertyName("ike_sas");
        ike.GetProperty("ike_sas").WriteTo(writer);
        writer.WriteEndObject();
        writer.Flush();
        Console.Out.WriteLine();
    }

    public static void Render(JsonElement ike, TextWriter output)
    {
        var sas = ike.GetProperty("ike_sas").EnumerateArray().Where(sa => sa.GetProperty("state").GetString() == "established").ToList();
        var rows = new List<string[]>();
        foreach (JsonElement peer in ike.GetProperty("peers").EnumerateArray())
        {
            string id = peer.GetProperty("id").GetString()!;
            JsonElement? sa = sas.Where(s => s.GetProperty("peer").GetString() == id).Select(s => (JsonElement?)s).FirstOrDefault();
            JsonElement? attestation = sa?.GetProperty("attestation");
            string age = attestation is { } a && a.TryGetProperty("evidence_age_s", out JsonElement ageValue) ? $"{ageValue.GetDouble():0}s" : "-";
            foreach (JsonElement tvd in peer.GetProperty("tvds").EnumerateArray())
            {
                rows.Add([
                    peer.GetProperty("name").GetString()!, tvd.GetProperty("tvd").GetString()!,
                    tvd.GetProperty("requirement").GetString() ?? "-",
                    tvd.GetProperty("requirement").ValueKind == JsonValueKind.Null ? "-" : tvd.GetProperty("attested").GetBoolean() ? "yes" : "no",
                    tvd.GetProperty("verdict").GetString()!, tvd.GetProperty("child_sa").GetBoolean() ? "up" : "-", age,
                    tvd.GetProperty("reason").GetString()!,
                ]);
            }
        }

        Table.Write(output, ["PEER", "TVD", "REQUIREMENT", "ATTESTED", "VERDICT", "CHILD_SA", "EVIDENCE_AGE", "REASON"], rows);
    }
}
