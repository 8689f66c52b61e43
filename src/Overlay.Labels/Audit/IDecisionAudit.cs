namespace Overlay.Labels.Audit;

/// <summary>
/// Where the engine records every decision, reload and revocation. Implementations must be
/// cheap and must not throw: auditing never changes a verdict.
/// </summary>
public interface IDecisionAudit
{
    void Record(in AuditRecord record);
}

/// <summary>Fans one record out to several sinks (e.g. the journal and the in-memory trail).</summary>
public sealed class CompositeDecisionAudit(params IDecisionAudit[] sinks) : IDecisionAudit
{
    public void Record(in AuditRecord record)
    {
        foreach (var sink in sinks)
        {
            sink.Record(record);
        }
    }
}
