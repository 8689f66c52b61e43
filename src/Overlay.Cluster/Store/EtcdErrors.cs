using Grpc.Core;

namespace Overlay.Cluster.Store;

/// <summary>etcd's gRPC errors → <see cref="ClusterStoreException"/> (the one place they are mapped). etcd's texts are
/// those of its v3rpc package (<c>etcdserver: mvcc: database space exceeded</c>, <c>etcdserver: no leader</c>, …).</summary>
internal static class EtcdErrors
{
    public static ClusterStoreException Map(RpcException e)
    {
        string message = MessageOf(e);
        return new ClusterStoreException(KindOf(e.StatusCode, message), message, e);
    }

    public static ClusterStoreErrorKind KindOf(StatusCode code, string message)
    {
        if (message.Contains("database space exceeded", StringComparison.Ordinal))
        {
            return ClusterStoreErrorKind.SpaceExceeded;
        }

        if (message.Contains("has been compacted", StringComparison.Ordinal))
        {
            return ClusterStoreErrorKind.Compacted;
        }

        if (message.Contains("authentication failed", StringComparison.Ordinal)
            || message.Contains("invalid auth token", StringComparison.Ordinal)
            || message.Contains("user name is empty", StringComparison.Ordinal)
            || message.Contains("SSL connection could not be established", StringComparison.Ordinal)
            || message.Contains("alert bad certificate", StringComparison.Ordinal)
            || message.Contains("alert certificate required", StringComparison.Ordinal)
            || message.Contains("alert unknown ca", StringComparison.Ordinal))
        {
            // A TLS handshake refused either way (their certificate, or ours) is a credentials problem, not an outage.
            return ClusterStoreErrorKind.Unauthenticated;
        }

        return code switch
        {
            StatusCode.Unavailable or StatusCode.DeadlineExceeded => ClusterStoreErrorKind.Unavailable,
            StatusCode.ResourceExhausted => ClusterStoreErrorKind.SpaceExceeded,
            StatusCode.Unauthenticated or StatusCode.PermissionDenied => ClusterStoreErrorKind.Unauthenticated,
            _ => ClusterStoreErrorKind.Other,
        };
    }

    /// <summary>The store's text; for a connection failure the socket error too (e.g. "Connection refused").</summary>
    public static string MessageOf(RpcException e)
    {
        string detail = e.Status.Detail;
        var inner = e.Status.DebugException;
        while (inner?.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        if (inner is not null && !detail.Contains(inner.Message, StringComparison.Ordinal))
        {
            detail = detail.Length == 0 ? inner.Message : $"{detail} ({inner.Message})";
        }

        if (detail.Length == 0)
        {
            detail = e.StatusCode.ToString();
        }

        return e.StatusCode == StatusCode.DeadlineExceeded ? $"request timed out: {detail}" : detail;
    }

    /// <summary>An etcd token that expired or was invalidated (auth enabled): authenticate again.</summary>
    public static bool IsInvalidToken(RpcException e) =>
        e.Status.Detail.Contains("invalid auth token", StringComparison.Ordinal)
        || e.Status.Detail.Contains("user name is empty", StringComparison.Ordinal);
}
