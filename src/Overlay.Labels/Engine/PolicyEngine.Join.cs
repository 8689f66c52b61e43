using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;

namespace Overlay.Labels.Engine;

public sealed partial class PolicyEngine
{
    /// <summary>
    /// May the CHILD_SA of the TVD whose wire label is <paramref name="tvdLabel"/> exist between
    /// <paramref name="localHost"/> and <paramref name="peerHost"/> at <paramref name="now"/>, given what the peer
    /// proved (<paramref name="peer"/>; null when it presented nothing)? <see cref="PolicyDecisions.Join"/> on the
    /// live policy. Audited (event 1001, action <c>join</c>): ask it when a CHILD_SA is negotiated, and when a
    /// periodic <see cref="DecideJoin"/> denied one that exists: it decides again on the policy live then and audits
    /// that answer, so revoke only when this denies too. Unknown labels and hosts are denied as unknown references.
    /// </summary>
    /// <remarks>
    /// <paramref name="peer"/> is the caller's code, so it is asked outside the engine's lock (the decision reads
    /// one immutable policy version, the one the audit record names).
    /// </remarks>
    public Decision Join(string tvdLabel, string localHost, string peerHost, IAttestationStatus? peer, DateTimeOffset now)
    {
        var d = DecideJoin(tvdLabel, localHost, peerHost, peer, now);
        Audit(d);
        return d;
    }

    /// <summary>
    /// The same decision as <see cref="Join"/>, not audited: for the daemon's periodic re-check of every CHILD_SA
    /// (once a second), which would otherwise flood the trail with the same answers.
    /// </summary>
    public Decision DecideJoin(string tvdLabel, string localHost, string peerHost, IAttestationStatus? peer, DateTimeOffset now)
    {
        var p = Policy;
        return (p.FindTvdByLabel(tvdLabel), p.FindHost(localHost), p.FindHost(peerHost)) switch
        {
            (null, _, _) => Unknown(p, DecisionAction.Join, $"unknown TVD label '{tvdLabel}'"),
            (_, null, _) => Unknown(p, DecisionAction.Join, $"unknown host '{localHost}'"),
            (_, _, null) => Unknown(p, DecisionAction.Join, $"unknown host '{peerHost}'"),
            var (tvd, local, remote) => PolicyDecisions.Join(p, tvd, local, remote, peer, now),
        };
    }
}
