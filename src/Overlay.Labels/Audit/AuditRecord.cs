using Overlay.Labels.Decisions;

namespace Overlay.Labels.Audit;

public enum AuditKind
{
    /// <summary>An attach, start, carry or join decision, allowed or denied.</summary>
    Decision,

    /// <summary>A policy reload: committed, refused, or committed with revocations.</summary>
    Reload,

    /// <summary>A binding or running guest removed because a reload revoked it.</summary>
    Revocation,

    /// <summary>A peer host refused this host a TVD's network (or withdrew it): the other end's join decision, as it reported it.</summary>
    RefusalByPeer,
}

/// <param name="Host">This host.</param>
/// <param name="Peer">The peer host that refused.</param>
/// <param name="Tvd">The TVD refused; null when the peer admitted this host to none (its IKE SA failed).</param>
/// <param name="Reason">The peer's reason (its verifier's findings), as it sent it.</param>
/// <param name="Withdrawn">True when the peer withdrew a TVD it had admitted; false when it refused one asked for.</param>
public sealed record RefusalByPeer(string Host, string Peer, string? Tvd, string Reason, bool Withdrawn)
{
    public override string ToString() => $"{Peer} {(Withdrawn ? "withdrew" : "refused")} {Tvd ?? "every TVD"} from {Host}: {Reason}";
}

/// <summary>
/// One entry of the audit trail. Exactly one of <see cref="Decision"/> (for <see cref="AuditKind.Decision"/>)
/// and <see cref="Reload"/> / <see cref="Revocation"/> / <see cref="RefusalByPeer"/> is meaningful, by <see cref="Kind"/>.
/// </summary>
public readonly record struct AuditRecord(
    DateTimeOffset At,
    AuditKind Kind,
    Decision Decision,
    ReloadOutcome? Reload = null,
    Revocation? Revocation = null,
    RefusalByPeer? RefusalByPeer = null)
{
    public override string ToString() => Kind switch
    {
        AuditKind.Decision => $"{Decision.Action.ToString().ToLowerInvariant()} {Decision}",
        AuditKind.Reload => $"reload {Reload!.Summary}",
        AuditKind.RefusalByPeer => $"join {RefusalByPeer}",
        _ => $"revoke {Revocation}",
    };
}
