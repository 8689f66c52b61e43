namespace Overlay.Ike.Sa;

/// <summary>
/// Bounds on half-open responder SAs: those an IKE_SA_INIT request created and IKE_AUTH has not yet authenticated
/// (RFC 7296 §2.6 — "half-open" — and strongSwan's <c>half_open_timeout</c> and <c>block_threshold</c>). Tunables.
/// </summary>
/// <param name="Timeout">A half-open SA not authenticated this long after its IKE_SA_INIT is destroyed.</param>
/// <param name="MaxPerSource">Half-open SAs one source address may hold. At the limit a new request must carry a valid
/// COOKIE (when cookies are on), which proves the sender receives at that address and displaces the source's oldest
/// half-open SA that proved nothing; without one (or with cookies off) the request is dropped and counted.</param>
public sealed record HalfOpenOptions(TimeSpan Timeout, int MaxPerSource)
{
    /// <summary>strongSwan's defaults: 30 s (<c>charon.half_open_timeout</c>), 5 per source (<c>charon.block_threshold</c>).</summary>
    public static HalfOpenOptions Default { get; } = new(TimeSpan.FromSeconds(30), 5);
}

/// <summary>What the responder did with IKE_SA_INIT requests that created no SA (counters for <c>tvdctl status</c>).</summary>
/// <param name="Malformed">Unparseable, or missing what RFC 7296 §1.2 requires (SA, KE, Ni): dropped before any state or cookie.</param>
/// <param name="PerSourceLimited">Refused because their source address already held its limit of half-open SAs: dropped, or answered with a COOKIE and nothing kept.</param>
/// <param name="PerSourceDisplaced">Half-open SAs destroyed to make room for a request from the same source that proved its address with a cookie.</param>
/// <param name="Expired">Half-open SAs destroyed because IKE_AUTH did not authenticate them in time.</param>
public readonly record struct HalfOpenCounters(long Malformed, long PerSourceLimited, long PerSourceDisplaced, long Expired);
