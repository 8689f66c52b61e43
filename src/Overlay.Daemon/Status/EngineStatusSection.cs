using System.Text.Json;
using Overlay.Daemon.Policy;
using Overlay.Labels.Engine;

namespace Overlay.Daemon.Status;

/// <summary>
/// The <c>engine</c> section: guests the policy engine records as running, their bindings, and the latest join
/// refusals of the audit trail (<see cref="RecentRefusals"/>).
/// </summary>
public sealed class EngineStatusSection : IStatusSection
{
    private readonly PolicyStore _store;

    public EngineStatusSection(PolicyStore store) => _store = store;

    public string Name => "engine";

    public void Write(Utf8JsonWriter writer)
    {
        EngineSnapshot snapshot = _store.Engine.Snapshot();
        writer.WriteStartObject();
        writer.WriteStartArray("running");
        foreach (RunningGuest running in snapshot.Running)
        {
            writer.WriteStartObject();
            writer.WriteString("host", running.Host);
            writer.WriteString("guest", running.Guest);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("bindings");
        foreach (Binding binding in snapshot.Bindings)
        {
            writer.WriteStartObject();
            writer.WriteString("guest", binding.Guest);
            writer.WriteString("resource", binding.Resource);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        WriteRefusedJoins(writer, _store.Refusals.Snapshot());
        writer.WriteEndObject();
    }

    private static void WriteRefusedJoins(Utf8JsonWriter writer, IReadOnlyList<RefusedJoin> refusals)
    {
        writer.WriteStartArray("refused_joins");
        foreach (RefusedJoin r in refusals)
        {
            writer.WriteStartObject();
            writer.WriteString("peer", r.Peer);
            writer.WriteString("tvd", r.Tvd);
            writer.WriteString("by", r.ByPeer ? "peer" : "us");
            writer.WriteBoolean("withdrawn", r.Withdrawn);
            writer.WriteString("rule", r.Rule);
            writer.WriteString("reason", r.Reason);
            writer.WriteString("first_at", r.FirstAt.UtcDateTime);
            writer.WriteString("last_at", r.LastAt.UtcDateTime);
            writer.WriteNumber("count", r.Count);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
