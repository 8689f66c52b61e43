using System.Text.Json;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.Control;

namespace Overlay.Daemon.ClusterHost;

/// <summary>
/// <c>{"verb":"hosts"}</c> → the inventory as this daemon judged it (docs/daemon.md, "hosts"): every registration it
/// saw, admitted (live, or in grace until a time) or ignored with the reason. What <c>tvdctl hosts</c> shows without
/// <c>--cluster</c>. In files mode the request is refused: there is no inventory.
/// </summary>
public sealed class HostsVerb(DaemonConfig config, ClusterState state) : IControlVerb
{
    public string Name => "hosts";

    public void WriteReply(JsonElement request, Utf8JsonWriter reply)
    {
        if (config.Cluster is null)
        {
            throw new ControlRequestException("hosts: this daemon is not in cluster mode (no [cluster] in its config)");
        }

        InventoryView inventory = state.Inventory;
        reply.WriteStartObject("hosts");
        reply.WriteString("self", config.Host);
        reply.WriteBoolean("connected", state.Connected);
        reply.WriteNumber("revision", state.Revision);
        reply.WriteStartArray("admitted");
        foreach (AdmittedHost host in inventory.Admitted)
        {
            var r = host.Registration;
            reply.WriteStartObject();
            reply.WriteString("host", r.Host);
            reply.WriteString("state", host.GraceUntil is null ? "live" : "grace");
            if (host.GraceUntil is { } until)
            {
                reply.WriteString("grace_until", until);
            }

            reply.WriteString("address", host.PeerAddress.ToString());
            WriteStrings(reply, "underlay", r.Underlay);
            reply.WriteNumber("ike_port", r.IkePort);
            reply.WriteNumber("natt_port", r.NattPort);
            reply.WriteString("ak_sha256", r.AkSha256);
            reply.WriteString("tpm", r.Tpm);
            WriteStrings(reply, "tvds", r.Tvds);
            reply.WriteString("daemon_version", r.DaemonVersion);
            reply.WriteString("registered_at", r.RegisteredAt);
            reply.WriteEndObject();
        }

        reply.WriteEndArray();
        reply.WriteStartArray("ignored");
        foreach (IgnoredHost host in inventory.Ignored)
        {
            reply.WriteStartObject();
            reply.WriteString("host", host.Host);
            reply.WriteString("reason", host.Reason);
            reply.WriteString("detail", host.Detail);
            reply.WriteEndObject();
        }

        reply.WriteEndArray();
        reply.WriteEndObject();
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
