using System.Text.Json;

namespace Overlay.Cli.Control;

/// <summary>The <c>cluster</c> section (docs/daemon.md, "The cluster section") in words: connected or since when not.</summary>
internal static partial class StatusRenderer
{
    private static void WriteCluster(JsonElement c, TextWriter o)
    {
        if (!c.TryGetProperty("enabled", out JsonElement enabled) || enabled.ValueKind != JsonValueKind.True)
        {
            o.WriteLine("cluster:     files mode (no [cluster])");
            return;
        }

        bool connected = c.TryGetProperty("connected", out JsonElement up) && up.ValueKind == JsonValueKind.True;
        o.WriteLine(connected
            ? $"cluster:     connected to {Str(c, "endpoint")} (prefix {Str(c, "prefix")}), revision {Raw(c, "revision")}"
            : $"cluster:     disconnected since {Time(c, "disconnected_since")} from {Str(c, "endpoint")}: {Str(c, "last_error")}" +
              " (keeping the running policy, the peers and their SAs)");
        bool registered = c.TryGetProperty("registered", out JsonElement r) && r.ValueKind == JsonValueKind.True;
        o.WriteLine(registered
            ? $"registered:  yes, lease {Str(c, "lease")} (ttl {Raw(c, "lease_ttl_s")} s)"
            : "registered:  no");
        long storeVersion = c.TryGetProperty("policy_version_in_store", out JsonElement v) && v.TryGetInt64(out long sv) ? sv : 0;
        string result = c.TryGetProperty("last_result", out JsonElement last) && last.ValueKind == JsonValueKind.Object
            ? $"; this host {Str(last, "result")} version {Raw(last, "version")} at {Time(last, "at")}" +
              (last.TryGetProperty("conflicts", out JsonElement conflicts) && conflicts.GetArrayLength() > 0
                  ? ": " + string.Join("; ", conflicts.EnumerateArray().Select(x => x.GetString()))
                  : "")
            : "";
        o.WriteLine(storeVersion == 0 ? "store:       no policy pushed yet (the bootstrap file's is in force)" : $"store:       policy version {storeVersion}{result}");
        o.WriteLine($"peers:       {Raw(c, "peers_admitted")} admitted, {Raw(c, "peers_ignored")} ignored (tvdctl hosts)");
        if (c.TryGetProperty("epoch", out JsonElement epoch) && epoch.ValueKind == JsonValueKind.Object)
        {
            o.WriteLine($"epoch:       {Raw(epoch, "epoch")} by {Str(epoch, "leader")} at {Time(epoch, "at")}");
        }
    }
}
