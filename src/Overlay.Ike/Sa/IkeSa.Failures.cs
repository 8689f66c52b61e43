using TaskStatus = Overlay.Ike.Tasks.TaskStatus;

namespace Overlay.Ike.Sa;

/// <summary>
/// Failures as operators see them: every place a negotiation fails names its <see cref="IkeFailureReason"/> once, and
/// the SA hands it to <see cref="IkeSaServices.Failures"/> (counted, and logged once per peer and reason a window).
/// </summary>
public sealed partial class IkeSa
{
    /// <summary>
    /// The class of the first failure reported on this SA, or null: what a handshake that never authenticated is
    /// counted under (<see cref="HandshakeStats"/>), never the free text of <see cref="FailureReason"/>.
    /// </summary>
    public IkeFailureReason? FailureKind { get; internal set; }

    /// <summary>Counts and (rate-limited) logs a failure with this SA's peer.</summary>
    internal void ReportFailure(IkeFailureReason reason, string detail, bool byPeer = false)
    {
        FailureKind ??= reason;
        Services.Failures?.Record(new IkeFailure(Remote.Address, (PeerIdentity ?? Config.RemoteId)?.ToString(), reason, byPeer, detail));
    }

    /// <summary>The IKE SA fails: <paramref name="detail"/> becomes its <see cref="FailureReason"/>, and the failure is reported.</summary>
    internal TaskStatus Fail(IkeFailureReason reason, string detail, bool byPeer = false)
    {
        FailureReason = detail;
        ReportFailure(reason, detail, byPeer);
        return TaskStatus.Failed;
    }
}
