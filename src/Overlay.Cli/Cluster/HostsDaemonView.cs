using System.Globalization;
using System.Text.Json;
using Overlay.Cli.Control;
using Overlay.Cli.Output;

namespace Overlay.Cli.Cluster;

/// <summary>
/// <c>tvdctl hosts [--socket PATH] [--json]</c> without a cluster: the inventory as the running daemon judged it
/// (its control verb <c>hosts</c>, docs/daemon.md "The hosts reply"): admitted peers (live, or in their grace period)
/// and ignored registrations with the reason. <c>--json</c> prints the daemon's <c>hosts</c> object as it is. Exit 0;
/// 2 when the daemon is not running, not reachable, or not in cluster mode (it refuses).
/// </summary>
internal static class HostsDaemonView
{
    public static async Task<int> RunAsync(string socket, bool json, CancellationToken ct)
    {
        try
        {
            using var reply = await ControlClient.RequestAsync(socket, "hosts", ct);
            if (!reply.RootElement.TryGetProperty("hosts", out var hosts) || hosts.ValueKind != JsonValueKind.Object)
            {
                Console.Error.WriteLine("tvdctl: hosts: the daemon's reply has no \"hosts\" object");
                return ExitCodes.BadInput;
            }

            if (json)
            {
                JsonOutput.Write(Console.Out, hosts);
            }
            else
            {
                Write(hosts, Console.Out);
            }

            return ExitCodes.Ok;
        }
        catch (ControlClientException e)
        {
            Console.Error.WriteLine($"tvdctl: {e.Message}");
            return ExitCodes.BadInput;
        }
    }

    /// <summary>The table, from the daemon's document; fields it leaves out show as "-" (a newer or older daemon).</summary>
    internal static void Write(JsonElement hosts, TextWriter output)
    {
        var admitted = Array(hosts, "admitted");
        var ignored = Array(hosts, "ignored");
        var connected = hosts.TryGetProperty("connected", out var c) && c.ValueKind == JsonValueKind.True;
        var revision = hosts.TryGetProperty("revision", out var r) && r.TryGetInt64(out var rev) ? rev.ToString(CultureInfo.InvariantCulture) : "-";
        output.WriteLine($"{Text(hosts, "self")}'s view ({(connected ? "connected" : "disconnected: the last lists judged")}, " +
            $"revision {revision}): {admitted.Count} admitted, {ignored.Count} ignored");
        var rows = admitted.Select(h => (IReadOnlyList<string>)
            [
                Text(h, "host"),
                Text(h, "state") == "grace" ? $"grace until {Text(h, "grace_until")}" : Text(h, "state"),
                Text(h, "address"),
                $"{Text(h, "ike_port")}/{Text(h, "natt_port")}",
                Text(h, "ak_sha256") is { Length: 64 } ak ? $"sha256:{ak[..16]}…" : "none",
                Text(h, "tpm"),
                string.Join(',', Array(h, "tvds").Select(t => t.ValueKind == JsonValueKind.String ? t.GetString() : "?")),
            ])
            .Concat(ignored.Select(h => (IReadOnlyList<string>)[Text(h, "host"), $"ignored: {Text(h, "reason")}", "-", "-", "-", "-", "-"]))
            .OrderBy(row => row[0], StringComparer.Ordinal)
            .ToList();
        if (rows.Count > 0)
        {
            Table.Write(output, ["HOST", "STATE", "ADDRESS", "IKE/NAT-T", "AK", "TPM", "TVDS"], rows);
        }

        foreach (var h in ignored)
        {
            output.WriteLine($"{Text(h, "host")}: {Text(h, "reason")}: {Text(h, "detail")}");
        }
    }

    private static List<JsonElement> Array(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList() : [];

    private static string Text(JsonElement parent, string name) =>
        !parent.TryGetProperty(name, out var value) ? "-" : value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            _ => "-",
        };
}
