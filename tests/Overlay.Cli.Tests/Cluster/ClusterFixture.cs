using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Store;

namespace Overlay.Cli.Tests.Cluster;

/// <summary>
/// One real etcd shared by a test class (started on first use, so a class whose facts are all skipped starts none),
/// and helpers that write the records daemons would — through Overlay.Cluster's own store and records — under a
/// prefix of each test's own.
/// </summary>
public sealed class ClusterFixture : IDisposable
{
    private readonly Lazy<EtcdServer> _etcd = new(() => new EtcdServer());

    public EtcdServer Etcd => _etcd.Value;

    public string Url => Etcd.Url;

    public void Dispose()
    {
        if (_etcd.IsValueCreated)
        {
            _etcd.Value.Dispose();
        }
    }

    /// <summary>A fresh prefix (<c>/t-xxxxxxxx/</c>) for one test, and its keys.</summary>
    public static ClusterKeys NewKeys()
    {
        Assert.True(ClusterKeys.TryCreate($"/t-{Guid.NewGuid():N}/", out var keys, out _));
        return keys;
    }

    public IClusterStore OpenStore() => new EtcdClusterStore(new ClusterStoreOptions { Endpoints = [new Uri(Url)] });

    /// <summary>Runs tvdctl with <c>--cluster URL --prefix P</c> appended.</summary>
    internal CliRunner.Result Tvdctl(ClusterKeys keys, params string[] args) =>
        CliRunner.Run([.. args, "--cluster", Url, "--prefix", keys.Prefix]);

    public static HostRegistration Registration(string host, string ak = "", IReadOnlyList<string>? tvds = null) => new()
    {
        Host = host,
        Underlay = ["10.200.0." + (host.Length + host[^1] % 50)],
        IkePort = 500,
        NattPort = 4500,
        AkSha256 = ak,
        Tpm = ak.Length == 0 ? HostRegistration.TpmNone : HostRegistration.TpmEmbeddedSwtpm,
        Tvds = tvds ?? ["red"],
        DaemonVersion = "0.1.0-test",
        RegisteredAt = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero),
    };

    /// <summary>Registers a host as its daemon does: under a lease of <paramref name="ttl"/>; returns the lease.</summary>
    public static async Task<long> RegisterAsync(IClusterStore store, ClusterKeys keys, HostRegistration registration, TimeSpan ttl)
    {
        var lease = await store.GrantLeaseAsync(ttl, CancellationToken.None);
        await store.PutAsync(keys.Host(registration.Host), registration.ToJson(), lease, CancellationToken.None);
        return lease;
    }

    /// <summary>A host's result as its daemon writes it; a refusal keeps <paramref name="running"/>.</summary>
    public static Task WriteResultAsync(IClusterStore store, ClusterKeys keys, string host, long version, string result, long running,
        params string[] conflicts) =>
        store.PutAsync(keys.Result(host), new PolicyResult
        {
            Host = host,
            Version = version,
            Running = running,
            Result = result,
            Summary = $"policy acme-dc version {version}: {result}",
            Conflicts = conflicts,
            At = new DateTimeOffset(2030, 1, 2, 3, 4, 6, TimeSpan.Zero),
        }.ToJson(), 0, CancellationToken.None);
}
