using Overlay.Labels.Compiled;

namespace Overlay.Labels.Decisions;

/// <summary>
/// The sHype access decisions as pure functions of a compiled policy, the running types and (for a join) what
/// a peer proved: no state, no I/O, no allocation. <see cref="Engine.PolicyEngine"/> adds state, locking and audit.
/// </summary>
public static class PolicyDecisions
{
    /// <summary>Simple Type Enforcement: a guest may bind to a resource iff they share a type.</summary>
    public static Decision Attach(CompiledPolicy policy, CompiledGuest guest, CompiledResource resource)
    {
        var shared = guest.SteTypes.FirstCommon(resource.SteTypes);
        return new Decision(policy, DecisionAction.Attach, shared >= 0, DecisionRule.SimpleTypeEnforcement, guest, resource, typeId: shared);
    }

    /// <summary>Host authorization (Xen ACM's dom0 label): every type of the guest is one the host may run.</summary>
    public static Decision AuthorizeHost(CompiledPolicy policy, CompiledGuest guest, CompiledHost host)
    {
        var missing = guest.AllTypes.FirstNotIn(host.AllowedTypes);
        return new Decision(policy, DecisionAction.Start, missing < 0, DecisionRule.HostAuthorization, guest, host: host, typeId: missing);
    }

    /// <summary>
    /// Chinese Wall: a guest may start iff no type running on the host shares a conflict set with one
    /// of the guest's types. On denial the witness is the running type and the guest's type it conflicts with.
    /// </summary>
    public static Decision ChineseWall(CompiledPolicy policy, CompiledGuest guest, CompiledHost host, RunningTypes running)
    {
        var runningConflict = TypeSet.FirstCommon(guest.ConflictTypes.Words, running.Mask);
        if (runningConflict < 0)
        {
            return new Decision(policy, DecisionAction.Start, true, DecisionRule.ChineseWall, guest, host: host);
        }

        return new Decision(policy, DecisionAction.Start, false, DecisionRule.ChineseWall, guest, host: host,
            typeId: OwnTypeConflictingWith(policy, guest, runningConflict), otherTypeId: runningConflict);
    }

    /// <summary>A start: host authorization first (a static property of the pair), then the Chinese Wall.</summary>
    public static Decision Start(CompiledPolicy policy, CompiledGuest guest, CompiledHost host, RunningTypes running)
    {
        var authorized = AuthorizeHost(policy, guest, host);
        return authorized.Allowed ? ChineseWall(policy, guest, host, running) : authorized;
    }

    /// <summary>
    /// Carriage (the TVDc prototype's VLAN + labeled IPsec between platforms): a TVD's traffic may travel
    /// between two hosts iff both may run its STE type, since either end would otherwise hand frames of a
    /// color to a platform not trusted with it. On denial the witness is the end (or both) lacking the type.
    /// </summary>
    public static Decision Carry(CompiledPolicy policy, CompiledTvd tvd, CompiledHost localHost, CompiledHost peerHost)
    {
        var lacking = Lacking(tvd, localHost, peerHost);
        return new Decision(policy, DecisionAction.Carry, lacking == CarrySide.None, DecisionRule.Carriage, guest: null,
            host: localHost, typeId: tvd.TypeId, tvd: tvd, peerHost: peerHost, lacking: lacking);
    }

    /// <summary>
    /// Join (the TVDc idea that peers verify each other before they trust): may the CHILD_SA of <paramref name="tvd"/>
    /// exist between <paramref name="localHost"/> and <paramref name="peerHost"/>, at <paramref name="now"/>, given
    /// what the peer proved? Carriage first (both hosts may run the TVD's type); then, when the TVD names an
    /// attestation requirement, the peer's verdict for it must be presented, met, and not expired: it expires at
    /// <see cref="AttestationVerdict.ExpiresAt"/> (evidence expiring exactly at <paramref name="now"/> is expired), and
    /// one that claims more than the requirement's max_age from now was not judged against it and is refused too.
    /// A null <paramref name="peer"/> presented nothing. Allocates nothing beyond what <paramref name="peer"/> does.
    /// </summary>
    public static Decision Join(
        CompiledPolicy policy, CompiledTvd tvd, CompiledHost localHost, CompiledHost peerHost, IAttestationStatus? peer, DateTimeOffset now)
    {
        var lacking = Lacking(tvd, localHost, peerHost);
        if (lacking != CarrySide.None || tvd.Attestation is not { } requirement)
        {
            return new Decision(policy, DecisionAction.Join, lacking == CarrySide.None, DecisionRule.Carriage, guest: null,
                host: localHost, typeId: tvd.TypeId, tvd: tvd, peerHost: peerHost, lacking: lacking,
                attestationOutcome: lacking == CarrySide.None ? AttestationOutcome.NotRequired : AttestationOutcome.None);
        }

        var verdict = peer?.For(requirement) ?? AttestationVerdict.NotPresented;
        var outcome = Judge(verdict, requirement, now);
        return new Decision(policy, DecisionAction.Join, outcome == AttestationOutcome.Met, DecisionRule.Attestation, guest: null,
            host: localHost, typeId: tvd.TypeId, tvd: tvd, peerHost: peerHost, requirement: requirement,
            attestationOutcome: outcome, attestationVerdict: verdict);
    }

    private static AttestationOutcome Judge(in AttestationVerdict verdict, CompiledAttestation requirement, DateTimeOffset now)
    {
        if (!verdict.Presented)
        {
            return AttestationOutcome.NotPresented;
        }

        if (!verdict.Met)
        {
            return AttestationOutcome.NotMet;
        }

        if (verdict.ExpiresAt is not { } expiresAt)
        {
            return AttestationOutcome.NoExpiry;
        }

        if (expiresAt <= now)
        {
            return AttestationOutcome.Expired;
        }

        return expiresAt - now > requirement.MaxAge ? AttestationOutcome.BeyondMaxAge : AttestationOutcome.Met;
    }

    private static CarrySide Lacking(CompiledTvd tvd, CompiledHost localHost, CompiledHost peerHost) =>
        (localHost.AllowedTypes.Contains(tvd.TypeId) ? CarrySide.None : CarrySide.Local)
        | (peerHost.AllowedTypes.Contains(tvd.TypeId) ? CarrySide.None : CarrySide.Peer);

    private static int OwnTypeConflictingWith(CompiledPolicy policy, CompiledGuest guest, int runningType)
    {
        // Indexed loop: foreach over IReadOnlyList would allocate an enumerator on the deny path.
        var sets = policy.ConflictSets;
        for (var i = 0; i < sets.Count; i++)
        {
            var set = sets[i];
            if (set.Types.Contains(runningType))
            {
                var own = guest.AllTypes.FirstCommon(set.Types);
                if (own >= 0)
                {
                    return own;
                }
            }
        }

        return -1;
    }
}
