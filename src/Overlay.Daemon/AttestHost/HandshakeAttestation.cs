using Overlay.Attest.Handshake;

namespace Overlay.Daemon.AttestHost;

/// <summary>
/// The daemon's side of attested handshakes, held for its lifetime: our attester (one TPM quote per batch of
/// peers' challenges, through the attestation session), our challenges and the verifier that checks peers'
/// evidence against them. Built by <see cref="AttestService"/> once the TPM is up; IKE reaches it through
/// <c>IkeHost/IkeAttestationAdapter</c>.
/// </summary>
public sealed class HandshakeAttestation : IDisposable
{
    /// <summary>The longest max_age a policy may set: challenges are kept at least this long.</summary>
    public static readonly TimeSpan LongestMaxAge = TimeSpan.FromSeconds(300);

    /// <summary>How often our challenge rotates when the policy asks for nothing shorter.</summary>
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromSeconds(20);

    public HandshakeAttestation(string hostId, IQuoteSource quotes, TimeProvider time, TimeSpan period)
    {
        int keep = (int)Math.Ceiling(LongestMaxAge / TimeSpan.FromSeconds(1)) + 1; // enough for any period down to 1 s
        Challenges = new ChallengeIssuer(time, period, keep);
        Verifier = new HandshakeVerifier(time, Challenges);
        Attester = new HandshakeAttester(hostId, quotes, time, AttesterOptions.Default);
    }

    public ChallengeIssuer Challenges { get; }

    public HandshakeVerifier Verifier { get; }

    public HandshakeAttester Attester { get; }

    /// <summary>
    /// A third of the shortest max_age of the requirements (at most <see cref="DefaultPeriod"/>, at least a second): a
    /// peer then has two chances to refresh before its evidence expires.
    /// </summary>
    public static TimeSpan PeriodFor(IEnumerable<AttestationRequirement> requirements)
    {
        TimeSpan shortest = requirements.Select(r => r.MaxAge).DefaultIfEmpty(DefaultPeriod * 3).Min();
        return TimeSpan.FromTicks(Math.Clamp((shortest / 3).Ticks, TimeSpan.FromSeconds(1).Ticks, DefaultPeriod.Ticks));
    }

    public void Dispose() => Attester.Dispose();
}
