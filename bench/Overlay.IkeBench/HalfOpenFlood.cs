using System.Collections.Concurrent;
using System.Net;
using Overlay.Daemon.IkeHost;
using Overlay.Ike;
using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.KeyExchange;
using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.IkeBench;

/// <summary>
/// Half-open IKE SAs (RFC 7296 §2.6): valid IKE_SA_INIT requests — a fresh SPI, nonce and KE built by our
/// own IKE_SA_INIT task — that are never continued, as a spoofing or careless peer leaves them in a
/// responder. Each request comes from an initiator SA disposed as soon as it has sent, so nothing is
/// retransmitted. A socket of its own (ephemeral ports) receives the answers, counted here: a COOKIE
/// (the responder kept no state), an error notify (refused), or the responder's SA/KE/Nr.
/// </summary>
public sealed class HalfOpenFlood : IAsyncDisposable
{
    private readonly StandaloneIke _socket;
    private readonly IkeSaServices _services;
    private readonly IkeSaConfig _config;
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<ulong, byte> _pending = new();
    private readonly ConcurrentDictionary<string, long> _refused = new();
    private long _sent, _answered, _cookies;

    public HalfOpenFlood(IPAddress local, IPEndPoint target, IkeSaConfig config)
    {
        _socket = StandaloneIke.Start(local, new RedOnlyPolicy(), new CountingSink(), _ => null, ikePort: 0, natTraversalPort: 0, handler: OnAnswer);
        _services = new IkeSaServices(SystemIkeRandom.Instance, KeyExchangeFactory.Instance, new RedOnlyPolicy(), new CountingSink(),
            _socket.Transport, TimeProvider.System, RetransmitPolicy.Default);
        (_config, _target) = (config, target);
    }

    public sealed record Counts(long Sent, long Answered, long Cookies, IReadOnlyDictionary<string, long> Refused);

    public Counts Snapshot() => new(Interlocked.Read(ref _sent), Interlocked.Read(ref _answered), Interlocked.Read(ref _cookies),
        new SortedDictionary<string, long>(_refused));

    /// <summary>Sends <paramref name="rate"/> IKE_SA_INITs per second until <paramref name="deadline"/> (a Stopwatch timestamp).</summary>
    public async Task RunAsync(double rate, long deadline)
    {
        var bucket = new TokenBucket(rate, burst: TokenBucket.QuarterSecondOf(rate));
        while (await bucket.TakeAsync(deadline).ConfigureAwait(false))
        {
            SendOne();
        }
    }

    private void SendOne()
    {
        // A target on its NAT-T port hears from ours, behind the non-ESP marker (RFC 3948).
        var local = _target.Port == IkeConstants.NatTraversalPort ? _socket.Transport.NatTraversalEndpoint : _socket.Transport.IkeEndpoint;
        using var sa = new IkeSa(_config, isOriginalInitiator: true, _services, local, _target);
        _pending[sa.InitiatorSpi] = 0; // before sending: the answer may come back before Initiate returns
        sa.Initiate(child: null);       // builds and sends IKE_SA_INIT; disposing stops its retransmit timer
        Interlocked.Increment(ref _sent);
    }

    private void OnAnswer(ReadOnlySpan<byte> message, IPEndPoint local, IPEndPoint remote)
    {
        var r = new IkeReader(message);
        if (!IkeHeader.TryRead(ref r, out var h) || !h.IsResponse || h.ExchangeType != IkeExchangeType.IkeSaInit
            || !_pending.TryRemove(h.InitiatorSpi, out _))
        {
            return;
        }

        Interlocked.Increment(ref _answered);
        if (!IkeMessage.TryParse(message, out var answer, out _))
        {
            _refused.AddOrUpdate("malformed", 1, (_, n) => n + 1);
        }
        else if (answer.FindNotify(NotifyType.Cookie) is not null)
        {
            Interlocked.Increment(ref _cookies);
        }
        else if (answer.Payloads.OfType<NotifyPayload>().FirstOrDefault(n => n.IsError) is { } error)
        {
            _refused.AddOrUpdate(error.Type.ToString(), 1, (_, n) => n + 1);
        }
    }

    public ValueTask DisposeAsync() => _socket.DisposeAsync();
}
