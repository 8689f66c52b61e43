using System.Text.Json;
using Overlay.Daemon.Control;
using Overlay.Hypervisor.Guests;
using Overlay.Labels.Decisions;

namespace Overlay.Daemon.GuestHost;

/// <summary>
/// <c>{"verb":"guest","action":"list"}</c>, and <c>"start"</c>, <c>"stop"</c>, <c>"explain"</c> with <c>"name"</c>.
/// start/stop answer <c>"outcome":"done"|"refused"|"failed"</c> with the manager's message (for a refusal the
/// policy decision's text: rule and types); explain answers the guest's types and each decision now. An unknown
/// action or guest is an error reply (bad input), not an outcome.
/// </summary>
public sealed class GuestVerb : IControlVerb
{
    private readonly GuestService _guests;

    public GuestVerb(GuestService guests) => _guests = guests;

    public string Name => "guest";

    public void WriteReply(JsonElement request, Utf8JsonWriter reply)
    {
        if (!_guests.Enabled)
        {
            throw new ControlRequestException("no guests are configured (no [hypervisor] or [[guest]] in the daemon's config)");
        }

        string action = Text(request, "action") ?? throw new ControlRequestException("guest needs \"action\": list, start, stop or explain");
        if (action == "list")
        {
            reply.WriteStartArray("guests");
            foreach (GuestView guest in _guests.List())
            {
                WriteGuest(reply, guest);
            }

            reply.WriteEndArray();
            return;
        }

        if (action is not ("start" or "stop" or "explain"))
        {
            throw new ControlRequestException($"unknown guest action '{action}' (known: list, start, stop, explain)");
        }

        string name = Text(request, "name") ?? throw new ControlRequestException($"guest {action} needs \"name\"");
        if (!_guests.IsConfigured(name))
        {
            string known = string.Join(", ", _guests.List().Select(g => g.Name));
            throw new ControlRequestException($"no configured guest '{name}' (configured: {(known.Length == 0 ? "none" : known)})");
        }

        if (action == "explain")
        {
            WriteExplanation(reply, _guests.Explain(name));
            return;
        }

        GuestResult result = action == "start" ? _guests.Start(name) : _guests.Stop(name);
        reply.WriteString("outcome", result.Outcome.ToString().ToLowerInvariant());
        reply.WriteString("guest", result.Guest);
        reply.WriteString("message", result.Message);
    }

    private static string? Text(JsonElement request, string property) =>
        request.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : null;

    private static void WriteGuest(Utf8JsonWriter writer, GuestView guest, string? propertyName = null)
    {
        if (propertyName is null)
        {
            writer.WriteStartObject();
        }
        else
        {
            writer.WriteStartObject(propertyName);
        }

        writer.WriteString("name", guest.Name);
        writer.WriteString("backend", guest.Backend);
        writer.WriteString("state", guest.State);
        if (guest.DefineRefusal is { } refusal)
        {
            writer.WriteString("define_refusal", refusal);
        }

        writer.WriteStartArray("ports");
        foreach (GuestPortView port in guest.Ports)
        {
            writer.WriteStartObject();
            writer.WriteString("port", port.Port);
            writer.WriteString("network", port.Network);
            writer.WriteString("tvd", port.Tvd);
            writer.WriteString("mac", port.Mac);
            writer.WriteBoolean("attached", port.Attached);
            if (port.Problem is { } problem)
            {
                writer.WriteString("problem", problem);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteExplanation(Utf8JsonWriter writer, GuestExplanation e)
    {
        WriteGuest(writer, e.Guest, "guest");
        WriteStrings(writer, "ste_types", e.SteTypes);
        WriteStrings(writer, "cw_types", e.CwTypes);
        WriteStrings(writer, "running_here", e.RunningHere);
        writer.WriteStartArray("networks");
        foreach ((string network, Decision decision) in e.Networks)
        {
            writer.WriteStartObject();
            writer.WriteString("network", network);
            writer.WriteBoolean("allowed", decision.Allowed);
            writer.WriteString("decision", decision.ToString());
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartObject("start");
        writer.WriteBoolean("allowed", e.Start.Allowed);
        writer.WriteString("rule", e.Start.Rule.ToString());
        writer.WriteString("decision", e.Start.ToString());
        writer.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (string value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
