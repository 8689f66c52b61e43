using System.Collections.Immutable;
using Overlay.Cluster.Store;

namespace Overlay.Cluster.Sync;

/// <summary>
/// An immutable copy of the watched keys as last seen. <see cref="Revision"/> is the newest revision applied;
/// <see cref="Loaded"/> says every watched prefix was read in full at least once (before that the mirror is partial).
/// </summary>
public sealed record ClusterMirror(ImmutableSortedDictionary<string, StoreKeyValue> Entries, long Revision, bool Loaded)
{
    public static ClusterMirror Empty { get; } = new(ImmutableSortedDictionary.Create<string, StoreKeyValue>(StringComparer.Ordinal), 0, false);

    public StoreKeyValue? Get(string key) => Entries.GetValueOrDefault(key);

    /// <summary>The entries under a prefix, in key order.</summary>
    public IEnumerable<StoreKeyValue> Under(string prefix) =>
        Entries.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(kv => kv.Value);
}

/// <summary>The watch's link to the store. Disconnected: <see cref="DisconnectedSince"/> is when it went (or when the
/// watch started, if it never connected), <see cref="LastError"/> the store's message.</summary>
public sealed record ClusterConnection(bool Connected, DateTimeOffset? DisconnectedSince, string? LastError);
