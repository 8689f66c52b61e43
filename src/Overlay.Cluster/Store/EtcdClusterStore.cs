using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Overlay.Cluster.Store;

/// <summary>
/// <see cref="IClusterStore"/> over etcd's v3 gRPC API, through the generated clients dotnet-etcd ships
/// (<c>Etcdserverpb.KV/Watch/Lease/Auth.*Client</c>) on one Grpc.Net.Client channel that balances round-robin over
/// the endpoints (a dead member's connection is skipped while the others answer). Not dotnet-etcd's
/// <c>EtcdClient</c> facade: its watch re-subscribes on its own and hides compaction and the revision it resumed
/// from, which are exactly what <see cref="Sync.ClusterWatch"/> must see (docs/cluster.md, "Client").
/// </summary>
public sealed partial class EtcdClusterStore : IClusterStore
{
    private static readonly MethodConfig RetryUnavailable = new()
    {
        Names = { MethodName.Default },
        RetryPolicy = new RetryPolicy
        {
            // A member that just died: the next attempt goes to another one. Bounded by the request's deadline.
            MaxAttempts = 3,
            InitialBackoff = TimeSpan.FromMilliseconds(100),
            MaxBackoff = TimeSpan.FromMilliseconds(500),
            BackoffMultiplier = 2,
            RetryableStatusCodes = { StatusCode.Unavailable },
        },
    };

    private readonly GrpcChannel _channel;
    private readonly KV.KVClient _kv;
    private readonly Watch.WatchClient _watch;
    private readonly Lease.LeaseClient _lease;
    private readonly Auth.AuthClient _auth;
    private readonly TimeProvider _time;
    private readonly TimeSpan _requestTimeout;
    private readonly string? _user;
    private readonly string? _password;
    private readonly SemaphoreSlim _authLock = new(1, 1);
    private volatile string? _token;

    public EtcdClusterStore(ClusterStoreOptions options, TimeProvider? time = null)
    {
        if (options.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(options));
        }

