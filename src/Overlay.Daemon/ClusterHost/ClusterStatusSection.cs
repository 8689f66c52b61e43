using System.Text.Json;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.Status;

namespace Overlay.Daemon.ClusterHost;

/// <summary>
/// The <c>cluster</c> section of <c>tvdctl status</c> (docs/daemon.md, "The cluster section"): whether the store is in
/// reach (or since when not), where, the revision this daemon's view is at, its registration, the store's policy version
/// and this host's last result, the peers admitted and ignored, the epoch. <c>{"enabled":false}</c> in files mode.
/// </summary>
public sealed class ClusterStatusSection(DaemonConfig config, ClusterState state) : IStatusSection
{
    public string Name => "cluster";

    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        if (config.Cluster is not { } cluster)
        {
            writer.WriteBoolean("enabled", false);
            writer.WriteEndObject();
            return;
        }

        writer.WriteBoolean("enabled", true);
        writer.WriteBoolean("connected", state.Connected);
        writer.WriteString("endpoint", state.Endpoint);
        writer.WriteString("prefix", cluster.Prefix);
        if (state.DisconnectedSince is { } since)
        {
            writer.WriteString("disconnected_since", since);
        }
        else
        {
            writer.WriteNull("disconnected_since");
        }

        if (state.LastError is { } error)
        {
            writer.WriteString("last_error", error);
        }

        writer.WriteNumber("revision", state.Revision);
        writer.WriteBoolean("registered", state.Registered);
        writer.WriteString("lease", state.Lease.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        writer.WriteNumber("lease_ttl_s", (int)cluster.LeaseTtl.TotalSeconds);
        writer.WriteNumber("policy_version_in_store", state.StoreVersion);
        if (state.LastResult is { } result)
        {
            writer.WriteStartObject("last_result");
            writer.WriteNumber("version", result.Version);
            writer.WriteString("result", result.Result);
            writer.WriteString("summary", result.Summary);
            writer.WriteStartArray("conflicts");
            foreach (string conflict in result.Conflicts)
            {
                writer.WriteStringValue(conflict);
            }

            writer.WriteEndArray();
            writer.WriteString("at", result.At);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("last_result");
        }

        InventoryView inventory = state.Inventory;
        writer.WriteNumber("peers_admitted", inventory.Admitted.Count);
        writer.WriteNumber("peers_ignored", inventory.Ignored.Count);
        if (state.Epoch is { } epoch)
        {
            writer.WriteStartObject("epoch");
            writer.WriteNumber("epoch", epoch.Epoch);
            writer.WriteString("leader", epoch.Leader);
            writer.WriteString("at", epoch.At);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("epoch");
        }

        writer.WriteEndObject();
    }
}
