using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Tasks;

/// <summary>
/// Answers a request we do not serve with one error notify, e.g. NO_ADDITIONAL_SAS for a
/// CREATE_CHILD_SA rekey request (RFC 7296 §1.3: the responder may refuse any CREATE_CHILD_SA).
/// The IKE SA is unaffected.
/// </summary>
public sealed class RefuseTask : IIkeTask
{
    private readonly NotifyType _error;

    public RefuseTask(NotifyType error)
    {
        _error = error;
    }

    public TaskKind Kind => TaskKind.ChildCreate;

    public TaskStatus Process(IkeMessage message) => TaskStatus.NeedMore;

    public TaskStatus Build(IkeMessage message)
    {
        message.Add(new NotifyPayload(_error));
        return TaskStatus.Failed;
    }
}
