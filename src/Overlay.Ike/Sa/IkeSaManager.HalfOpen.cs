using System.Net;
using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;

namespace Overlay.Ike.Sa;

/// <summary>
/// The responder's admission of new IKE_SA_INIT requests and the bookkeeping of half-open SAs (RFC 7296 §2.6):
/// every step before an SA exists — validation, COOKIE, per-source limit — and, once one does, its timeout.
/// </summary>
public sealed partial class IkeSaManager
{
    private readonly Dictionary<IkeSa, HalfOpenEntry> _unauthenticated = [];
    private readonly Dictionary<IPAddress, List<IkeSa>> _unauthenticatedBySource = [];
    private long _malformed, _perSourceLimited, _perSourceDisplaced, _expired;

    /// <summary>Responder SAs an IKE_SA_INIT request created that IKE_AUTH has not authenticated yet (what §2.6 guards against).</summary>
    public int HalfOpenCount
    {
        get
        {
            lock (_tables)
            {
                return _unauthenticated.Count;
            }
        }
    }

    /// <summary>What became of IKE_SA_INIT requests and half-open SAs the bounds turned away.</summary>
    public HalfOpenCounters HalfOpenCounters => new(Interlocked.Read(ref _malformed), Interlocked.Read(ref _perSourceLimited),
        Interlocked.Read(ref _perSourceDisplaced), Interlocked.Read(ref _expired));

    /// <summary>
    /// A new IKE_SA_INIT request from <paramref name="remote"/>: the responder SA it may have, or null (dropped, or
    /// answered with a COOKIE) — in which case nothing of it is kept.
    /// </summary>
    private IkeSa? Admit(IkeHeader h, ReadOnlySpan<byte> ikeMessage, IPEndPoint local, IPEndPoint remote)
    {
        if (_responderConfig(remote) is not { } config)
        {
            return null;
        }

        // Parsed outside the tables' lock; the SA parses it again, but only once it exists.
        if (!IkeMessage.TryParse(ikeMessage, out var request, out _) || MessageValidator.Validate(request).IsError)
        {
            Interlocked.Increment(ref _malformed);
            return null;
        }

        IkeSa? sa = null;
        IkeSa? displaced = null;
        bool limited = false;
        byte[]? cookieAnswer = null;
        lock (_tables)
        {
            if (_halfOpen.TryGetValue((remote, h.InitiatorSpi), out sa))
            {
                return sa; // a retransmission that raced the first copy
            }

            var source = _unauthenticatedBySource.GetValueOrDefault(remote.Address);
            var atSourceLimit = source is not null && source.Count >= HalfOpen.MaxPerSource;
            var verified = false;
            if (Cookies is { } cookies)
            {
                var demand = atSourceLimit || _unauthenticated.Count >= cookies.Options.HalfOpenThreshold;
                cookieAnswer = cookies.Check(request, remote.Address, demand, out verified);
            }

            if (cookieAnswer is null && atSourceLimit && (!verified || (displaced = OldestUnverifiedLocked(source!)) is null))
            {
                Interlocked.Increment(ref _perSourceLimited);
                limited = true; // reported below, outside the tables' lock
            }
            else if (cookieAnswer is not null)
            {
                if (atSourceLimit)
                {
                    Interlocked.Increment(ref _perSourceLimited);
                }

                sa = null;
            }
            else
            {
                if (displaced is not null)
                {
                    EndHalfOpenLocked(displaced); // stops counting now, so the source never holds more than its limit
                    Interlocked.Increment(ref _perSourceDisplaced);
                }

                sa = CreateResponderLocked(config, h.InitiatorSpi, local, remote, verified);
            }
        }

        if (limited)
        {
            ReportHalfOpen(config, remote, IkeFailureReason.HalfOpenLimit,
                $"IKE_SA_INIT dropped: {remote.Address} already holds {HalfOpen.MaxPerSource} half-open SAs (half_open_per_source)");
            return null;
        }

        if (cookieAnswer is not null)
        {
            _services.Sender.Send(cookieAnswer, local, remote); // no state: the SA is created on the retry
        }

        if (displaced?.ExpireHalfOpen(IkeFailureReason.HalfOpenLimit, $"displaced by a request from {remote.Address} that returned a valid COOKIE") == true)
        {
            ReportHalfOpen(config, remote, IkeFailureReason.HalfOpenLimit,
                $"a half-open SA of {remote.Address} was displaced by a newer request that returned a valid COOKIE (half_open_per_source {HalfOpen.MaxPerSource})");
        }

        return sa;
    }

    private IkeSa CreateResponderLocked(IkeSaConfig config, ulong initiatorSpi, IPEndPoint local, IPEndPoint remote, bool verified)
    {
        var sa = new IkeSa(config, isOriginalInitiator: false, _services, local, remote);
        Track(sa);
        CountHandshake(sa);
        _halfOpen[(remote, initiatorSpi)] = sa;
        _halfOpenKeys[sa] = (remote, initiatorSpi);
        var timer = _services.Time.CreateTimer(static state => ((Action)state!)(), (Action)(() => OnHalfOpenTimerExpired(sa)),
            HalfOpen.Timeout, Timeout.InfiniteTimeSpan);
        _unauthenticated[sa] = new HalfOpenEntry(remote.Address, verified, timer);
        if (!_unauthenticatedBySource.TryGetValue(remote.Address, out var list))
        {
            _unauthenticatedBySource[remote.Address] = list = new List<IkeSa>(1);
        }

        list.Add(sa);
        return sa;
    }

    /// <summary>The source's oldest half-open SA that did not prove its address with a cookie (the list is in creation order).</summary>
    private IkeSa? OldestUnverifiedLocked(List<IkeSa> source)
    {
        foreach (var sa in source)
        {
            if (!_unauthenticated[sa].Verified)
            {
                return sa;
            }
        }

        return null;
    }

    /// <summary>Timeout of a half-open SA (strongSwan's half_open_timeout): not authenticated yet, it goes.</summary>
    private void OnHalfOpenTimerExpired(IkeSa sa)
    {
        string reason = $"not authenticated within {HalfOpen.Timeout.TotalSeconds:0.###} s of its IKE_SA_INIT (half-open timeout)";
        if (sa.ExpireHalfOpen(IkeFailureReason.HalfOpenTimeout, reason))
        {
            Interlocked.Increment(ref _expired);
            ReportHalfOpen(sa.Config, sa.Remote, IkeFailureReason.HalfOpenTimeout, $"its half-open SA was {reason}");
        }
    }

    private void OnAuthenticated(IkeSa sa)
    {
        lock (_tables)
        {
            EndHalfOpenLocked(sa);
        }
    }

    /// <summary>The SA is no longer half-open (authenticated, displaced or gone): uncounted, its timer stopped.</summary>
    private void EndHalfOpenLocked(IkeSa sa)
    {
        if (!_unauthenticated.Remove(sa, out var entry))
        {
            return;
        }

        entry.Timer.Dispose();
        if (_unauthenticatedBySource.TryGetValue(entry.Source, out var list))
        {
            list.Remove(sa);
            if (list.Count == 0)
            {
                _unauthenticatedBySource.Remove(entry.Source);
            }
        }
    }

    private void ReportHalfOpen(IkeSaConfig config, IPEndPoint remote, IkeFailureReason reason, string detail)
        => _services.Failures?.Record(new IkeFailure(remote.Address, config.RemoteId?.ToString(), reason, ByPeer: false, detail));

    private sealed record HalfOpenEntry(IPAddress Source, bool Verified, ITimer Timer);
}
