using System.Collections.Concurrent;
using System.Net;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;

namespace Overlay.DataPlane.Sa;

/// <summary>
/// The installed SAs: inbound by SPI (the receive path's first lookup) and outbound by
/// (peer, TVD VLAN id) (the switch's remote target). Lookups are lock-free reads of
/// <see cref="ConcurrentDictionary{TKey, TValue}"/> and allocate nothing; installs and removals are
/// binding-time operations from the key exchange.
/// </summary>
public sealed class SaTable : ISaInstaller, IDisposable
{
    private readonly ConcurrentDictionary<uint, EspSa> _inbound = new();
    private readonly ConcurrentDictionary<uint, EspSa> _outbound = new();
    private readonly ConcurrentDictionary<TunnelKey, EspSa> _outboundByTunnel = new();

    // A rekeyed tunnel's new outbound SA, waiting until the peer has the new pair installed (RFC 7296 §2.8):
    // a responder that sent on it at once would lose packets until the initiator installs its inbound side.
    private readonly ConcurrentDictionary<TunnelKey, EspSa> _pendingOutbound = new();

    // Inbound SAs of rekeyed CHILD_SAs that still open what the peer sealed before it switched, until their timer.
    private readonly ConcurrentDictionary<EspSa, ITimer> _retiring = new();
    private readonly Lock _switchGate = new();

    // Traffic of removed SAs per (peer, TVD, direction), so totals over a tunnel's SAs only grow across rekeys.
    private readonly Dictionary<(IPEndPoint Peer, string TvdLabel, SaDirection Direction), RetiredTraffic> _retired = [];
    private readonly TimeProvider _time;
    private long _installSerial;

    public SaTable(TimeProvider? time = null, DropCounters? globalDrops = null)
    {
        _time = time ?? TimeProvider.System;
        GlobalDrops = globalDrops ?? new DropCounters();
    }

    /// <summary>Drops of every SA plus packets that matched no SA.</summary>
    public DropCounters GlobalDrops { get; }

    /// <summary>Forwarded from every installed SA: a soft limit passed, rekey now.</summary>
    public event Action<EspSa, SaLimit>? RekeyRequested;

    /// <summary>Forwarded from every installed SA: a hard limit ended it (or it was removed).</summary>
    public event Action<EspSa, SaLimit>? Expired;

    public int InboundCount => _inbound.Count;

    public int OutboundCount => _outbound.Count;

    public SaInstallResult Install(SaDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.Validate() is not null)
        {
            return SaInstallResult.Invalid;
        }

        var sa = EspSa.Create(descriptor, _time, GlobalDrops);
        ConcurrentDictionary<uint, EspSa> bySpi = descriptor.Direction == SaDirection.Inbound ? _inbound : _outbound;
        if (!bySpi.TryAdd(descriptor.Spi, sa))
        {
            sa.Dispose();
            return SaInstallResult.DuplicateSpi;
        }

        sa.InstallSerial = Interlocked.Increment(ref _installSerial);
        sa.RekeyRequested += (s, limit) => RekeyRequested?.Invoke(s, limit);
        sa.Expired += (s, limit) => Expired?.Invoke(s, limit);
        var key = new TunnelKey(descriptor.Peer, descriptor.TvdVlanId);
        lock (_switchGate)
        {
            if (descriptor.Direction == SaDirection.Inbound)
            {
                sa.PromotesPendingOutbound = _pendingOutbound.ContainsKey(key);
            }
            else if (!_outboundByTunnel.TryGetValue(key, out EspSa? current) || current.IsExpired)
            {
                _outboundByTunnel[key] = sa;
            }
            else
            {
                // Make-before-break: the current SA carries traffic until the peer sends on the new pair's
                // inbound SA, or the current one is removed (the old CHILD_SA's DELETE). The new pair's inbound
                // SA is the tunnel's newest one if it came first (as the IKE sink installs a pair), or is
                // flagged when it is installed after this one (above).
                _pendingOutbound[key] = sa;
                EspSa? newestInbound = _inbound.Values.Where(key.Matches).MaxBy(i => i.InstallSerial);
                if (newestInbound is not null && newestInbound.InstallSerial > current.InstallSerial)
                {
                    newestInbound.PromotesPendingOutbound = true;
                }
            }
        }

