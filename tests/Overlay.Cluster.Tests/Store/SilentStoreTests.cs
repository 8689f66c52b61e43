using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Overlay.Cluster.Store;

namespace Overlay.Cluster.Tests.Store;

/// <summary>A "store" that accepts connections and never answers (a partition after connect, a hung member): every
/// request and the start of a watch end within the request timeout as Unavailable, instead of hanging.</summary>
public sealed class SilentStoreTests : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];
    private readonly CancellationTokenSource _stop = new();

    public SilentStoreTests()
    {
        _listener.Start();
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var s = await _listener.AcceptSocketAsync(_stop.Token);
                    lock (_accepted)
                    {
                        _accepted.Add(s);
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
            }
        });
    }

    private EtcdClusterStore Open() => new(new ClusterStoreOptions
    {
        Endpoints = [new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}")],
        DialTimeout = TimeSpan.FromSeconds(1),
        RequestTimeout = TimeSpan.FromSeconds(1),
    });

    [Fact]
    public async Task A_request_to_a_silent_store_times_out_as_unavailable()
    {
        await using var store = Open();
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ClusterStoreException>(() => store.PutAsync("/k", "v"u8.ToArray(), 0, CancellationToken.None));
        Assert.Equal(ClusterStoreErrorKind.Unavailable, error.Kind);
        Assert.Equal("no answer from the store within 1 s (no quorum, or no member reachable)", error.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));

        error = await Assert.ThrowsAsync<ClusterStoreException>(() => store.KeepAliveOnceAsync(1, CancellationToken.None));
        Assert.Equal(ClusterStoreErrorKind.Unavailable, error.Kind);
    }

    [Fact]
    public async Task A_watch_on_a_silent_store_ends_within_the_request_timeout()
    {
        await using var store = Open();
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ClusterStoreException>(async () =>
        {
            await foreach (var _ in store.WatchAsync("/p/", 1, CancellationToken.None))
            {
            }
        });
        Assert.Equal(ClusterStoreErrorKind.Unavailable, error.Kind);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task The_callers_cancellation_stays_a_cancellation()
    {
        await using var store = Open();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetAsync("/k", cts.Token));
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_accepted)
        {
            foreach (var s in _accepted)
            {
                s.Dispose();
            }
        }

        _stop.Dispose();
    }
}
