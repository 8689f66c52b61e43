using System.Text.Json;

namespace Overlay.Cli.Graph;

/// <summary>
/// Builds a <see cref="GraphState"/> from the daemon's documents as the control socket gives them: the status document
/// (docs/daemon.md) and, when the daemon manages guests, <c>guest list</c>'s <c>guests</c>. Reads only documented
/// fields and takes a missing one as "not known" (an older daemon, a section that is disabled), never as an error.
/// </summary>
internal static class GraphStateReader
{
    /// <summary>Data plane drop reasons that are a flow the overlay blocked (a frame of the wrong TVD or for no tunnel), not a fault.</summary>
    public static readonly IReadOnlyList<string> BlockingDrops = ["foreign_tag", "untagged", "unknown_tunnel", "selector_mismatch", "unknown_spi", "no_outbound_sa"];

    public static GraphState Read(JsonElement status, JsonElement? guests)
    {
        string host = Str(Obj(status, "daemon"), "host") ?? "this host";
        JsonElement? policy = Obj(status, "policy");
        string? policyName = Str(policy, "name") is { } n ? $"{n} v{Num(policy, "version") ?? 0}" : null;
        JsonElement? ike = Obj(status, "ike");
        JsonElement? dataplane = Obj(status, "dataplane");

        var tvds = ReadTvds(policy, ike);
        var byLabel = tvds.Where(t => t.Label is not null).ToDictionary(t => t.Label!, t => t.Name, StringComparer.Ordinal);
        string? TvdName(string? labelOrName) =>
            labelOrName is null ? null : byLabel.TryGetValue(labelOrName, out string? name) ? name : labelOrName;

        var refusals = Arr(Obj(status, "engine"), "refused_joins")
            .Select(r => new GraphRefusal(Str(r, "peer") ?? "?", Str(r, "tvd") ?? "?", Str(r, "by") ?? "us", Str(r, "reason") ?? "", Num(r, "count") ?? 1))
            .OrderBy(r => r.Peer, StringComparer.Ordinal).ThenBy(r => r.Tvd, StringComparer.Ordinal).ThenBy(r => r.By, StringComparer.Ordinal)
            .ToList();
        var peers = ReadPeers(ike, dataplane, refusals, TvdName);
        var blocked = ReadBlocked(dataplane, peers, TvdName);
        var guestNodes = ReadGuests(status, dataplane, guests, TvdName);
        return new GraphState(host, policyName, tvds, guestNodes, peers, refusals, blocked);
    }

    private static List<GraphTvd> ReadTvds(JsonElement? policy, JsonElement? ike)
    {
        var requirements = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (JsonElement peer in Arr(ike, "peers"))
        {
            foreach (JsonElement tvd in Arr(peer, "tvds"))
            {
                if (Str(tvd, "tvd") is { } name)
                {
                    requirements.TryAdd(name, Str(tvd, "requirement"));
                }
            }
        }

        return [.. Arr(policy, "tvds")
            .Where(t => Str(t, "name") is not null)
            .Select(t => new GraphTvd(Str(t, "name")!, Str(t, "label"), (int?)Num(t, "vlan"), requirements.GetValueOrDefault(Str(t, "name")!)))
            .OrderBy(t => t.Name, StringComparer.Ordinal)];
    }

