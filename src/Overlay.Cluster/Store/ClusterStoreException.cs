namespace Overlay.Cluster.Store;

public enum ClusterStoreErrorKind
{
    /// <summary>No member reachable, no quorum/leader, or the request timed out: retry later (fail-static).</summary>
    Unavailable,

    /// <summary>The store is full (<c>mvcc: database space exceeded</c>): writes fail until an operator compacts,
    /// defragments and disarms the alarm (docs/cluster.md, "Store hygiene").</summary>
    SpaceExceeded,

    /// <summary>Authentication failed or was refused: wrong user/password, invalid token, permission denied, or a TLS
    /// handshake that failed (a server certificate not from the CA, our client certificate refused).</summary>
    Unauthenticated,

    /// <summary>The requested revision was compacted away.</summary>
    Compacted,

    /// <summary>Anything else the store said.</summary>
    Other,
}

/// <summary>A store failure, with the store's own message (etcd's text, e.g. "etcdserver: no leader").</summary>
public sealed class ClusterStoreException : Exception
{
    public ClusterStoreException(ClusterStoreErrorKind kind, string message, Exception? inner = null)
        : base(message, inner) => Kind = kind;

    public ClusterStoreErrorKind Kind { get; }
}
