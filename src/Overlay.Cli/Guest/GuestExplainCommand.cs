using System.CommandLine;
using System.Text.Json;
using Overlay.Cli.Output;

namespace Overlay.Cli.Guest;

/// <summary>
/// <c>tvdctl guest explain NAME [--json]</c>: the guest's types from the policy, the STE decision for each of its networks
/// and what a start would decide here now (against the guests running on this host). Exit 0 when the start would
/// be allowed, 1 when it would be refused.
/// </summary>
internal static class GuestExplainCommand
{
    public static Command Create(Option<string> socket)
    {
        var name = new Argument<string>("NAME") { Description = "The guest's name ([[guest]] name in overlayd.toml)" };
        var command = new Command("explain", "Show a guest's types and what the policy decides for it on this host now");
        var json = JsonOutput.Option();
        command.Arguments.Add(name);
        command.Options.Add(socket);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using JsonDocument? reply = await GuestRequest.SendAsync(parse.GetValue(socket)!, "explain", parse.GetValue(name), cancellationToken);
            if (reply is null)
            {
                return ExitCodes.BadInput;
            }

            JsonElement root = reply.RootElement;
            if (!root.TryGetProperty("guest", out JsonElement guest) || !root.TryGetProperty("start", out JsonElement start))
            {
                Console.Error.WriteLine("tvdctl: the daemon's reply has no \"guest\" and \"start\" objects");
                return ExitCodes.BadInput;
            }

            bool allowed = GuestJson.IsTrue(start, "allowed");
            if (parse.GetValue(json))
            {
                JsonOutput.Write(Console.Out, w => GuestJson.WriteExplanation(w, root));
                return allowed ? ExitCodes.Ok : ExitCodes.Denied;
            }

            var output = Console.Out;
            output.WriteLine($"guest {GuestRequest.Text(guest, "name")} ({GuestRequest.Text(guest, "backend")}): {GuestRequest.Text(guest, "state")}");
            output.WriteLine($"  ste types: {Join(root, "ste_types")}");
            output.WriteLine($"  cw types:  {Join(root, "cw_types")}");
            output.WriteLine($"  running here: {Join(root, "running_here")}");
            foreach (JsonElement network in root.GetProperty("networks").EnumerateArray())
            {
                output.WriteLine($"  network {GuestRequest.Text(network, "network")}: {GuestRequest.Text(network, "decision")}");
            }

            output.WriteLine($"  start: {GuestRequest.Text(start, "decision")}");
            return allowed ? ExitCodes.Ok : ExitCodes.Denied;
        });
        return command;
    }

    private static string Join(JsonElement root, string property)
    {
        if (!root.TryGetProperty(property, out JsonElement values) || values.ValueKind != JsonValueKind.Array)
        {
            return "-";
        }

        string text = string.Join(", ", values.EnumerateArray().Select(v => v.GetString()));
        return text.Length == 0 ? "none" : text;
    }
}
