using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;
using Overlay.DataPlane.Switching;

namespace Overlay.DataPlane.Forwarding;

/// <summary>
/// The data plane of one host: guest ports, the per-TVD switch, (peer, TVD) tunnels and the underlay.
/// <code>
/// guest → underlay (Pipeline.PortReceive.cs, Pipeline.UnderlaySend.cs), one loop (thread) per port:
///   1. batch read          recvmmsg on the port's socket (AF_PACKET: GSO super-frames segmented and
///                          checksums completed, see PacketOffload) or its AF_XDP ring
///   2. switch decision     TvdSwitch.Decide among the port's TVD only (learns the source MAC)
///   3a. local deliver      send(2) to the target port, in the clear (never leaves the host)
///   3b. to a tunnel:
///   4. SA lookup           newest outbound SA of the tunnel's (peer, TVD)
///   5. seal                802.1Q tag (TVD VID) + EtherIP + ESP AES-GCM, straight into the loop's own
///                          send batch (sequence numbers are atomic per SA; EspSa.Seal is thread-safe)
///   6. batch send          sendmmsg (UDP GSO runs) when the batch is full and after each read batch,
///                          through the underlay queue of the loop's worker index (UnderlayGroup.Send)
/// underlay → guest (Pipeline.UnderlayReceive.cs), one loop per queue of the UnderlayGroup:
///   7. batch read          recvmmsg on the queue's UDP socket (port 4500; UDP GRO buffers split per datagram)
///   8. classify            IKE (non-ESP marker) → IIkeDatagramSink; keepalive; ESP
///   9. SPI lookup          SaTable.LookupInbound (miss: UnknownSpi)
///  10. open                replay check → ICV → window update → EtherIP → VID == SA's TVD → untag
///  11. learn + switch      TvdSwitch.Decide from the tunnel (split horizon: never back to a tunnel)
///  12. port send           to the guest port; an offload port merges a flow's frames (GRO) until the
///                          batch ends
/// </code>
/// Every drop is counted under one <see cref="DropReason"/> (per SA, per port or per TVD, and always in
/// <see cref="GlobalDrops"/>). Buffers are fixed-size and pinned: each loop owns its
/// <see cref="MessageBatch"/>es, so the happy path allocates nothing and no frame is handed between
/// threads. Overload pushes back instead of queueing: a full underlay socket blocks the port loop, and
/// the port's own socket buffer drops (the kernel counts it). No loop throws: an unexpected exception
/// is logged and counted (<see cref="DropReason.InternalError"/>) and the loop goes on. Stopping
/// follows the daemon's order: the loops end (each sends what it sealed), then every socket is closed.
/// </summary>
public sealed partial class Pipeline : IAsyncDisposable
{
    /// <summary>Frames or datagrams per batch system call (CONVENTIONS 11).</summary>
    public const int BatchSize = 128;

    /// <summary>Most switch targets one decision may produce: endpoints of one TVD on this host.</summary>
    public const int MaxTargets = 1024;

    private readonly UnderlayGroup _underlay;
    private readonly IIkeDatagramSink? _ike;
    private readonly ILogger _logger;
    private readonly Lock _configLock = new();
    private readonly ConcurrentDictionary<TunnelKey, Tunnel> _tunnelsByKey = new();
    private readonly List<Task> _inputLoops = [];
    private GuestPort[] _ports = [];
    private Tunnel[] _tunnels = [];
    private bool _started;
    private Task? _stopped;
    private volatile bool _stopping;

    /// <summary>A pipeline on one underlay socket (a group of one queue).</summary>
    public Pipeline(IUnderlayIo underlay, SaTable sas, PipelineOptions? options = null, IIkeDatagramSink? ike = null,
        ILogger? logger = null, TimeProvider? time = null)
        : this(new UnderlayGroup([underlay ?? throw new ArgumentNullException(nameof(underlay))]), sas, options, ike, logger, time)
    {
    }

