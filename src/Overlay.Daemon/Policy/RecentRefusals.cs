using Overlay.Labels.Audit;
using Overlay.Labels.Decisions;

namespace Overlay.Daemon.Policy;

/// <summary>
/// The audit trail's join refusals, kept for <c>tvdctl status</c> (<c>engine.refused_joins</c>) and <c>tvdctl graph</c>:
/// every denied join of a peer into a TVD (our decision: the peer's evidence did not meet the TVD's requirement, it may
/// not carry the TVD, ...) and every refusal a peer reported to us. Passes each record on to <paramref name="inner"/>
/// (the log). One entry per (peer, TVD, side), its latest reason, first and last time and count — a peer refused
/// again every retry interval stays one entry — and at most <see cref="Capacity"/> entries (the least recently
/// refused goes first), each reason cut at <see cref="MaxReasonLength"/> characters: bounded whatever peers do.
/// Thread-safe.
/// </summary>
public sealed class RecentRefusals(IDecisionAudit inner) : IDecisionAudit
{
    public const int Capacity = 32;

    public const int MaxReasonLength = 400;

    private readonly Dictionary<(string Peer, string Tvd, bool ByPeer), RefusedJoin> _entries = [];
    private readonly Lock _gate = new();

    public void Record(in AuditRecord record)
    {
        inner.Record(record);
        switch (record.Kind)
        {
            case AuditKind.Decision when record.Decision.Action == DecisionAction.Join && !record.Decision.Allowed:
                Decision d = record.Decision;
                Add(d.PeerHost?.Name ?? "?", d.Tvd?.Name ?? "?", byPeer: false, withdrawn: false, DecisionText.RuleName(d.Rule), d.Reason, record.At);
                break;
            case AuditKind.RefusalByPeer when record.RefusalByPeer is { } p:
                Add(p.Peer, p.Tvd ?? "*", byPeer: true, p.Withdrawn, rule: null, p.Reason, record.At);
                break;
        }
    }

    /// <summary>The entries, ordered by peer, TVD, then our refusals before the peer's.</summary>
    public IReadOnlyList<RefusedJoin> Snapshot()
    {
        lock (_gate)
        {
            return [.. _entries.Values.OrderBy(e => e.Peer, StringComparer.Ordinal).ThenBy(e => e.Tvd, StringComparer.Ordinal).ThenBy(e => e.ByPeer)];
        }
    }

    private void Add(string peer, string tvd, bool byPeer, bool withdrawn, string? rule, string reason, DateTimeOffset at)
    {
        if (reason.Length > MaxReasonLength)
        {
            reason = string.Concat(reason.AsSpan(0, MaxReasonLength - 1), "…");
        }

        lock (_gate)
        {
            var key = (peer, tvd, byPeer);
            if (_entries.TryGetValue(key, out RefusedJoin? known))
            {
                _entries[key] = known with { Withdrawn = withdrawn, Rule = rule, Reason = reason, LastAt = at, Count = known.Count + 1 };
                return;
            }

            if (_entries.Count == Capacity)
            {
                _entries.Remove(_entries.MinBy(e => e.Value.LastAt).Key);
            }

            _entries[key] = new RefusedJoin(peer, tvd, byPeer, withdrawn, rule, reason, at, at, 1);
        }
    }
}

/// <param name="Peer">The peer host (its policy name).</param>
/// <param name="Tvd">The TVD's name; <c>*</c> when the peer refused us every TVD (its IKE SA failed).</param>
/// <param name="ByPeer">False: this host refused the peer; true: the peer refused this host (as it reported it).</param>
/// <param name="Withdrawn">By the peer: it withdrew a TVD it had admitted.</param>
/// <param name="Rule">Our refusals: the rule that denied (<c>attestation</c>, <c>carriage</c>, ...); null for the peer's.</param>
/// <param name="Reason">The latest reason (the verifier's findings for an attestation refusal).</param>
public sealed record RefusedJoin(string Peer, string Tvd, bool ByPeer, bool Withdrawn, string? Rule, string Reason,
    DateTimeOffset FirstAt, DateTimeOffset LastAt, long Count);
