using System.Text.Json;
using Overlay.Daemon.Policy;
using Overlay.Labels.Compiled;
using Overlay.Labels.Model;

namespace Overlay.Daemon.Status;

/// <summary>The <c>policy</c> section: what is enforced (name, version, TVDs, this host) and how the last reload went.</summary>
public sealed class PolicyStatusSection : IStatusSection
{
    private readonly PolicyStore _store;

    public PolicyStatusSection(PolicyStore store) => _store = store;

    public string Name => "policy";

    public void Write(Utf8JsonWriter writer)
    {
        PolicyState state = _store.State;
        LoadedPolicy loaded = state.Current;
        CompiledPolicy policy = loaded.Policy;
        PolicyDefinition definition = policy.Definition;

        writer.WriteStartObject();
        writer.WriteString("name", policy.Name);
        writer.WriteNumber("version", policy.Version);
        if (definition.Replaces is long replaces)
        {
            writer.WriteNumber("replaces", replaces);
        }
        else
        {
            writer.WriteNull("replaces");
        }

        writer.WriteString("source", loaded.SourceFile);
        writer.WriteString("loaded_at", loaded.LoadedAt.UtcDateTime);
        WriteThisHost(writer, policy);
        WriteTvds(writer, policy);
        WriteCounts(writer, definition);
        WriteLastReload(writer, state.LastReload);
        writer.WriteEndObject();
    }

    private void WriteThisHost(Utf8JsonWriter writer, CompiledPolicy policy)
    {
        CompiledHost? host = policy.FindHost(_store.HostName);
        writer.WriteStartObject("host");
        writer.WriteString("name", _store.HostName);
        writer.WriteBoolean("all_types", host?.AllowsEveryType ?? false);
        writer.WriteStartArray("types");
        foreach (string type in host?.Definition.Types ?? [])
        {
            writer.WriteStringValue(type);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteTvds(Utf8JsonWriter writer, CompiledPolicy policy)
    {
        writer.WriteStartArray("tvds");
        foreach (CompiledTvd tvd in policy.Tvds)
        {
            writer.WriteStartObject();
            writer.WriteString("name", tvd.Name);
            writer.WriteNumber("vlan", tvd.VlanId);
            writer.WriteString("label", tvd.WireLabel);
            writer.WriteString("type", tvd.Definition.SteType);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteCounts(Utf8JsonWriter writer, PolicyDefinition definition)
    {
        writer.WriteStartObject("counts");
        writer.WriteNumber("tvds", definition.Tvds.Count);
        writer.WriteNumber("guests", definition.Guests.Count);
        writer.WriteNumber("networks", definition.Networks.Count);
        writer.WriteNumber("volumes", definition.Volumes.Count);
        writer.WriteNumber("hosts", definition.Hosts.Count);
        writer.WriteNumber("conflict_sets", definition.ConflictSets.Count);
        writer.WriteEndObject();
    }

    private static void WriteLastReload(Utf8JsonWriter writer, ReloadReport? report)
    {
        if (report is null)
        {
            writer.WriteNull("last_reload");
            return;
        }

        writer.WriteStartObject("last_reload");
        writer.WriteString("at", report.At.UtcDateTime);
        writer.WriteBoolean("committed", report.Committed);
        writer.WriteNumber("from_version", report.FromVersion);
        if (report.ToVersion is long to)
        {
            writer.WriteNumber("to_version", to);
        }
        else
        {
            writer.WriteNull("to_version");
        }

        writer.WriteString("summary", report.Summary);
        WriteStrings(writer, "problems", report.Problems);
        WriteStrings(writer, "revoked", report.Revoked);
        writer.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (string value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
