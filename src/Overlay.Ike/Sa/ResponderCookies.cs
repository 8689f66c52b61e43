using System.Net;
using System.Security.Cryptography;
using Overlay.Ike.Crypto;
using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Sa;

/// <summary>
/// When to demand cookies and how often the secret changes (RFC 7296 §2.6). Tunables.
/// </summary>
/// <param name="HalfOpenThreshold">Half-open responder SAs at or above which IKE_SA_INIT must carry a valid COOKIE.</param>
/// <param name="SecretLifetime">How long one secret signs cookies; cookies of the previous secret stay valid for one more period.</param>
public sealed record CookieOptions(int HalfOpenThreshold, TimeSpan SecretLifetime)
{
    /// <summary>strongSwan's default threshold (30 half-open SAs) and a 5-minute secret.</summary>
    public static CookieOptions Default { get; } = new(30, TimeSpan.FromMinutes(5));
}

/// <summary>
/// Stateless cookies for the responder (RFC 7296 §2.6): under load an IKE_SA_INIT request is
/// answered with N(COOKIE) and no state is kept; only a request that repeats the cookie, proving
/// the initiator receives at its address, gets a half-open SA. The cookie follows the RFC's
/// suggestion:
/// <code>
/// Cookie = &lt;VersionIDofSecret&gt; | Hash(Ni | IPi | SPIi | &lt;secret&gt;)
/// </code>
/// with HMAC-SHA-256 keyed by the secret as the hash, a 4-octet version and secrets drawn from the
/// injected randomness. The secret is replaced lazily once <see cref="CookieOptions.SecretLifetime"/>
/// has passed on the injected clock; the previous one is still accepted, so a cookie issued just
/// before a rotation works on the retry.
/// </summary>
public sealed class ResponderCookies
{
    /// <summary>Octets of the version prefix.</summary>
    public const int VersionLength = 4;

    /// <summary>Version prefix plus HMAC-SHA-256: 36 octets, within the 1–64 octets of §2.6.</summary>
    public const int CookieLength = VersionLength + 32;

    private readonly IIkeRandom _random;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private uint _version;
    private byte[] _secret = new byte[32];
    private byte[]? _previous;
    private DateTimeOffset _rotatedAt;

    public ResponderCookies(CookieOptions options, IIkeRandom random, TimeProvider time)
    {
        Options = options;
        _random = random;
        _time = time;
        _random.Fill(_secret);
        _rotatedAt = time.GetUtcNow();
    }

    public CookieOptions Options { get; }

    /// <summary>Requests answered with a COOKIE (no state kept) and cookies that did not verify.</summary>
    public int CookiesSent { get; private set; }

    public int InvalidCookies { get; private set; }

    /// <summary>The cookie for this initiator's request under the current secret.</summary>
    public byte[] Compute(ReadOnlySpan<byte> nonce, IPAddress initiator, ulong spiI)
    {
        lock (_lock)
        {
            RotateIfDue();
            return Compute(_version, _secret, nonce, initiator, spiI);
        }
    }

    /// <summary>True when <paramref name="cookie"/> is what we would have given this request (current or previous secret).</summary>
    public bool Verify(ReadOnlySpan<byte> cookie, ReadOnlySpan<byte> nonce, IPAddress initiator, ulong spiI)
    {
        lock (_lock)
        {
            RotateIfDue();
            if (cookie.Length != CookieLength)
            {
                return false;
            }

            var version = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(cookie);
            var secret = version == _version ? _secret : version == _version - 1 ? _previous : null;
            return secret is not null && CryptographicOperations.FixedTimeEquals(cookie, Compute(version, secret, nonce, initiator, spiI));
        }
    }

    /// <summary>
    /// Decides about a parsed and validated IKE_SA_INIT request (it has a nonce) that would create a half-open
    /// SA: null to go ahead, or the stateless COOKIE response to send. A cookie is demanded when
    /// <paramref name="demand"/> (the half-open threshold is reached, or the source is at its own limit); a
    /// request that carries one is checked either way, and <paramref name="verified"/> says whether it proved
    /// that the initiator receives at <paramref name="initiator"/>.
    /// </summary>
    public byte[]? Check(IkeMessage request, IPAddress initiator, bool demand, out bool verified)
    {
        verified = false;
        if (request.Find<NoncePayload>() is not { } nonce)
        {
            throw new ArgumentException("an IKE_SA_INIT request without a nonce is malformed: the caller drops it", nameof(request));
        }

        var spiI = request.Header.InitiatorSpi;
        if (request.FindNotify(NotifyType.Cookie) is { } cookie)
        {
            verified = Verify(cookie.Data, nonce.Data, initiator, spiI);
            if (!verified && demand)
            {
                lock (_lock)
                {
                    InvalidCookies++;
                }
            }
        }

        if (verified || !demand)
        {
            return null;
        }

        var header = new IkeHeader(spiI, 0, IkePayloadType.NoNextPayload, IkeExchangeType.IkeSaInit, IkeHeaderFlags.Response,
            request.Header.MessageId, 0);
        var answer = new IkeMessage(header, [new NotifyPayload(NotifyType.Cookie, Compute(nonce.Data, initiator, spiI))]).ToArray();
        lock (_lock)
        {
            CookiesSent++;
        }

        return answer;
    }

    /// <summary>One rotation per elapsed period, at most two: after two idle periods no old cookie is valid.</summary>
    private void RotateIfDue()
    {
        var now = _time.GetUtcNow();
        var periods = (int)Math.Min(2, (now - _rotatedAt) / Options.SecretLifetime);
        for (var i = 0; i < periods; i++)
        {
            _previous = _secret;
            _secret = new byte[32];
            _random.Fill(_secret);
            _version++;
        }

        if (periods > 0)
        {
            _rotatedAt = now;
        }
    }

    private static byte[] Compute(uint version, byte[] secret, ReadOnlySpan<byte> nonce, IPAddress initiator, ulong spiI)
    {
        Span<byte> address = stackalloc byte[16];
        initiator.TryWriteBytes(address, out var addressLength);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
        hmac.AppendData(nonce);
        hmac.AppendData(address[..addressLength]);
        Span<byte> spi = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(spi, spiI);
        hmac.AppendData(spi);
        var cookie = new byte[CookieLength];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(cookie, version);
        hmac.GetHashAndReset(cookie.AsSpan(VersionLength));
        return cookie;
    }
}