        _time = time ?? TimeProvider.System;
        _requestTimeout = options.RequestTimeout;
        _user = options.User;
        _password = options.Password;
        Endpoints = options.Endpoints;
        bool tls = options.Endpoints[0].Scheme == Uri.UriSchemeHttps;

        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.DialTimeout,
            // A silent partition ends a watch within ~RequestTimeout + 5 s instead of never.
            KeepAlivePingDelay = TimeSpan.FromSeconds(5),
            KeepAlivePingTimeout = options.RequestTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            EnableMultipleHttp2Connections = true,
        };
        if (tls)
        {
            handler.SslOptions = TlsOptions(options);
        }

        var endpoints = options.Endpoints.Select(u => new BalancerAddress(u.Host, u.Port)).ToArray();
        var services = new ServiceCollection();
        services.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => endpoints));
        _channel = GrpcChannel.ForAddress("static:///etcd", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            Credentials = tls ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure,
            ServiceProvider = services.BuildServiceProvider(),
            ServiceConfig = new ServiceConfig
            {
                LoadBalancingConfigs = { new RoundRobinConfig() },
                MethodConfigs = { RetryUnavailable },
            },
            MaxReceiveMessageSize = StoreLimits.MaxReceiveMessageBytes,
            ThrowOperationCanceledOnCancellation = true,
        });
        _kv = new KV.KVClient(_channel);
        _watch = new Watch.WatchClient(_channel);
        _lease = new Lease.LeaseClient(_channel);
        _auth = new Auth.AuthClient(_channel);
    }

    /// <summary>The endpoints this store was opened on (status shows them).</summary>
    public IReadOnlyList<Uri> Endpoints { get; }

    public async Task<StoreRead> GetAsync(string key, CancellationToken ct)
    {
        var r = await UnaryAsync(o => _kv.RangeAsync(new RangeRequest { Key = Bytes(key) }, o), ct).ConfigureAwait(false);
        return new StoreRead(r.Kvs.Count == 0 ? null : Convert(r.Kvs[0]), r.Header.Revision);
    }

    public async Task<StoreRange> GetPrefixAsync(string prefix, CancellationToken ct, int limit = StoreLimits.MaxRangeKeys)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var request = new RangeRequest { Key = Bytes(prefix), RangeEnd = PrefixEnd(prefix), Limit = limit };
        var r = await UnaryAsync(o => _kv.RangeAsync(request, o), ct).ConfigureAwait(false);
        return new StoreRange(r.Kvs.Select(Convert).ToArray(), r.Header.Revision, r.More);
    }

    public async Task<StoreRange> GetPrefixKeysAsync(string prefix, CancellationToken ct, int limit = StoreLimits.MaxRangeKeys)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var request = new RangeRequest { Key = Bytes(prefix), RangeEnd = PrefixEnd(prefix), Limit = limit, KeysOnly = true };
        var r = await UnaryAsync(o => _kv.RangeAsync(request, o), ct).ConfigureAwait(false);
        return new StoreRange(r.Kvs.Select(Convert).ToArray(), r.Header.Revision, r.More);
    }

    public async Task<long> PutAsync(string key, ReadOnlyMemory<byte> value, long lease, CancellationToken ct)
    {
        var request = new PutRequest { Key = Bytes(key), Value = ByteString.CopyFrom(value.Span), Lease = lease };
        var r = await UnaryAsync(o => _kv.PutAsync(request, o), ct).ConfigureAwait(false);
        return r.Header.Revision;
    }

    public async Task<CasResult> PutIfModRevisionAsync(string key, long expectedModRevision, ReadOnlyMemory<byte> value,
        long lease, IReadOnlyList<StoreWrite> alsoPut, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedModRevision);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare
        {
            Key = Bytes(key),
            Target = Compare.Types.CompareTarget.Mod,
            Result = Compare.Types.CompareResult.Equal,
            ModRevision = expectedModRevision,
        });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Bytes(key), Value = ByteString.CopyFrom(value.Span), Lease = lease } });
        foreach (var w in alsoPut)
        {
            txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Bytes(w.Key), Value = ByteString.CopyFrom(w.Value.Span), Lease = w.Lease } });
        }

        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = Bytes(key) } });
        var r = await UnaryAsync(o => _kv.TxnAsync(txn, o), ct).ConfigureAwait(false);
        if (r.Succeeded)
        {
            return new CasResult(true, r.Header.Revision, null);
        }

        var range = r.Responses.Count > 0 ? r.Responses[0].ResponseRange : null;
        var current = range is { Kvs.Count: > 0 } ? Convert(range.Kvs[0]) : null;
        return new CasResult(false, r.Header.Revision, current);
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken ct)
    {
        var r = await UnaryAsync(o => _kv.DeleteRangeAsync(new DeleteRangeRequest { Key = Bytes(key) }, o), ct).ConfigureAwait(false);
        return r.Deleted > 0;
    }

    public async Task<long> DeletePrefixAsync(string prefix, CancellationToken ct)
    {
        var request = new DeleteRangeRequest { Key = Bytes(prefix), RangeEnd = PrefixEnd(prefix) };
        var r = await UnaryAsync(o => _kv.DeleteRangeAsync(request, o), ct).ConfigureAwait(false);
        return r.Deleted;
    }

    public async Task<long> GrantLeaseAsync(TimeSpan ttl, CancellationToken ct)
    {
        long seconds = Math.Max(1, (long)Math.Ceiling(ttl.TotalSeconds));
        var r = await UnaryAsync(o => _lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = seconds }, o), ct).ConfigureAwait(false);
        if (r.Error.Length != 0)
        {
            throw new ClusterStoreException(EtcdErrors.KindOf(StatusCode.Unknown, r.Error), r.Error);
        }

        return r.ID;
    }

    public async Task<long> KeepAliveOnceAsync(long lease, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            var options = await OptionsAsync(ct, requireLeader: true, deadline: true).ConfigureAwait(false);
            try
            {
                using var call = _lease.LeaseKeepAlive(options);
                await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, ct).ConfigureAwait(false);
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                if (!await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
                {
                    throw new ClusterStoreException(ClusterStoreErrorKind.Unavailable, "lease keep-alive: the stream ended without an answer");
                }
                // etcd answers TTL 0 (or less) for a lease it no longer has.
                return Math.Max(0, call.ResponseStream.Current.TTL);
            }
            catch (RpcException e) when (attempt == 0 && _user is not null && EtcdErrors.IsInvalidToken(e))
            {
                _token = null;
            }
            catch (RpcException e)
            {
                throw EtcdErrors.Map(e);
            }
        }
    }

    public async Task<long> LeaseTimeToLiveAsync(long lease, CancellationToken ct)
    {
        var r = await UnaryAsync(o => _lease.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = lease }, o), ct).ConfigureAwait(false);
        return r.TTL < 0 ? -1 : r.TTL;
    }

    public async Task RevokeLeaseAsync(long lease, CancellationToken ct)
    {
        try
        {
            await UnaryAsync(o => _lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, o), ct).ConfigureAwait(false);
        }
        catch (ClusterStoreException e) when (e.Message.Contains("requested lease not found", StringComparison.Ordinal))
        {
            // Already expired or revoked: what the caller wanted.
        }
    }

    public async Task CompactAsync(long revision, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(revision);
        await UnaryAsync(o => _kv.CompactAsync(new CompactionRequest { Revision = revision, Physical = true }, o), ct).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<StoreWatchBatch> WatchAsync(string prefix, long fromRevision, [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fromRevision);
        // "hasleader": a member cut off from the leader cancels the watch instead of serving a frozen view.
        var options = await OptionsAsync(ct, requireLeader: true, deadline: false).ConfigureAwait(false);
        using var call = _watch.Watch(options);
        var create = new WatchCreateRequest
        {
            Key = Bytes(prefix),
            RangeEnd = PrefixEnd(prefix),
            StartRevision = fromRevision,
            ProgressNotify = true,
        };
        await Guard(call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = create }, ct)).ConfigureAwait(false);
        while (true)
        {
            var response = await NextAsync(call.ResponseStream, ct).ConfigureAwait(false);
            if (response.CompactRevision > 0)
            {
                yield return new StoreWatchBatch([], response.Header?.Revision ?? 0, response.CompactRevision);
                yield break;
            }

            if (response.Canceled)
            {
                string reason = response.CancelReason.Length == 0 ? "watch canceled by the store" : response.CancelReason;
                throw new ClusterStoreException(EtcdErrors.KindOf(StatusCode.Unavailable, reason), reason);
            }

            var events = new StoreWatchEvent[response.Events.Count];
            for (int i = 0; i < events.Length; i++)
            {
                var e = response.Events[i];
                events[i] = new StoreWatchEvent(
                    e.Type == Mvccpb.Event.Types.EventType.Delete ? StoreEventKind.Delete : StoreEventKind.Put,
                    Convert(e.Kv));
            }

            yield return new StoreWatchBatch(events, response.Header?.Revision ?? 0, 0, response.Created);
        }
    }

    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        _authLock.Dispose();
        return ValueTask.CompletedTask;
    }

    private static async Task<WatchResponse> NextAsync(IAsyncStreamReader<WatchResponse> stream, CancellationToken ct)
    {
        try
        {
            if (!await stream.MoveNext(ct).ConfigureAwait(false))
            {
                throw new ClusterStoreException(ClusterStoreErrorKind.Unavailable, "the store ended the watch stream");
            }

            return stream.Current;
        }
        catch (RpcException e)
        {
            throw EtcdErrors.Map(e);
        }
    }

    private static async Task Guard(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw EtcdErrors.Map(e);
        }
    }

    private async Task<T> UnaryAsync<T>(Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            var options = await OptionsAsync(ct, requireLeader: false, deadline: true).ConfigureAwait(false);
            try
            {
                return await call(options).ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException e) when (attempt == 0 && _user is not null && EtcdErrors.IsInvalidToken(e))
            {
                _token = null;
            }
            catch (RpcException e)
            {
                throw EtcdErrors.Map(e);
            }
        }
    }

    private async Task<CallOptions> OptionsAsync(CancellationToken ct, bool requireLeader, bool deadline)
    {
        var headers = new Metadata();
        if (_user is not null)
        {
            headers.Add("token", await TokenAsync(ct).ConfigureAwait(false));
        }

        if (requireLeader)
        {
            headers.Add("hasleader", "true");
        }

        DateTime? until = deadline ? _time.GetUtcNow().UtcDateTime + _requestTimeout : null;
        return new CallOptions(headers, until, ct);
    }

    private async Task<string> TokenAsync(CancellationToken ct)
    {
        if (_token is { } token)
        {
            return token;
        }

        await _authLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_token is { } again)
            {
                return again;
            }

            var request = new AuthenticateRequest { Name = _user, Password = _password };
            var until = _time.GetUtcNow().UtcDateTime + _requestTimeout;
            try
            {
                var r = await _auth.AuthenticateAsync(request, new CallOptions(deadline: until, cancellationToken: ct)).ResponseAsync.ConfigureAwait(false);
                _token = r.Token;
                return r.Token;
            }
            catch (RpcException e)
            {
                throw EtcdErrors.Map(e);
            }
        }
        finally
        {
            _authLock.Release();
        }
    }

    /// <summary>Server certificates chain to the CA file (only to it) when one is given; the host name is checked as
    /// always; a client certificate is presented when configured.</summary>
    private static SslClientAuthenticationOptions TlsOptions(ClusterStoreOptions o)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (o.CaFile is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(o.CaFile);
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(roots);
            ssl.CertificateChainPolicy = policy;
        }

        if (o.CertFile is not null && o.KeyFile is not null)
        {
            ssl.ClientCertificates = [X509Certificate2.CreateFromPemFile(o.CertFile, o.KeyFile)];
        }

        return ssl;
    }

    private static ByteString Bytes(string s) => ByteString.CopyFromUtf8(s);

    /// <summary>The range end that covers every key starting with <paramref name="prefix"/> (etcd's GetPrefixRangeEnd).</summary>
    internal static ByteString PrefixEnd(string prefix)
    {
        byte[] end = System.Text.Encoding.UTF8.GetBytes(prefix);
        for (int i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] < 0xff)
            {
                end[i]++;
                return ByteString.CopyFrom(end.AsSpan(0, i + 1));
            }
        }

        return ByteString.CopyFrom(0);
    }

    private static StoreKeyValue Convert(Mvccpb.KeyValue kv) =>
        new(kv.Key.ToStringUtf8(), kv.Value.ToByteArray(), kv.CreateRevision, kv.ModRevision, kv.Version, kv.Lease);
}
