using System.Net;
using Overlay.Ike.Attestation;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Peers;

/// <summary>One peer IKE keeps SAs with, as the daemon's config names it.</summary>
/// <param name="Name">Its name in the config (logs, status).</param>
/// <param name="Identity">The identity it must prove; its host name in the policy.</param>
/// <param name="Initiates">Whether we start IKE towards it (between our own hosts only one side does).</param>
public sealed record IkePeerTarget(string Name, IkeIdentity Identity, IPAddress Address, int IkePort, bool Initiates);

/// <summary>
/// What the policy wants between this host and a peer; the daemon implements it over the Labels policy.
/// <see cref="PeerReconciler"/> asks it on every pass, so a reload or a change in what a peer proved applies
/// within a pass.
/// </summary>
public interface IPeerPolicy
{
    /// <summary>
    /// The CHILD_SAs wanted with the peer now, in policy order (the first goes into IKE_AUTH), for planning: not
    /// audited. <paramref name="sa"/> is the peer's established IKE SA, or null before there is one; with one,
    /// TVDs what the peer proved on it (<see cref="IkeSa.PeerAttestation"/>) does not admit it to are left out,
    /// so they are not asked for again and again.
    /// </summary>
    IReadOnlyList<ChildSaConfig> Wanted(IkePeerTarget peer, IkeSa? sa);

    /// <summary>The IKE SA configuration to initiate with, offering <paramref name="children"/>.</summary>
    IkeSaConfig IkeConfig(IkePeerTarget peer, IReadOnlyList<ChildSaConfig> children);

    /// <summary>
    /// Whether an installed CHILD_SA may stay: the policy may have been reloaded, or the peer's evidence may
    /// have failed or aged past what its TVD allows. The implementation audits a "no".
    /// </summary>
    LabelVerdict MayKeep(IkePeerTarget peer, ChildSa child, IPeerAttestation? attestation);
}

/// <summary>What the reconciler did, for the daemon's log; each call is one event.</summary>
public interface IPeerReconcilerEvents
{
    void Initiating(IkePeerTarget peer, string label);

    void ChildRevoked(IkePeerTarget peer, string label, string reason);

    void Replaced(IkePeerTarget peer, IkeSa old);

    /// <summary>The peer left the peer list (<see cref="PeerReconciler.UpdatePeers"/>) and this IKE SA of its is being deleted.</summary>
    void Departed(IkePeerTarget peer, IkeSa sa)
    {
    }
}

/// <summary>Timing of <see cref="PeerReconciler"/>.</summary>
/// <param name="RetryInterval">How long a failed IKE SA or (peer, label) waits before it is tried again.</param>
/// <param name="DpdInterval">How long an IKE SA may be quiet before it is probed; zero turns dead peer detection off.</param>
public sealed record ReconcilerOptions(TimeSpan RetryInterval, TimeSpan DpdInterval);
