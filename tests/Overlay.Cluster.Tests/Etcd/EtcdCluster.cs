using Overlay.Cluster.Store;

namespace Overlay.Cluster.Tests.Etcd;

/// <summary>A real three-member etcd cluster on 127.0.0.1 (each member its own ports and data directory); members can be
/// killed and started again one by one. Everything is killed and removed on dispose.</summary>
public sealed class EtcdCluster : IDisposable
{
    public EtcdCluster(int size = 3)
    {
        var ports = new List<(int Client, int Peer)>();
        while (ports.Count < size)
        {
            var p = EtcdServer.FreePorts();
            if (!ports.Any(q => Math.Abs(q.Client - p.Client) < 2))
            {
                ports.Add(p);
            }
        }

        string initial = string.Join(',', ports.Select((p, i) => $"m{i}=http://127.0.0.1:{p.Peer}"));
        Members = ports.Select((p, i) => new EtcdServer($"m{i}", p.Client, p.Peer, initial)).ToArray();
        try
        {
            foreach (var m in Members)
            {
                m.Start(waitReady: false);
            }

            foreach (var m in Members)
            {
                m.WaitReady();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IReadOnlyList<EtcdServer> Members { get; }

    public EtcdClusterStore OpenStore(TimeSpan? requestTimeout = null) => new(new ClusterStoreOptions
    {
        Endpoints = Members.Select(m => m.Endpoint).ToArray(),
        DialTimeout = TimeSpan.FromSeconds(1),
        RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(3),
    });

    public void Dispose()
    {
        foreach (var m in Members)
        {
            m.Dispose();
        }
    }
}
