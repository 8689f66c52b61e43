namespace Overlay.Attest.Handshake;

/// <summary>
/// An epoch value published by another host, as a challenge this host may hand out. Freshness is judged from
/// <see cref="AttestationChallenge.IssuedAt"/>: evidence over the value was made after the value existed, which is no
/// later than when it was published. So <c>IssuedAt</c> is the earlier of the publisher's time and the time it arrived
/// here, and a value that arrives long after it was published (this host was cut off from the store), or whose
/// publisher's clock runs ahead of ours by more than <see cref="MaxSkew"/>, is not used at all: a verifier would
/// otherwise call evidence fresh that was made before it ever saw the value.
/// </summary>
public static class EpochChallenge
{
    /// <summary>How far the publisher's time and our arrival time may differ (clocks kept by NTP, the store's latency).</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromSeconds(5);

    /// <summary>The challenge, or null when the value is not <see cref="HandshakeConstants.ChallengeSize"/> bytes or the times disagree.</summary>
    public static AttestationChallenge? FromPublished(ReadOnlySpan<byte> value, DateTimeOffset publishedAt, DateTimeOffset receivedAt)
    {
        if (value.Length != HandshakeConstants.ChallengeSize || (receivedAt - publishedAt).Duration() > MaxSkew)
        {
            return null;
        }

        return new AttestationChallenge(value.ToArray(), publishedAt < receivedAt ? publishedAt : receivedAt);
    }
}
