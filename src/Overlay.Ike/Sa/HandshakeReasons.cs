namespace Overlay.Ike.Sa;

/// <summary>
/// The names a handshake outcome is counted under (<see cref="HandshakeStats"/>): <c>established</c> with reason
/// <c>ok</c>, or <c>failed</c> with the <see cref="IkeFailureReason"/> the failure was reported as (its
/// <see cref="IkeFailureReasons.Name"/>, the names of <c>.ike.failures</c>), or <c>other</c> when the SA ended without
/// a reported failure (deleted by the peer, shut down). A bounded set: never the failure's text, which may quote the peer.
/// </summary>
public static class HandshakeReasons
{
    public const string Established = "established";
    public const string Failed = "failed";
    public const string Ok = "ok";
    public const string Other = "other";
}
