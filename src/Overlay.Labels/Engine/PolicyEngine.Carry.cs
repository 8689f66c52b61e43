using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;

namespace Overlay.Labels.Engine;

public sealed partial class PolicyEngine
{
    /// <summary>
    /// May the TVD whose wire label is <paramref name="tvdLabel"/> travel between <paramref name="localHost"/>
    /// and <paramref name="peerHost"/>? Audited: this is what a CHILD_SA negotiation asks. The TVD is named by
    /// its wire label because that is what the asker holds (RFC 9478 TS_SECLABEL), and resolving it here,
    /// against the same policy version the decision reads, leaves no gap for a reload between look-up and
    /// decision. An unknown label or host is denied as an unknown reference.
    /// </summary>
    public Decision Carry(string tvdLabel, string localHost, string peerHost)
    {
        lock (_gate)
        {
            var d = DecideCarry(tvdLabel, localHost, peerHost);
            Audit(d);
            return d;
        }
    }

    /// <summary>
    /// The TVDs both hosts may carry, in policy order; empty when either host is not in the policy.
    /// Not audited: this is for planning (which CHILD_SAs to set up or revoke, asked once a second per
    /// peer), and would otherwise flood the trail with the same answers. Admitting a CHILD_SA asks
    /// <see cref="Carry"/>.
    /// </summary>
    public IReadOnlyList<CompiledTvd> CarriableTvds(string localHost, string peerHost)
    {
        var p = Policy;
        if (p.FindHost(localHost) is not { } local || p.FindHost(peerHost) is not { } peer)
        {
            return [];
        }

        var carried = new List<CompiledTvd>(p.Tvds.Count);
        foreach (var tvd in p.Tvds)
        {
            if (PolicyDecisions.Carry(p, tvd, local, peer).Allowed)
            {
                carried.Add(tvd);
            }
        }

        return carried;
    }

    private Decision DecideCarry(string tvdLabel, string localHost, string peerHost)
    {
        var p = _policy;
        return (p.FindTvdByLabel(tvdLabel), p.FindHost(localHost), p.FindHost(peerHost)) switch
        {
            (null, _, _) => Unknown(DecisionAction.Carry, $"unknown TVD label '{tvdLabel}'"),
            (_, null, _) => Unknown(DecisionAction.Carry, $"unknown host '{localHost}'"),
            (_, _, null) => Unknown(DecisionAction.Carry, $"unknown host '{peerHost}'"),
            var (tvd, local, peer) => PolicyDecisions.Carry(p, tvd, local, peer),
        };
    }
}
