using System.Globalization;
using System.Text.Json;

namespace Overlay.Cli.Control;

/// <summary>
/// The <c>ike</c> section for people: one line each for identity, counters, queue and failures (by reason, only
/// those that happened), then tables of peers (with the last failure), the TVDs per peer, IKE SAs and CHILD_SAs.
/// Nested objects are written out as words, never as inline JSON.
/// </summary>
internal static partial class StatusRenderer
{
    private static void WriteIke(JsonElement ike, TextWriter o)
    {
        if (!ike.TryGetProperty("enabled", out JsonElement enabled) || enabled.ValueKind != JsonValueKind.True)
        {
            o.WriteLine("ike:         not running (no [ike], or enabled = false)");
            return;
        }

        o.WriteLine($"ike:         {Str(ike, "local_id")} on ports {Raw(ike, "ike_port")} and {Raw(ike, "nat_t_port")} (NAT-T), {Raw(ike, "workers")} worker(s)");
        if (ike.TryGetProperty("key_export", out JsonElement keys))
        {
            o.WriteLine($"ike keys:    {keys.GetString()} (debug_key_export: do not use in production)");
        }

        o.WriteLine($"counters:    {Pairs(ike, "counters")}");
        o.WriteLine($"queue:       {Pairs(ike, "queue")}");
        string failures = ike.TryGetProperty("failures", out JsonElement f) && f.ValueKind == JsonValueKind.Object
            ? string.Join(", ", f.EnumerateObject().Where(r => r.Value.ValueKind == JsonValueKind.Number && r.Value.GetInt64() > 0)
                .Select(r => $"{r.Name} {r.Value.GetRawText()}"))
            : "";
        o.WriteLine($"failures:    {(failures.Length == 0 ? "none" : failures)}");
        WriteIkePeers(ike, o);
        WriteIkeTable(ike, o, "ike_sas", ["PEER", "LOCAL", "REMOTE", "STATE", "ROLE", "SPI I", "SPI R", "AGE", "SUITE", "CHILDREN", "NAT", "LAST CHILD FAILURE"],
            sa => [Str(sa, "peer"), Opt(sa, "local"), Str(sa, "remote"), Str(sa, "state"), Role(sa), Str(sa, "spi_i"), Str(sa, "spi_r"), Age(sa), Str(sa, "suite"),
                Raw(sa, "children"), Str(sa, "nat"), Opt(sa, "last_child_failure")]);
        WriteIkeTable(ike, o, "child_sas", ["PEER", "LABEL", "IN SPI", "OUT SPI", "SUITE", "INSTALLED", "REKEYS", "SELECTORS"],
            c => [Str(c, "peer"), Str(c, "label"), Str(c, "in_spi"), Str(c, "out_spi"), Str(c, "suite"), Time(c, "installed_at"), Raw(c, "rekeys"), Selectors(c)]);
    }

    /// <summary>
    /// An inner-mode-ip CHILD_SA's traffic selectors as strongSwan prints them (<c>local === remote</c>, each a
    /// comma-separated prefix list); "-" for an EtherIP CHILD_SA, which carries whole frames and has none.
    /// </summary>
    private static string Selectors(JsonElement child)
    {
        string local = Prefixes(child, "local_ts"), remote = Prefixes(child, "remote_ts");
        return local.Length == 0 && remote.Length == 0 ? "-" : $"{local} === {remote}";
    }

    private static string Prefixes(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Array
            ? string.Join(",", v.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.String).Select(p => p.GetString()))
            : "";

    private static void WriteIkePeers(JsonElement ike, TextWriter o)
    {
        if (!ike.TryGetProperty("peers", out JsonElement peers) || peers.ValueKind != JsonValueKind.Array || peers.GetArrayLength() == 0)
        {
            o.WriteLine("peers:       none");
            return;
        }

        o.WriteLine();
        Table.Write(o, ["PEER", "ADDRESS", "ROLE", "AUTH", "MODE", "LAST FAILURE"],
            peers.EnumerateArray().Select(p => new[] { Str(p, "name"), Str(p, "address"), Role(p), Str(p, "auth"), Str(p, "mode"), LastFailure(p) }));
        var tvds = peers.EnumerateArray()
            .SelectMany(p => p.TryGetProperty("tvds", out JsonElement t) && t.ValueKind == JsonValueKind.Array
                ? t.EnumerateArray().Select(tvd => new[]
                {
                    Str(p, "name"), Str(tvd, "tvd"), Str(tvd, "label"), Opt(tvd, "requirement"), Str(tvd, "verdict"),
                    tvd.TryGetProperty("child_sa", out JsonElement up) && up.ValueKind == JsonValueKind.True ? "up" : "down", Opt(tvd, "reason"),
                })
                : [])
            .ToList();
        if (tvds.Count > 0)
        {
            o.WriteLine();
            Table.Write(o, ["PEER", "TVD", "LABEL", "REQUIREMENT", "VERDICT", "CHILD_SA", "REASON"], tvds);
        }
    }

    private static void WriteIkeTable(JsonElement ike, TextWriter o, string name, string[] header, Func<JsonElement, string[]> row)
    {
        if (!ike.TryGetProperty(name, out JsonElement items) || items.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        o.WriteLine();
        if (items.GetArrayLength() == 0)
        {
            o.WriteLine($"{name.Replace("_sas", "").ToUpperInvariant()} SAs: none");
            return;
        }

        Table.Write(o, header, items.EnumerateArray().Select(row));
    }

    /// <summary>An object of scalars as <c>name value, name value</c>.</summary>
    private static string Pairs(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement obj) && obj.ValueKind == JsonValueKind.Object
            ? string.Join(", ", obj.EnumerateObject().Select(p => $"{p.Name} {Scalar(p.Value)}"))
            : "?";

    private static string LastFailure(JsonElement peer)
    {
        if (!peer.TryGetProperty("last_failure", out JsonElement f) || f.ValueKind != JsonValueKind.Object)
        {
            return "-";
        }

        string who = f.TryGetProperty("by_peer", out JsonElement by) && by.ValueKind == JsonValueKind.True ? "refused by the peer" : "refused here";
        return $"{Str(f, "reason")} ({who}, {Time(f, "at")}): {Str(f, "detail")}";
    }

    private static string Role(JsonElement e) =>
        e.TryGetProperty("initiator", out JsonElement i) && i.ValueKind == JsonValueKind.True ? "initiator" : "responder";

    private static string Age(JsonElement sa) =>
        sa.TryGetProperty("age_s", out JsonElement a) && a.TryGetDouble(out double s)
            ? TimeSpan.FromSeconds(Math.Floor(s)).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture)
            : "-";

    /// <summary>A string that may be null or absent, as <c>-</c>.</summary>
    private static string Opt(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "-";
}
