namespace Overlay.Attest.Handshake;

/// <summary>
/// Where a shared freshness challenge comes from when one exists: in cluster mode the epoch value the elected leader
/// publishes for every host (docs/cluster.md "Epoch"). A <see cref="ChallengeIssuer"/> hands that value out as its
/// challenge while it is fresh, so every verifier of the cluster asks for the same challenge and each attester makes
/// one quote per epoch for all of them; without a source (files mode), or while the source has nothing fresh, the issuer
/// makes its own random challenges as before.
/// </summary>
public interface IEpochSource
{
    /// <summary>The newest epoch as a challenge (<see cref="EpochChallenge.FromPublished"/>); null when there is none.</summary>
    AttestationChallenge? Latest { get; }
}
