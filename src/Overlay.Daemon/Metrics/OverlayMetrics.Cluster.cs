using System.Diagnostics.Metrics;
using Overlay.Daemon.ClusterHost;

namespace Overlay.Daemon.Metrics;

/// <summary>Cluster mode: whether the store is in reach, and the inventory's hosts by state (none in files mode).</summary>
public sealed partial class OverlayMetrics
{
    private void CreateClusterInstruments()
    {
        if (_config.Cluster is null)
        {
            return;
        }

        Meter.CreateObservableGauge("tvd_cluster_connected", () => _cluster.Connected ? 1 : 0,
            description: "1 while the cluster store is in reach, 0 while disconnected (fail-static: policy, peers and SAs kept)");
        Meter.CreateObservableGauge("tvd_cluster_peers", ClusterPeers,
            description: "Registered hosts by how this daemon judged them: live and grace (peers), ignored (not a peer)");
    }

    private Measurement<int>[] ClusterPeers()
    {
        InventoryView inventory = _cluster.Inventory;
        int grace = inventory.Admitted.Count(a => a.GraceUntil is not null);
        return
        [
            new Measurement<int>(inventory.Admitted.Count - grace, Tag("state", "live")),
            new Measurement<int>(grace, Tag("state", "grace")),
            new Measurement<int>(inventory.Ignored.Count, Tag("state", "ignored")),
        ];
    }
}
