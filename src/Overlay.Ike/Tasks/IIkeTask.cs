using Overlay.Ike.Encoding.Messages;

namespace Overlay.Ike.Tasks;

/// <summary>What a task says after building or processing a message (strongSwan's status_t subset).</summary>
public enum TaskStatus
{
    /// <summary>The task is done.</summary>
    Success,

    /// <summary>The task needs another message (initiator: the response; or another round).</summary>
    NeedMore,

    /// <summary>The task failed; what that means for the IKE SA is the task manager's decision.</summary>
    Failed,

    /// <summary>The IKE SA must be destroyed (after a responder has sent its answer).</summary>
    DestroySa,

    /// <summary>
    /// Not ready to build yet (our attestation evidence is being made): nothing was added to the message, and
    /// the task manager builds the whole message again once <see cref="Sa.IkeSa.ResumeDeferred"/> is called.
    /// Only a task that comes first in its message may answer this.
    /// </summary>
    Wait,
}

/// <summary>The kinds of tasks; the task manager maps them to exchange types.</summary>
public enum TaskKind
{
    IkeInit,
    IkeAuth,
    ChildCreate,
    ChildRekey,
    IkeRekey,
    Delete,
    Dpd,
    Attestation,
}

/// <summary>
/// One piece of an exchange (convention 7, strongSwan's task_t). The initiator calls
/// <see cref="Build"/> on the request, then <see cref="Process"/> on the response; the responder
/// calls <see cref="Process"/> on the request, then <see cref="Build"/> on the response. Messages
/// given to tasks are plaintext: the task manager has checked, decrypted and validated them.
/// Tasks never touch sockets, timers or the kernel.
/// </summary>
public interface IIkeTask
{
    TaskKind Kind { get; }

    TaskStatus Build(IkeMessage message);

    TaskStatus Process(IkeMessage message);
}