        return SaInstallResult.Installed;
    }

    public bool Remove(uint spi, SaDirection direction)
    {
        ConcurrentDictionary<uint, EspSa> bySpi = direction == SaDirection.Inbound ? _inbound : _outbound;
        if (!bySpi.TryRemove(spi, out EspSa? sa))
        {
            return false;
        }

        var key = new TunnelKey(sa.Descriptor.Peer, sa.TvdVlanId);
        if (direction == SaDirection.Outbound)
        {
            lock (_switchGate)
            {
                _pendingOutbound.TryRemove(new KeyValuePair<TunnelKey, EspSa>(key, sa));
                RemapTunnel(key, sa);
            }
        }

        sa.Dispose();
        Retire(sa);
        if (direction == SaDirection.Inbound)
        {
            ForgetRetiring(sa);
            RemoveRetiringIfAlone(key);
        }

        return true;
    }

    /// <summary>
    /// Removes an inbound SA after <paramref name="grace"/> instead of now: the SA of a CHILD_SA that was
    /// rekeyed keeps opening what the peer sealed with it before it switched to the new pair and is
    /// still in flight (strongSwan's delete_rekeyed_delay does the same). Cut short when its tunnel has
    /// no other inbound SA left, so removing a whole peer or TVD still stops its traffic at once.
    /// False when no inbound SA has <paramref name="spi"/>.
    /// </summary>
    public bool RetireInbound(uint spi, TimeSpan grace)
    {
        if (grace <= TimeSpan.Zero)
        {
            return Remove(spi, SaDirection.Inbound);
        }

        if (!_inbound.TryGetValue(spi, out EspSa? sa))
        {
            return false;
        }

        ITimer timer = _time.CreateTimer(_ => RemoveInbound(sa), null, grace, Timeout.InfiniteTimeSpan);
        if (!_retiring.TryAdd(sa, timer))
        {
            timer.Dispose(); // retiring already
        }

        return true;
    }

    /// <summary>Inbound SAs waiting out their grace after a rekey.</summary>
    public int RetiringCount => _retiring.Count;

    /// <summary>
    /// Called by the receive path after a packet authenticated on <paramref name="inbound"/>. If that SA marks
    /// a rekeyed tunnel whose new outbound SA waits, the peer evidently has the new pair: switch to it.
    /// Costs one field read per packet otherwise.
    /// </summary>
    public void OnAuthenticated(EspSa inbound)
    {
        if (!inbound.PromotesPendingOutbound)
        {
            return;
        }

        var key = new TunnelKey(inbound.Descriptor.Peer, inbound.TvdVlanId);
        lock (_switchGate)
        {
            inbound.PromotesPendingOutbound = false;
            if (_pendingOutbound.TryRemove(key, out EspSa? pending))
            {
                _outboundByTunnel[key] = pending;
                foreach (EspSa other in _inbound.Values)
                {
                    if (key.Matches(other))
                    {
                        other.PromotesPendingOutbound = false;
                    }
                }
            }
        }
    }

    /// <summary>Finds the inbound SA for an SPI.</summary>
    public bool TryGetInbound(uint spi, out EspSa sa) => _inbound.TryGetValue(spi, out sa!);

    /// <summary>
    /// Finds the inbound SA for an ESP packet by its SPI; a miss is counted as
    /// <see cref="DropReason.UnknownSpi"/> (or <see cref="DropReason.Runt"/> below 4 bytes).
    /// </summary>
    public DropReason LookupInbound(ReadOnlySpan<byte> esp, out EspSa? sa)
    {
        sa = null;
        if (!EspHeader.TryReadSpi(esp, out uint spi))
        {
            GlobalDrops.Increment(DropReason.Runt);
            return DropReason.Runt;
        }

        if (!_inbound.TryGetValue(spi, out sa))
        {
            GlobalDrops.Increment(DropReason.UnknownSpi);
            return DropReason.UnknownSpi;
        }

        return DropReason.None;
    }

    /// <summary>Finds the outbound SA that carries TVD <paramref name="vlanId"/> to <paramref name="peer"/>.</summary>
    public bool TryGetOutbound(IPEndPoint peer, ushort vlanId, out EspSa sa) =>
        _outboundByTunnel.TryGetValue(new TunnelKey(peer, vlanId), out sa!);

    /// <summary>
    /// What removed SAs carried, per (peer, TVD, direction): added to the installed SAs' counters, a tunnel's traffic
    /// never goes down when a rekey retires an SA (allocates; for metrics, not for the data path).
    /// </summary>
    public IReadOnlyList<RetiredTraffic> RetiredSnapshot()
    {
        lock (_retired)
        {
            return [.. _retired.Values];
        }
    }

    private void Retire(EspSa sa)
    {
        var key = (sa.Descriptor.Peer, sa.Descriptor.TvdLabel, sa.Direction);
        DropCounterSnapshot drops = sa.Drops.Snapshot();
        lock (_retired)
        {
            RetiredTraffic before = _retired.GetValueOrDefault(key) ?? new RetiredTraffic(key.Peer, key.TvdLabel, key.Direction, 0, 0, new Dictionary<DropReason, long>());
            var sum = new Dictionary<DropReason, long>(before.Drops);
            foreach (KeyValuePair<DropReason, long> drop in drops.NonZero())
            {
                sum[drop.Key] = sum.GetValueOrDefault(drop.Key) + drop.Value;
            }

            _retired[key] = new RetiredTraffic(key.Peer, key.TvdLabel, key.Direction,
                before.Packets + sa.Traffic.Packets, before.Bytes + sa.Traffic.Bytes, sum);
        }
    }

    /// <summary>Status of every SA, for "tvdctl status" (allocates; not for the data path).</summary>
    public IReadOnlyList<EspSaStatus> Snapshot() =>
        _inbound.Values.Concat(_outbound.Values).Select(EspSaStatus.From).OrderBy(s => s.Spi).ToList();

    public void Dispose()
    {
        foreach (ITimer timer in _retiring.Values)
        {
            timer.Dispose();
        }

        _retiring.Clear();
        foreach (EspSa sa in _inbound.Values.Concat(_outbound.Values))
        {
            sa.Dispose();
        }

        _inbound.Clear();
        _outbound.Clear();
        _outboundByTunnel.Clear();
        _pendingOutbound.Clear();
    }

    /// <summary>
    /// If <paramref name="removed"/> carried the tunnel, the newest remaining SA of that tunnel takes over in
    /// one atomic swap: a port thread looking the tunnel up meanwhile finds the old SA or the new one,
    /// never nothing. Under the switch gate.
    /// </summary>
    private void RemapTunnel(TunnelKey key, EspSa removed)
    {
        if (!_outboundByTunnel.TryGetValue(key, out EspSa? current) || !ReferenceEquals(current, removed))
        {
            return;
        }

        _pendingOutbound.TryRemove(key, out _);
        EspSa? newest = _outbound.Values
            .Where(sa => !sa.IsExpired && sa.TvdVlanId == key.VlanId && sa.Descriptor.Peer.Equals(key.Peer))
            .MaxBy(sa => sa.InstallSerial);
        if (newest is null)
        {
            _outboundByTunnel.TryRemove(new KeyValuePair<TunnelKey, EspSa>(key, removed));
        }
        else
        {
            _outboundByTunnel.TryUpdate(key, newest, removed);
        }
    }

    /// <summary>The grace of a retiring inbound SA ended: remove exactly that SA (its SPI may be reused by then).</summary>
    private void RemoveInbound(EspSa sa)
    {
        if (_inbound.TryRemove(new KeyValuePair<uint, EspSa>(sa.Spi, sa)))
        {
            sa.Dispose();
            Retire(sa);
        }

        ForgetRetiring(sa);
    }

    private void ForgetRetiring(EspSa sa)
    {
        if (_retiring.TryRemove(sa, out ITimer? timer))
        {
            timer.Dispose();
        }
    }

    /// <summary>When no live inbound SA of the tunnel remains, its retiring ones go too: the tunnel is being torn down.</summary>
    private void RemoveRetiringIfAlone(TunnelKey key)
    {
        if (_retiring.IsEmpty || _inbound.Values.Any(sa => key.Matches(sa) && !_retiring.ContainsKey(sa)))
        {
            return;
        }

        foreach (EspSa retiring in _retiring.Keys.Where(key.Matches).ToList())
        {
            RemoveInbound(retiring);
        }
    }

    private readonly record struct TunnelKey(IPEndPoint Peer, ushort VlanId)
    {
        public bool Matches(EspSa sa) => sa.TvdVlanId == VlanId && sa.Descriptor.Peer.Equals(Peer);
    }
}

/// <summary>The packets, bytes and drops of the removed SAs of one (peer, TVD, direction), over their lifetimes.</summary>
public sealed record RetiredTraffic(IPEndPoint Peer, string TvdLabel, SaDirection Direction, long Packets, long Bytes,
    IReadOnlyDictionary<DropReason, long> Drops);
