using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tasks;

/// <summary>
/// Liveness check: an empty INFORMATIONAL request that the peer must answer (RFC 7296 §1.4,
/// §2.4). A peer that never answers is found dead by the task manager's retransmission limit.
/// <code>
/// HDR, SK {}  -->
///        &lt;--  HDR, SK {}
/// </code>
/// The responder's side also takes INFORMATIONAL requests that carry only notifies.
/// </summary>
public sealed class DpdTask : IIkeTask
{
    private readonly IkeSa _sa;

    public DpdTask(IkeSa sa)
    {
        _sa = sa;
    }

    public TaskKind Kind => TaskKind.Dpd;

    /// <summary>When the peer's answer arrived (initiator), from the SA's time provider.</summary>
    public DateTimeOffset? AnsweredAt { get; private set; }

    public TaskStatus Build(IkeMessage message) => message.IsResponse ? TaskStatus.Success : TaskStatus.NeedMore;

    public TaskStatus Process(IkeMessage message)
    {
        if (message.IsResponse)
        {
            AnsweredAt = _sa.Services.Time.GetUtcNow();
            return TaskStatus.Success;
        }

        return TaskStatus.NeedMore;
    }
}
