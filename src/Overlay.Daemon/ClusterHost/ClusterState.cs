using Overlay.Attest.Handshake;
using Overlay.Cluster.Records;

namespace Overlay.Daemon.ClusterHost;

/// <summary>A host of the inventory this daemon peers with: live, or gone and within its grace.</summary>
/// <param name="GraceUntil">Set when its registration went (lease expired): its SAs go at this time.</param>
public sealed record AdmittedHost(HostRegistration Registration, System.Net.IPAddress PeerAddress, DateTimeOffset? GraceUntil);

/// <summary>A registration this daemon does not peer with, and why (the wire name of <see cref="Overlay.Cluster.Inventory.IgnoreReason"/>).</summary>
public sealed record IgnoredHost(string Host, string Reason, string Detail);

/// <summary>The inventory as this daemon judged it last.</summary>
public sealed record InventoryView(IReadOnlyList<AdmittedHost> Admitted, IReadOnlyList<IgnoredHost> Ignored)
{
    public static readonly InventoryView Empty = new([], []);
}

/// <summary>The latest epoch value the store published (<c>epoch/current</c>).</summary>
public sealed record EpochView(long Epoch, string Leader, DateTimeOffset At);

/// <summary>
/// What the cluster subsystem knows, shared by <see cref="ClusterService"/> (which writes it), status, metrics and the
/// <c>hosts</c> verb (which read it). Each property is one immutable value, swapped whole. It is also attested IKE's
/// <see cref="IEpochSource"/>: the latest epoch as a challenge, so every verifier of the cluster asks the same one.
/// </summary>
public sealed class ClusterState : IEpochSource
{
    private volatile InventoryView _inventory = InventoryView.Empty;
    private volatile PolicyResult? _lastResult;
    private volatile EpochView? _epoch;
    private volatile AttestationChallenge? _epochChallenge;
    private volatile string? _lastError;
    private volatile string? _endpoint;
    private volatile StrongBox<DateTimeOffset>? _disconnectedSince;
    private long _revision;
    private long _lease;
    private long _storeVersion;
    private int _connected;
    private int _registered;

    public bool Connected => Volatile.Read(ref _connected) == 1;

    /// <summary>Since when the store has been out of reach (from the daemon's start, until the first connection).</summary>
    public DateTimeOffset? DisconnectedSince => _disconnectedSince?.Value;

    /// <summary>The endpoints the daemon talks to.</summary>
    public string? Endpoint => _endpoint;

    /// <summary>The store revision this daemon's view is at.</summary>
    public long Revision => Interlocked.Read(ref _revision);

    /// <summary>Whether this host's registration is in the store (under <see cref="Lease"/>).</summary>
    public bool Registered => Volatile.Read(ref _registered) == 1;

    public long Lease => Interlocked.Read(ref _lease);

    /// <summary>The version of <c>policy/current</c>, 0 when the store has none.</summary>
    public long StoreVersion => Interlocked.Read(ref _storeVersion);

    public InventoryView Inventory => _inventory;

    /// <summary>The last result this host wrote (or will write when the store is back).</summary>
    public PolicyResult? LastResult => _lastResult;

    public EpochView? Epoch => _epoch;

    /// <summary>The latest epoch as a challenge, judged when it arrived (<see cref="EpochChallenge.FromPublished"/>); null when unusable.</summary>
    public AttestationChallenge? Latest => _epochChallenge;

    /// <summary>The store's last error, in its words.</summary>
    public string? LastError => _lastError;

    internal void Start(string endpoint, DateTimeOffset now)
    {
        _endpoint = endpoint;
        _disconnectedSince = new StrongBox<DateTimeOffset>(now);
    }

    /// <summary>The watch's connection: true when this is a change.</summary>
    internal bool SetConnection(bool connected, DateTimeOffset? disconnectedSince, string? error)
    {
        _lastError = error;
        _disconnectedSince = connected ? null : new StrongBox<DateTimeOffset>(disconnectedSince ?? DateTimeOffset.MinValue);
        return Interlocked.Exchange(ref _connected, connected ? 1 : 0) != (connected ? 1 : 0);
    }

    internal void SetRegistered(bool registered, long lease)
    {
        Interlocked.Exchange(ref _lease, lease);
        Volatile.Write(ref _registered, registered ? 1 : 0);
    }

    internal void SetRevision(long revision) => Interlocked.Exchange(ref _revision, revision);

    internal void SetStoreVersion(long version) => Interlocked.Exchange(ref _storeVersion, version);

    internal void SetInventory(InventoryView view) => _inventory = view;

    internal void SetResult(PolicyResult result) => _lastResult = result;

    /// <summary>A new epoch (a different number or value than the last) is judged as a challenge at its arrival.</summary>
    internal void SetEpoch(EpochView epoch, byte[] value, DateTimeOffset receivedAt)
    {
        if (_epoch is { } last && last.Epoch == epoch.Epoch && last.At == epoch.At)
        {
            return;
        }

        _epochChallenge = EpochChallenge.FromPublished(value, epoch.At, receivedAt);
        _epoch = epoch;
    }

    private sealed class StrongBox<T>(T value)
    {
        public T Value { get; } = value;
    }
}