    private static List<GraphPeer> ReadPeers(JsonElement? ike, JsonElement? dataplane, List<GraphRefusal> refusals, Func<string?, string?> tvdName)
    {
        var peers = new SortedDictionary<string, GraphPeer>(StringComparer.Ordinal);
        var established = Arr(ike, "ike_sas").Where(sa => Str(sa, "state") == "established" && Bool(sa, "rekeyed") != true).ToList();
        foreach (JsonElement peer in Arr(ike, "peers"))
        {
            string name = Str(peer, "name") ?? Str(peer, "id") ?? "?";
            string id = Str(peer, "id") ?? name;
            JsonElement? attestation = established.Where(sa => Str(sa, "peer") == id).Select(sa => Obj(sa, "attestation")).FirstOrDefault();
            double? age = attestation is { } a && a.TryGetProperty("evidence_age_s", out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
            var links = new List<GraphLink>();
            foreach (JsonElement tvd in Arr(peer, "tvds"))
            {
                string linkTvd = Str(tvd, "tvd") ?? "?";
                bool required = Str(tvd, "requirement") is not null;
                bool attested = Bool(tvd, "attested") == true;
                bool denied = Str(tvd, "verdict") == "deny";
                LinkAttestation proof = !required ? LinkAttestation.NotRequired : attested ? LinkAttestation.Attested : LinkAttestation.Refused;
                LinkState state = Bool(tvd, "child_sa") == true ? LinkState.Up : denied ? LinkState.Refused : LinkState.Down;
                string? reason = denied ? Str(tvd, "reason") : null;
                GraphRefusal? byPeer = refusals.FirstOrDefault(r => r.By == "peer" && (r.Peer == id || r.Peer == name) && (r.Tvd == linkTvd || r.Tvd == "*"));
                if (state == LinkState.Down && byPeer is not null)
                {
                    (state, reason) = (LinkState.Refused, $"refused by {byPeer.Peer}: {byPeer.Reason}");
                }

                links.Add(new GraphLink(linkTvd, state, proof, required ? age : null, reason));
            }

            string? failure = Obj(peer, "last_failure") is { } f ? Str(f, "reason") : null;
            peers[name] = new GraphPeer(name, Str(peer, "address"), [.. links.OrderBy(l => l.Tvd, StringComparer.Ordinal)], failure);
        }

        // Statically keyed peers ([[dataplane.sa]]): tunnels without IKE.
        foreach (JsonElement peer in Arr(dataplane, "peers"))
        {
            string name = Str(peer, "name") ?? "?";
            if (peers.ContainsKey(name))
            {
                continue;
            }

            var links = Arr(peer, "tunnels").Select(t => tvdName(Str(t, "tvd")) ?? "?").Distinct()
                .Select(t => new GraphLink(t, LinkState.Up, LinkAttestation.Static, null, null))
                .OrderBy(l => l.Tvd, StringComparer.Ordinal).ToList();
            peers[name] = new GraphPeer(name, Str(peer, "address"), links, null);
        }

        return [.. peers.Values];
    }

    private static List<GraphBlocked> ReadBlocked(JsonElement? dataplane, List<GraphPeer> peers, Func<string?, string?> tvdName)
    {
        var blocked = new List<GraphBlocked>();
        var peerByAddress = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonElement peer in Arr(dataplane, "peers"))
        {
            if (Str(peer, "address") is { } address && Str(peer, "name") is { } name)
            {
                peerByAddress.TryAdd(address, name);
            }
        }

        foreach (JsonElement port in Arr(dataplane, "ports"))
        {
            AddDrops(blocked, $"port {Str(port, "name")}", tvdName(Str(port, "tvd")), Obj(port, "drops"));
        }

        foreach (JsonElement sa in Arr(dataplane, "sas"))
        {
            string address = Str(sa, "peer") ?? "?";
            string peer = peerByAddress.GetValueOrDefault(address) ?? peers.FirstOrDefault(p => p.Address is { } a && address.StartsWith(a + ":", StringComparison.Ordinal))?.Name ?? address;
            AddDrops(blocked, $"peer {peer}", tvdName(Str(sa, "tvd")), Obj(sa, "drops"));
        }

        foreach (JsonElement refused in Arr(dataplane, "refused_ports"))
        {
            blocked.Add(new GraphBlocked($"port {Str(refused, "name")}", null, "refused_port", 0,
                $"guest {Str(refused, "guest")} on {Str(refused, "network")}: {Str(refused, "reason")}"));
        }

        // Merge the per-SA counts of one (where, TVD, reason): a tunnel has an SA per direction and per rekey.
        return [.. blocked
            .GroupBy(b => (b.Where, b.Tvd, b.Reason, b.Detail))
            .Select(g => g.First() with { Count = g.Sum(b => b.Count) })
            .OrderBy(b => b.Where, StringComparer.Ordinal).ThenBy(b => b.Tvd, StringComparer.Ordinal).ThenBy(b => b.Reason, StringComparer.Ordinal)
            .ThenBy(b => b.Detail, StringComparer.Ordinal)];
    }

    private static void AddDrops(List<GraphBlocked> blocked, string where, string? tvd, JsonElement? drops)
    {
        foreach (string reason in BlockingDrops)
        {
            if (Num(drops, reason) is > 0 and long count)
            {
                blocked.Add(new GraphBlocked(where, tvd, reason, count, null));
            }
        }
    }

    private static List<GraphGuest> ReadGuests(JsonElement status, JsonElement? dataplane, JsonElement? guests, Func<string?, string?> tvdName)
    {
        var ports = new SortedDictionary<string, SortedDictionary<string, GraphGuestPort>>(StringComparer.Ordinal);
        var states = new Dictionary<string, string?>(StringComparer.Ordinal);
        var problems = new Dictionary<string, string?>(StringComparer.Ordinal);
        SortedDictionary<string, GraphGuestPort> Of(string guest) =>
            ports.TryGetValue(guest, out var p) ? p : ports[guest] = new SortedDictionary<string, GraphGuestPort>(StringComparer.Ordinal);

        foreach (JsonElement guest in guests is { ValueKind: JsonValueKind.Array } list ? list.EnumerateArray() : Enumerable.Empty<JsonElement>())
        {
            string name = Str(guest, "name") ?? "?";
            states[name] = Str(guest, "state");
            problems[name] = Str(guest, "define_refusal");
            foreach (JsonElement port in Arr(guest, "ports"))
            {
                string id = Str(port, "port") ?? Str(port, "network") ?? "?";
                string? problem = Str(port, "problem");
                Of(name)[id] = new GraphGuestPort(id, Str(port, "network"), tvdName(Str(port, "tvd")), problem is not null, problem);
            }
        }

        foreach (JsonElement port in Arr(dataplane, "ports"))
        {
            string name = Str(port, "guest") ?? "?";
            string id = Str(port, "name") ?? "?";
            Of(name).TryAdd(id, new GraphGuestPort(id, Str(port, "network"), tvdName(Str(port, "tvd")), false, null));
            states.TryAdd(name, "running");
        }

        foreach (JsonElement port in Arr(dataplane, "refused_ports"))
        {
            string name = Str(port, "guest") ?? "?";
            string id = Str(port, "name") ?? "?";
            Of(name)[id] = new GraphGuestPort(id, Str(port, "network"), null, true, Str(port, "reason"));
        }

        foreach (JsonElement running in Arr(Obj(status, "engine"), "running"))
        {
            if (Str(running, "guest") is { } name)
            {
                Of(name);
                states.TryAdd(name, "running");
            }
        }

        return [.. ports.Select(g => new GraphGuest(g.Key, states.GetValueOrDefault(g.Key), [.. g.Value.Values], problems.GetValueOrDefault(g.Key)))];
    }

    private static JsonElement? Obj(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Object ? v : null;

    private static IEnumerable<JsonElement> Arr(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray()
            : [];

    private static string? Str(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? Num(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n) ? n : null;

    private static bool? Bool(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(name, out JsonElement v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
}
