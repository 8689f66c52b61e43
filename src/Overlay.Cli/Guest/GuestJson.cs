using System.Text.Json;
using Overlay.Cli.Output;
using Overlay.Labels.Decisions;

namespace Overlay.Cli.Guest;

/// <summary>
/// The <c>--json</c> documents of the guest verbs (docs/cli.md), rebuilt from the daemon's reply so that their shape
/// is tvdctl's own: every documented field present (null when the daemon has nothing to say) and the rule named as
/// <c>policy explain</c> names it.
/// </summary>
internal static class GuestJson
{
    public static void WriteGuest(Utf8JsonWriter w, JsonElement guest, string? name = null)
    {
        if (name is null)
        {
            w.WriteStartObject();
        }
        else
        {
            w.WriteStartObject(name);
        }

        w.WriteString("name", GuestRequest.Text(guest, "name"));
        w.WriteString("backend", GuestRequest.Text(guest, "backend"));
        w.WriteString("state", GuestRequest.Text(guest, "state"));
        w.WriteStringOrNull("define_refusal", OptionalText(guest, "define_refusal"));
        w.WriteStartArray("ports");
        foreach (JsonElement port in Array(guest, "ports"))
        {
            w.WriteStartObject();
            w.WriteString("port", GuestRequest.Text(port, "port"));
            w.WriteString("network", GuestRequest.Text(port, "network"));
            w.WriteString("tvd", GuestRequest.Text(port, "tvd"));
            w.WriteStringOrNull("mac", OptionalText(port, "mac"));
            w.WriteBoolean("attached", port.TryGetProperty("attached", out JsonElement a) && a.ValueKind == JsonValueKind.True);
            w.WriteStringOrNull("problem", OptionalText(port, "problem"));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteExplanation(Utf8JsonWriter w, JsonElement root)
    {
        w.WriteStartObject();
        WriteGuest(w, root.GetProperty("guest"), "guest");
        foreach (string list in (string[])["ste_types", "cw_types", "running_here"])
        {
            w.WriteStrings(list, Array(root, list).Select(v => v.GetString() ?? ""));
        }

        w.WriteStartArray("networks");
        foreach (JsonElement network in Array(root, "networks"))
        {
            w.WriteStartObject();
            w.WriteString("network", GuestRequest.Text(network, "network"));
            w.WriteBoolean("allowed", IsTrue(network, "allowed"));
            w.WriteString("decision", GuestRequest.Text(network, "decision"));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        JsonElement start = root.GetProperty("start");
        w.WriteStartObject("start");
        w.WriteBoolean("allowed", IsTrue(start, "allowed"));
        w.WriteString("rule", Enum.TryParse(GuestRequest.Text(start, "rule"), out DecisionRule rule) ? DecisionText.RuleName(rule) : GuestRequest.Text(start, "rule"));
        w.WriteString("decision", GuestRequest.Text(start, "decision"));
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public static bool IsTrue(JsonElement element, string property) =>
        element.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.True;

    private static string? OptionalText(JsonElement element, string property) =>
        element.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static IEnumerable<JsonElement> Array(JsonElement element, string property) =>
        element.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];
}
