using Overlay.Cluster.Store;

namespace Overlay.Cli.Cluster;

/// <summary>Opens Overlay.Cluster's etcd store for a verb, with tvdctl's bounds (<see cref="ClusterVerb"/>).</summary>
internal static class ClusterConnector
{
    public static IClusterStore Open(ClusterConnection connection) => new EtcdClusterStore(Options(connection));

    public static ClusterStoreOptions Options(ClusterConnection connection) => new()
    {
        Endpoints = connection.Endpoints,
        CaFile = connection.CaFile,
        CertFile = connection.CertFile,
        KeyFile = connection.KeyFile,
        User = connection.User,
        Password = connection.Password,
        DialTimeout = ClusterVerb.DialTimeout,
        RequestTimeout = ClusterVerb.RequestTimeout,
    };
}
