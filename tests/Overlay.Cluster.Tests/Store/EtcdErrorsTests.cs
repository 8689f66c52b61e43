using Grpc.Core;
using Overlay.Cluster.Store;
using Overlay.Cluster.Sync;

namespace Overlay.Cluster.Tests.Store;

public class EtcdErrorsTests
{
    [Theory]
    [InlineData(StatusCode.Unavailable, "etcdserver: no leader", ClusterStoreErrorKind.Unavailable)]
    [InlineData(StatusCode.Unavailable, "etcdserver: request timed out", ClusterStoreErrorKind.Unavailable)]
    [InlineData(StatusCode.DeadlineExceeded, "", ClusterStoreErrorKind.Unavailable)]
    [InlineData(StatusCode.ResourceExhausted, "etcdserver: mvcc: database space exceeded", ClusterStoreErrorKind.SpaceExceeded)]
    [InlineData(StatusCode.Unknown, "etcdserver: mvcc: database space exceeded", ClusterStoreErrorKind.SpaceExceeded)]
    [InlineData(StatusCode.InvalidArgument, "etcdserver: authentication failed, invalid user ID or password", ClusterStoreErrorKind.Unauthenticated)]
    [InlineData(StatusCode.Unauthenticated, "etcdserver: invalid auth token", ClusterStoreErrorKind.Unauthenticated)]
    [InlineData(StatusCode.PermissionDenied, "etcdserver: permission denied", ClusterStoreErrorKind.Unauthenticated)]
    [InlineData(StatusCode.OutOfRange, "etcdserver: mvcc: required revision has been compacted", ClusterStoreErrorKind.Compacted)]
    [InlineData(StatusCode.InvalidArgument, "etcdserver: key is not provided", ClusterStoreErrorKind.Other)]
    public void Etcd_statuses_map_to_kinds(StatusCode code, string message, ClusterStoreErrorKind kind) =>
        Assert.Equal(kind, EtcdErrors.KindOf(code, message));

    [Fact]
    public void A_timeout_says_how_long_it_waited_and_the_store_text_is_kept_otherwise()
    {
        var timeout = EtcdErrors.Map(new RpcException(new Status(StatusCode.DeadlineExceeded, "")), TimeSpan.FromSeconds(5));
        Assert.Equal("no answer from the store within 5 s (no quorum, or no member reachable)", timeout.Message);
        var refused = EtcdErrors.Map(new RpcException(new Status(StatusCode.Unavailable, "Error connecting to subchannel.",
            new HttpRequestException("outer", new IOException("Connection refused (127.0.0.1:2379)")))));
        Assert.Equal("Error connecting to subchannel. (Connection refused (127.0.0.1:2379))", refused.Message);
        Assert.Equal(ClusterStoreErrorKind.Unavailable, refused.Kind);
    }

    [Fact]
    public void Backoff_doubles_to_its_maximum_and_resets()
    {
        var b = new Backoff(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));
        Assert.Equal([200, 400, 800, 1000, 1000], Enumerable.Range(0, 5).Select(_ => b.Next().TotalMilliseconds));
        b.Reset();
        Assert.Equal(200, b.Next().TotalMilliseconds);
    }
}
