using System.Text.Json;
using Overlay.Daemon.Policy;
using Overlay.Labels.Engine;

namespace Overlay.Daemon.Status;

/// <summary>The <c>engine</c> section: guests the policy engine records as running, and their bindings.</summary>
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
        writer.WriteEndObject();
    }
}
