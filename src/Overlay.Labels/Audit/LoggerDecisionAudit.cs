using Microsoft.Extensions.Logging;
using Overlay.Labels.Decisions;

namespace Overlay.Labels.Audit;

/// <summary>
/// The audit trail as structured log events (journald keeps the fields): one event id per kind, with
/// verdict, rule, guest, resource, host, peer host and TVD as separate fields for filtering (attach and
/// start name a guest; a carry and a join name a TVD, this host and the peer host, and a join's reason carries the
/// attestation requirement and the verifier's findings).
/// </summary>
public sealed partial class LoggerDecisionAudit(ILogger logger) : IDecisionAudit
{
    public void Record(in AuditRecord record)
    {
        switch (record.Kind)
        {
            case AuditKind.Decision:
                var d = record.Decision;
                LogDecision(
                    logger,
                    d.Action.ToString().ToLowerInvariant(),
                    d.Allowed ? "allow" : "deny",
                    DecisionText.RuleName(d.Rule),
                    d.Guest?.Name,
                    d.Resource?.Name,
                    d.Host?.Name,
                    d.PeerHost?.Name,
                    d.Tvd?.Name,
                    d.Policy.Version,
                    d.Reason);
                break;
            case AuditKind.Reload:
                var r = record.Reload!;
                LogReload(logger, r.Committed ? LogLevel.Information : LogLevel.Warning, r.Committed ? "committed" : "refused", r.FromVersion, r.ToVersion, r.Conflicts.Count, r.Revoked.Count, r.Summary);
                break;
            case AuditKind.Revocation:
                LogRevocation(logger, record.Revocation!.Kind.ToString().ToLowerInvariant(), record.Revocation.Guest, record.Revocation.Host, record.Revocation.Resource, record.Revocation.Reason);
                break;
            case AuditKind.RefusalByPeer:
                var p = record.RefusalByPeer!;
                LogRefusalByPeer(logger, p.Withdrawn ? "withdrawn-by-peer" : "refused-by-peer", p.Host, p.Peer, p.Tvd, p.Reason);
                break;
        }
    }

    [LoggerMessage(EventId = 1001, EventName = "PolicyDecision", Level = LogLevel.Information,
        Message = "audit {Action} {Verdict} rule={Rule} guest={Guest} resource={Resource} host={Host} peer={Peer} tvd={Tvd} policy_version={PolicyVersion}: {Reason}")]
    private static partial void LogDecision(ILogger logger, string action, string verdict, string rule, string? guest, string? resource, string? host,
        string? peer, string? tvd, long policyVersion, string reason);

    [LoggerMessage(EventId = 1002, EventName = "PolicyReload",
        Message = "audit reload {Outcome} from_version={FromVersion} to_version={ToVersion} conflicts={ConflictCount} revoked={RevokedCount}: {Summary}")]
    private static partial void LogReload(ILogger logger, LogLevel level, string outcome, long fromVersion, long toVersion, int conflictCount, int revokedCount, string summary);

    [LoggerMessage(EventId = 1003, EventName = "PolicyRevocation", Level = LogLevel.Warning,
        Message = "audit revoke {RevocationKind} guest={Guest} host={Host} resource={Resource}: {Reason}")]
    private static partial void LogRevocation(ILogger logger, string revocationKind, string guest, string? host, string? resource, string reason);

    [LoggerMessage(EventId = 1004, EventName = "PolicyRefusalByPeer", Level = LogLevel.Warning,
        Message = "audit join {Verdict} host={Host} peer={Peer} tvd={Tvd}: {Reason}")]
    private static partial void LogRefusalByPeer(ILogger logger, string verdict, string host, string peer, string? tvd, string reason);
}
