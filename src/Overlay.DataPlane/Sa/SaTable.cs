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
    private readonly Lock _switchGate = new();
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

        if (direction == SaDirection.Outbound)
        {
            var key = new TunnelKey(sa.Descriptor.Peer, sa.TvdVlanId);
            lock (_switchGate)
            {
                _pendingOutbound.TryRemove(new KeyValuePair<TunnelKey, EspSa>(key, sa));
                if (_outboundByTunnel.TryRemove(new KeyValuePair<TunnelKey, EspSa>(key, sa)))
                {
                    RemapTunnel(key);
                }
            }
        }

        sa.Dispose();
        return true;
    }

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

    /// <summary>Status of every SA, for "tvdctl status" (allocates; not for the data path).</summary>
    public IReadOnlyList<EspSaStatus> Snapshot() =>
        _inbound.Values.Concat(_outbound.Values).Select(EspSaStatus.From).OrderBy(s => s.Spi).ToList();

    public void Dispose()
    {
        foreach (EspSa sa in _inbound.Values.Concat(_outbound.Values))
        {
            sa.Dispose();
        }

        _inbound.Clear();
        _outbound.Clear();
        _outboundByTunnel.Clear();
        _pendingOutbound.Clear();
    }

    /// <summary>After the tunnel's current SA went away, the newest remaining SA of that tunnel takes over.</summary>
    private void RemapTunnel(TunnelKey key)
    {
        _pendingOutbound.TryRemove(key, out _);
        EspSa? newest = _outbound.Values
            .Where(sa => !sa.IsExpired && sa.TvdVlanId == key.VlanId && sa.Descriptor.Peer.Equals(key.Peer))
            .MaxBy(sa => sa.InstallSerial);
        if (newest is not null)
        {
            _outboundByTunnel.TryAdd(key, newest);
        }
    }

    private readonly record struct TunnelKey(IPEndPoint Peer, ushort VlanId)
    {
        public bool Matches(EspSa sa) => sa.TvdVlanId == VlanId && sa.Descriptor.Peer.Equals(Peer);
    }
}
