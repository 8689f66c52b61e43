using Overlay.Cluster.Store;
using Overlay.Cluster.Tests.Etcd;

namespace Overlay.Cluster.Tests.Store;

[Collection("etcd")]
public class EtcdAuthTests
{
    [EtcdFact]
    public async Task With_auth_enabled_the_right_password_works_and_a_wrong_one_is_unauthenticated()
    {
        using var etcd = new EtcdServer();
        var ct = TestContext.Current;
        foreach (var args in new[] { new[] { "user", "add", "root:rootpw" }, ["user", "add", "tvd:tvdpw"], ["role", "add", "tvd"],
            ["role", "grant-permission", "tvd", "--prefix=true", "readwrite", "/tvd-overlay/"], ["user", "grant-role", "tvd", "tvd"],
            ["auth", "enable"] })
        {
            var (code, output) = etcd.Ctl(args);
            Assert.True(code == 0, string.Join(' ', args) + ": " + output);
        }

        await using var good = new EtcdClusterStore(new ClusterStoreOptions { Endpoints = [etcd.Endpoint], User = "tvd", Password = "tvdpw" });
        await good.PutAsync("/tvd-overlay/x", "1"u8.ToArray(), 0, ct);
        Assert.NotNull((await good.GetAsync("/tvd-overlay/x", ct)).Kv);
        long lease = await good.GrantLeaseAsync(TimeSpan.FromSeconds(10), ct);
        Assert.True(await good.KeepAliveOnceAsync(lease, ct) > 0);

        var denied = await Assert.ThrowsAsync<ClusterStoreException>(() => good.PutAsync("/elsewhere", "1"u8.ToArray(), 0, ct));
        Assert.Equal(ClusterStoreErrorKind.Unauthenticated, denied.Kind);
        Assert.Contains("permission denied", denied.Message);

        await using var bad = new EtcdClusterStore(new ClusterStoreOptions { Endpoints = [etcd.Endpoint], User = "tvd", Password = "nope" });
        var refused = await Assert.ThrowsAsync<ClusterStoreException>(() => bad.GetAsync("/tvd-overlay/x", ct));
        Assert.Equal(ClusterStoreErrorKind.Unauthenticated, refused.Kind);
        Assert.Contains("authentication failed", refused.Message);

        await using var anonymous = etcd.OpenStore();
        var none = await Assert.ThrowsAsync<ClusterStoreException>(() => anonymous.GetAsync("/tvd-overlay/x", ct));
        Assert.Equal(ClusterStoreErrorKind.Unauthenticated, none.Kind);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:2379", "http:// or https://")]
    [InlineData("http://127.0.0.1:2379/v3", "no path")]
    public void Bad_options_are_refused_with_a_reason(string endpoint, string mentions)
    {
        var options = new ClusterStoreOptions { Endpoints = [new Uri(endpoint)] };
        Assert.Contains(mentions, options.Validate());
        Assert.Throws<ArgumentException>(() => new EtcdClusterStore(options));
    }

    [Fact]
    public void Mixed_schemes_tls_files_without_https_and_half_pairs_are_refused()
    {
        Assert.Contains("all http", new ClusterStoreOptions { Endpoints = [new Uri("http://a:1"), new Uri("https://b:1")] }.Validate());
        Assert.Contains("https", new ClusterStoreOptions { Endpoints = [new Uri("http://a:1")], CaFile = "/ca.pem" }.Validate());
        Assert.Contains("together", new ClusterStoreOptions { Endpoints = [new Uri("https://a:1")], CertFile = "/c.pem" }.Validate());
        Assert.Contains("together", new ClusterStoreOptions { Endpoints = [new Uri("http://a:1")], User = "u" }.Validate());
        Assert.Null(new ClusterStoreOptions { Endpoints = [new Uri("https://a:1"), new Uri("https://b:2")], CaFile = "/ca.pem", CertFile = "/c", KeyFile = "/k", User = "u", Password = "p" }.Validate());
    }
}