    /// <summary>A pipeline with one underlay receive loop per queue of <paramref name="underlay"/>, which it owns from here on.</summary>
    public Pipeline(UnderlayGroup underlay, SaTable sas, PipelineOptions? options = null, IIkeDatagramSink? ike = null,
        ILogger? logger = null, TimeProvider? time = null)
    {
        Options = options ?? new PipelineOptions();
        if (Options.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        _underlay = underlay ?? throw new ArgumentNullException(nameof(underlay));
        Sas = sas ?? throw new ArgumentNullException(nameof(sas));
        _ike = ike;
        _logger = logger ?? NullLogger.Instance;
        GlobalDrops = sas.GlobalDrops;
        Switch = new TvdSwitch(Options.Switch, time, GlobalDrops);
    }

    public PipelineOptions Options { get; }

    public SaTable Sas { get; }

    public TvdSwitch Switch { get; }

    /// <summary>Every drop of this data plane, by reason.</summary>
    public DropCounters GlobalDrops { get; }

    public UnderlayCounters Underlay { get; } = new();

    public UdpAddress UnderlayAddress => _underlay.Local;

    /// <summary>The underlay address of one family (IPv6 when <paramref name="ipv6"/>); null when this host has none of it.</summary>
    public UdpAddress? UnderlayAddressOf(bool ipv6) => _underlay.LocalOf(ipv6);

    /// <summary>Every underlay address: one, or an IPv4 and an IPv6 one.</summary>
    public IReadOnlyList<UdpAddress> UnderlayAddresses => _underlay.Locals;

    /// <summary>The underlay receive queues, one receive loop each.</summary>
    public int UnderlayQueues => _underlay.Queues.Count;

    /// <summary>Datagrams the kernel dropped at the underlay socket (this host fell behind its peers).</summary>
    public long UnderlayKernelDrops => _stopping ? 0 : _underlay.KernelDrops;

    public bool IsRunning => _started && !_stopping;

    /// <summary>The attached ports (a detached port is not listed; its slot may go to a later port of its TVD).</summary>
    public IReadOnlyList<GuestPort> Ports => Array.FindAll(Volatile.Read(ref _ports), p => !p.IsDetached);

    public IReadOnlyList<Tunnel> Tunnels => Volatile.Read(ref _tunnels);

    /// <summary>
    /// Binds a guest port to one TVD (the caller already asked the policy engine) and, when running,
    /// starts its receive loop. The pipeline owns <paramref name="io"/> from here on. The port takes the
    /// lowest slot a detached port of the same TVD left free (Pipeline.PortDetach.cs), else a new one.
    /// Throws <see cref="InvalidOperationException"/> when the switch refuses the binding.
    /// </summary>
    public GuestPort AttachPort(string name, IGuestPortIo io, ushort vlanId, string tvdLabel, string? guest = null, string? network = null)
    {
        ArgumentNullException.ThrowIfNull(io);
        lock (_configLock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            int id = SlotFor(vlanId, tvdLabel);
            AttachResult result = Switch.AttachPort(id, vlanId, tvdLabel);
            if (result != AttachResult.Attached)
            {
                throw new InvalidOperationException($"port {name}: the switch refused vlan {vlanId} '{tvdLabel}': {result}");
            }

            var port = new GuestPort(id, name, io, vlanId, tvdLabel, guest, network, GlobalDrops);
            Volatile.Write(ref _ports, WithPort(_ports, port));
            if (_started)
            {
                _inputLoops.RemoveAll(loop => loop.IsCompleted); // loops of detached ports; stopping waits for the rest
                _portLoops[port.Id] = StartPortLoops(port);
            }

            PipelineLog.PortAttached(_logger, name, io.Interface, tvdLabel, vlanId);
            return port;
        }
    }

    /// <summary>
    /// Adds the tunnel that carries TVD <paramref name="vlanId"/> to <paramref name="peer"/> (one per
    /// (peer, TVD); adding it again returns the existing one). Its SAs live in <see cref="Sas"/>.
    /// </summary>
    public Tunnel AddTunnel(string peerName, IPEndPoint peer, ushort vlanId, string tvdLabel)
    {
        lock (_configLock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            if (_tunnelsByKey.TryGetValue(new TunnelKey(peer, vlanId), out Tunnel? existing))
            {
                return existing;
            }

            int id = _tunnels.Length;
            AttachResult result = Switch.AttachTunnel(id, vlanId, tvdLabel);
            if (result != AttachResult.Attached)
            {
                throw new InvalidOperationException($"tunnel to {peerName}: the switch refused vlan {vlanId} '{tvdLabel}': {result}");
            }

            var tunnel = new Tunnel(id, peerName, peer, vlanId, tvdLabel);
            Volatile.Write(ref _tunnels, [.. _tunnels, tunnel]);
            _tunnelsByKey[new TunnelKey(peer, vlanId)] = tunnel;
            PipelineLog.TunnelAdded(_logger, id, peerName, peer.ToString(), tvdLabel, vlanId);
            return tunnel;
        }
    }

    /// <summary>Starts the underlay loops and one receive loop per attached port.</summary>
    public void Start()
    {
        lock (_configLock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            if (_started)
            {
                return;
            }

            _started = true;
            for (int queue = 0; queue < _underlay.Queues.Count; queue++)
            {
                int q = queue;
                _inputLoops.Add(StartLoop(_underlay.Queues.Count == 1 ? "underlay receive" : $"underlay receive {q}", () => UnderlayReceiveLoop(q)));
            }

            foreach (GuestPort port in _ports)
            {
                _portLoops[port.Id] = StartPortLoops(port);
            }

            PipelineLog.Started(_logger, _inputLoops.Count, _underlay.Local.ToString(), Options.BatchSize);
        }
    }

    /// <summary>Stops the loops (each sends what it sealed), closes every socket. Safe to call more than once.</summary>
    public Task StopAsync()
    {
        lock (_configLock)
        {
            _stopping = true;
            return _stopped ??= StopCoreAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>A copy of every counter, for status output (allocates; not for the data path).</summary>
    public PipelineStatus Snapshot() => PipelineStatus.From(this);

    private async Task StopCoreAsync()
    {
        Task[] inputs;
        lock (_configLock)
        {
            inputs = [.. _inputLoops];
        }

        await Task.WhenAll(inputs).ConfigureAwait(false);

        foreach (GuestPort port in Volatile.Read(ref _ports))
        {
            if (port.TryRelease())
            {
                port.Io.Dispose();
            }
        }

        DisposeIkeSend();
        _underlay.Dispose();
        PipelineLog.Stopped(_logger, Underlay.PacketsSent, GlobalDrops.Total);
    }

    /// <summary>Runs a loop on its own thread (the loops block in system calls); the task completes when it returns.</summary>
    private Task StartLoop(string name, Action loop)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                loop();
            }
            catch (Exception e)
            {
                // The loops catch per batch; reaching here is a bug, and the pipeline still stops cleanly.
                PipelineLog.LoopError(_logger, name, e);
            }
            finally
            {
                done.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = $"tvd {name}",
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>One batch call failed for a reason other than a timeout: log once, pause, retry.</summary>
    private void OnReceiveError(string loop, int result, ref bool reported)
    {
        if (!reported)
        {
            PipelineLog.ReceiveFailed(_logger, loop, -result);
            reported = true;
        }

        Thread.Sleep(Options.ReceiveTimeout);
    }

    private readonly record struct TunnelKey(IPEndPoint Peer, ushort VlanId);
}
