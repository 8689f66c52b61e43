using Overlay.Cluster.Store;
using Overlay.Cluster.Tests.Etcd;

namespace Overlay.Cluster.Tests.Store;

[Collection("etcd")]
public class EtcdTlsTests
{
    [EtcdFact]
    public async Task Over_https_with_a_client_certificate_the_store_works_and_a_server_of_another_ca_is_refused()
    {
        using var pki = new TestPki();
        using var etcd = new EtcdServer(tls: pki);
        var ct = TestContext.Current;
        await using var store = new EtcdClusterStore(new ClusterStoreOptions
        {
            Endpoints = [etcd.Endpoint],
            CaFile = pki.CaCert,
            CertFile = pki.ClientCert,
            KeyFile = pki.ClientKey,
        });
        await store.PutAsync("/tvd-overlay/x", "1"u8.ToArray(), 0, ct);
        Assert.NotNull((await store.GetAsync("/tvd-overlay/x", ct)).Kv);
        await foreach (var batch in store.WatchAsync("/tvd-overlay/", 1, ct))
        {
            if (batch.Events.Count > 0)
            {
                break;
            }
        }

        await using var wrongCa = new EtcdClusterStore(new ClusterStoreOptions
        {
            Endpoints = [etcd.Endpoint],
            CaFile = pki.OtherCaCert,
            CertFile = pki.ClientCert,
            KeyFile = pki.ClientKey,
            RequestTimeout = TimeSpan.FromSeconds(2),
        });
        var error = await Assert.ThrowsAsync<ClusterStoreException>(() => wrongCa.GetAsync("/tvd-overlay/x", ct));
        Assert.Equal(ClusterStoreErrorKind.Unauthenticated, error.Kind);
        Assert.Contains("certificate chain", error.Message);

        await using var noClientCert = new EtcdClusterStore(new ClusterStoreOptions
        {
            Endpoints = [etcd.Endpoint],
            CaFile = pki.CaCert,
            RequestTimeout = TimeSpan.FromSeconds(2),
        });
        var refused = await Assert.ThrowsAsync<ClusterStoreException>(() => noClientCert.GetAsync("/tvd-overlay/x", ct));
        // TLS 1.3 refuses a missing client certificate after the handshake: the client sees the alert, or (a race in
        // the HTTP/2 connection set-up) only a connection that closed. Either way an error, never data.
        Assert.True(refused.Kind is ClusterStoreErrorKind.Unauthenticated or ClusterStoreErrorKind.Unavailable, $"{refused.Kind}: {refused.Message}");
    }

    [EtcdFact]
    public async Task The_server_certificate_must_name_the_endpoint_host()
    {
        using var pki = new TestPki(serverIpSan: false);
        using var etcd = new EtcdServer(tls: pki);
        var ct = TestContext.Current;
        EtcdClusterStore Open(string host) => new(new ClusterStoreOptions
        {
            Endpoints = [new Uri($"https://{host}:{etcd.ClientPort}")],
            CaFile = pki.CaCert,
            CertFile = pki.ClientCert,
            KeyFile = pki.ClientKey,
            RequestTimeout = TimeSpan.FromSeconds(2),
        });
        await using var byName = Open("localhost");
        await byName.PutAsync("/tvd-overlay/x", "1"u8.ToArray(), 0, ct);

        await using var byIp = Open("127.0.0.1");
        var error = await Assert.ThrowsAsync<ClusterStoreException>(() => byIp.GetAsync("/tvd-overlay/x", ct));
        Assert.Equal(ClusterStoreErrorKind.Unauthenticated, error.Kind);
        Assert.Contains("RemoteCertificateNameMismatch", error.Message);
    }
}
