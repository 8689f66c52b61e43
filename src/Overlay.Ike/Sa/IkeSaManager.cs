using System.Net;
using Overlay.Ike.Encoding;

namespace Overlay.Ike.Sa;

/// <summary>
/// Finds the IKE SA a received message belongs to (strongSwan's ike_sa_manager): by our SPI, or
/// for a new IKE_SA_INIT request by (peer, SPIi) so a retransmitted first message reaches the
/// same half-open SA. Creates responder SAs for new IKE_SA_INIT requests, adopts the successors
/// of rekeyed SAs and forgets destroyed SAs. The tables have their own lock, never held while an SA runs (an SA's timer thread
/// reports its destruction while holding the SA's lock, so the opposite order would deadlock).
/// </summary>
public sealed class IkeSaManager : IDisposable
{
    private readonly Dictionary<ulong, IkeSa> _bySpi = [];
    private readonly Dictionary<(IPEndPoint, ulong), IkeSa> _halfOpen = [];
    private readonly Dictionary<IkeSa, (IPEndPoint, ulong)> _halfOpenKeys = []; // so forgetting an SA is O(1), not a scan
    private readonly Func<IPEndPoint, IkeSaConfig?> _responderConfig;
    private readonly IkeSaServices _services;

    /// <param name="responderConfig">The config to answer a peer with, or null to ignore it.</param>
    /// <param name="cookies">When to answer IKE_SA_INIT with a stateless COOKIE (RFC 7296 §2.6); null never does.</param>
    public IkeSaManager(IkeSaServices services, Func<IPEndPoint, IkeSaConfig?> responderConfig, CookieOptions? cookies = null)
    {
        _services = services;
        _responderConfig = responderConfig;
        Cookies = cookies is null ? null : new ResponderCookies(cookies, services.Random, services.Time);
    }

    /// <summary>The responder's cookie guard, if configured.</summary>
    public ResponderCookies? Cookies { get; }

    /// <summary>Responder SAs whose IKE_SA_INIT or IKE_AUTH has not completed (what §2.6 guards against).</summary>
    public int HalfOpenCount
    {
        get
        {
            lock (_tables)
            {
                return CountHalfOpenLocked();
            }
        }
    }

    private int CountHalfOpenLocked() => _halfOpen.Values.Count(sa => sa.State is IkeSaState.Created or IkeSaState.Connecting);

    private readonly Lock _tables = new();

    private long _dropped;

    /// <summary>Messages no SA took: unparseable headers, unknown SPIs, unknown peers (workers bump it concurrently).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public IReadOnlyList<IkeSa> Sas
    {
        get
        {
            lock (_tables)
            {
                return _bySpi.Values.Concat(_halfOpen.Values).Distinct().ToList();
            }
        }
    }

    /// <summary>Creates an initiator SA and starts IKE_SA_INIT → IKE_AUTH (+ first CHILD_SA).</summary>
    public IkeSa Initiate(IkeSaConfig config, ChildSaConfig? child, IPEndPoint local, IPEndPoint remote)
    {
        var sa = new IkeSa(config, isOriginalInitiator: true, _services, local, remote);
        Track(sa);
        lock (_tables)
        {
            _bySpi[sa.InitiatorSpi] = sa;
        }

        sa.Initiate(child);
        return sa;
    }

    /// <summary>Routes one IKE message (non-ESP marker already removed).</summary>
    public void Receive(ReadOnlySpan<byte> ikeMessage, IPEndPoint local, IPEndPoint remote)
    {
        var r = new IkeReader(ikeMessage);
        if (!IkeHeader.TryRead(ref r, out var h))
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        var sa = Find(h, ikeMessage, local, remote);
        if (sa is null)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        sa.Receive(ikeMessage, local, remote);
    }

    private IkeSa? Find(IkeHeader h, ReadOnlySpan<byte> ikeMessage, IPEndPoint local, IPEndPoint remote)
    {
        lock (_tables)
        {
            var ourSpi = h.IsFromOriginalInitiator ? h.ResponderSpi : h.InitiatorSpi;
            if (ourSpi != 0 && _bySpi.TryGetValue(ourSpi, out var sa))
            {
                return sa;
            }

            if (h.ExchangeType != IkeExchangeType.IkeSaInit || h.IsResponse || h.ResponderSpi != 0 || !h.IsFromOriginalInitiator)
            {
                return null;
            }

            if (_halfOpen.TryGetValue((remote, h.InitiatorSpi), out sa))
            {
                return sa;
            }

            if (_responderConfig(remote) is not { } config)
            {
                return null;
            }

            if (Cookies?.Check(ikeMessage, remote.Address, CountHalfOpenLocked()) is { } cookieAnswer)
            {
                _services.Sender.Send(cookieAnswer, local, remote); // no state: the SA is created on the retry
                return null;
            }

            sa = new IkeSa(config, isOriginalInitiator: false, _services, local, remote);
            Track(sa);
            _halfOpen[(remote, h.InitiatorSpi)] = sa;
            _halfOpenKeys[sa] = (remote, h.InitiatorSpi);
            return sa;
        }
    }

    private void Track(IkeSa sa)
    {
        sa.Destroyed += Forget;
        sa.Rekeyed += Adopt;
        sa.ResponderSpiAssigned += Register;
    }

    /// <summary>A responder SA's SPI routes to it from the moment it is chosen, before the reply leaves.</summary>
    private void Register(IkeSa sa)
    {
        lock (_tables)
        {
            _bySpi[sa.ResponderSpi] = sa;
        }
    }

    /// <summary>The SA our SPI <paramref name="spi"/> routes to, if any (for tests and diagnostics).</summary>
    internal IkeSa? FindBySpi(ulong spi)
    {
        lock (_tables)
        {
            return _bySpi.GetValueOrDefault(spi);
        }
    }

    /// <summary>A rekeyed IKE SA's successor (RFC 7296 §2.18): its SPI routes to it from now on.</summary>
    private void Adopt(IkeSa old, IkeSa successor)
    {
        Track(successor);
        lock (_tables)
        {
            _bySpi[successor.LocalSpi] = successor;
        }
    }

    private void Forget(IkeSa sa)
    {
        lock (_tables)
        {
            ForgetLocked(sa);
        }
    }

    /// <summary>An SA is in the tables under its own SPI (<see cref="IkeSa.LocalSpi"/>, fixed once chosen) and, as a responder, its half-open key.</summary>
    private void ForgetLocked(IkeSa sa)
    {
        if (_halfOpenKeys.Remove(sa, out var key))
        {
            _halfOpen.Remove(key);
        }

        if (sa.LocalSpi != 0 && _bySpi.TryGetValue(sa.LocalSpi, out var routed) && routed == sa)
        {
            _bySpi.Remove(sa.LocalSpi);
        }
    }

    public void Dispose()
    {
        foreach (var sa in Sas)
        {
            sa.Dispose();
        }
    }
}
