using System.Net;
using Overlay.Ike.Encoding;

namespace Overlay.Ike.Sa;

/// <summary>
/// Finds the IKE SA a received message belongs to (strongSwan's ike_sa_manager): by our SPI, or
/// for a new IKE_SA_INIT request by (peer, SPIi) so a retransmitted first message reaches the
/// same half-open SA. Creates responder SAs for new IKE_SA_INIT requests, adopts the successors
/// of rekeyed SAs and forgets destroyed SAs. The tables have their own lock, never held while an SA runs (an SA's timer thread
/// reports its destruction while holding the SA's lock, so the opposite order would deadlock).
/// <para>
/// Half-open responder SAs (created by an IKE_SA_INIT request, not yet authenticated by IKE_AUTH) are what an
/// attacker who spoofs source addresses can make us hold (RFC 7296 §2.6), so they are bounded before any state
/// exists: a new request is parsed and validated first (a malformed one is dropped and counted, with no SA and
/// no answer); then the COOKIE check applies to every request once the half-open SAs reach the cookie threshold,
/// or once its source address holds <see cref="HalfOpenOptions.MaxPerSource"/>; and each half-open SA is
/// destroyed if it is not authenticated within <see cref="HalfOpenOptions.Timeout"/>.
/// </para>
/// </summary>
public sealed partial class IkeSaManager : IDisposable
{
    private readonly Dictionary<ulong, IkeSa> _bySpi = [];
    private readonly Dictionary<(IPEndPoint, ulong), IkeSa> _halfOpen = [];
    private readonly Dictionary<IkeSa, (IPEndPoint, ulong)> _halfOpenKeys = []; // so forgetting an SA is O(1), not a scan
    private readonly Func<IPEndPoint, IkeSaConfig?> _responderConfig;
    private readonly IkeSaServices _services;

    /// <param name="responderConfig">The config to answer a peer with, or null to ignore it.</param>
    /// <param name="cookies">When to answer IKE_SA_INIT with a stateless COOKIE (RFC 7296 §2.6); null never does.</param>
    /// <param name="halfOpen">How long a half-open responder SA lives and how many one source may hold; null: <see cref="HalfOpenOptions.Default"/>.</param>
    public IkeSaManager(IkeSaServices services, Func<IPEndPoint, IkeSaConfig?> responderConfig, CookieOptions? cookies = null,
        HalfOpenOptions? halfOpen = null)
    {
        _services = services;
        _responderConfig = responderConfig;
        Cookies = cookies is null ? null : new ResponderCookies(cookies, services.Random, services.Time);
        HalfOpen = halfOpen ?? HalfOpenOptions.Default;
    }

    /// <summary>The responder's cookie guard, if configured.</summary>
    public ResponderCookies? Cookies { get; }

    /// <summary>The bounds on half-open responder SAs.</summary>
    public HalfOpenOptions HalfOpen { get; }

    private readonly Lock _tables = new();

    private long _dropped;

    /// <summary>Messages no SA took: unparseable headers, unknown SPIs, unknown peers, refused IKE_SA_INITs (workers bump it concurrently).</summary>
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
        CountHandshake(sa);
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

        var sa = Find(h, remote, out var newInit) ?? (newInit ? Admit(h, ikeMessage, local, remote) : null);
        if (sa is null)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        sa.Receive(ikeMessage, local, remote);
    }

    /// <summary>The SA a message belongs to; <paramref name="newInit"/> when it is an IKE_SA_INIT request no SA has seen.</summary>
    private IkeSa? Find(IkeHeader h, IPEndPoint remote, out bool newInit)
    {
        newInit = false;
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

            newInit = true;
            return null;
        }
    }

    /// <summary>How the handshakes of new IKE SAs (not rekeys) ended, by result and reason (given by the owner to share it).</summary>
    public HandshakeStats Handshakes { get; init; } = new();

    /// <summary>Counts how a new SA's handshake ends: authenticated, or destroyed before that.</summary>
    private void CountHandshake(IkeSa sa)
    {
        sa.Authenticated += s => Handshakes.Record(new HandshakeOutcome(
            HandshakeReasons.Established, HandshakeReasons.Ok, s.IsOriginalInitiator, _services.Time.GetElapsedTime(s.CreatedTimestamp)));
        sa.Destroyed += s =>
        {
            if (s.EstablishedAt is null)
            {
                Handshakes.Record(new HandshakeOutcome(HandshakeReasons.Failed, s.FailureKind?.Name() ?? HandshakeReasons.Other,
                    s.IsOriginalInitiator, _services.Time.GetElapsedTime(s.CreatedTimestamp)));
            }
        };
    }

    private void Track(IkeSa sa)
    {
        sa.Destroyed += Forget;
        sa.Authenticated += OnAuthenticated;
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
        EndHalfOpenLocked(sa);
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
