namespace Overlay.Labels.Audit;

/// <summary>
/// The most recent audit records, bounded (oldest dropped first), for status output and tests.
/// Thread-safe.
/// </summary>
public sealed class InMemoryDecisionAudit(int capacity = 256) : IDecisionAudit
{
    private readonly Queue<AuditRecord> _records = new();
    private readonly Lock _gate = new();
    private long _total;

    /// <summary>Records ever written, including those dropped from the bounded trail.</summary>
    public long Total
    {
        get
        {
            lock (_gate)
            {
                return _total;
            }
        }
    }

    public void Record(in AuditRecord record)
    {
        lock (_gate)
        {
            _total++;
            if (_records.Count == capacity)
            {
                _records.Dequeue();
            }

            _records.Enqueue(record);
        }
    }

    public IReadOnlyList<AuditRecord> Snapshot()
    {
        lock (_gate)
        {
            return [.. _records];
        }
    }
}
