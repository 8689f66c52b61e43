namespace Overlay.Attest.Handshake;

/// <summary>
/// A verifier's freshness token: <see cref="HandshakeConstants.ChallengeSize"/> random bytes, unpredictable before
/// <see cref="IssuedAt"/>. Evidence whose quote commits to it was therefore made after <see cref="IssuedAt"/>.
/// </summary>
public sealed record AttestationChallenge(byte[] Value, DateTimeOffset IssuedAt);
