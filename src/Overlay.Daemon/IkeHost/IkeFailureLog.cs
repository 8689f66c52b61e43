using Microsoft.Extensions.Logging;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// IKE's failures as log lines (event 621, Warning): the reason in words and by its stable name, the peer by its
/// configured name and address, which side refused, what happened and what to check; the rate limit
/// (<see cref="IkeFailureRecorder"/>) lets one through per peer and reason a minute and says how many it held back.
/// </summary>
public sealed class IkeFailureLog(ILogger logger, Func<System.Net.IPAddress, string?> peerName) : IIkeFailureLog
{
    public void Log(IkeFailure failure, long suppressed)
    {
        string peer = peerName(failure.Address) ?? failure.Peer ?? "unknown";
        string side = failure.ByPeer ? "the peer refused us" : "we refused the peer or gave up";
        string held = suppressed > 0 ? $" ({suppressed} more like it since the last line)" : "";
        IkeLog.NegotiationFailed(logger, failure.Reason.Text(), peer, failure.Address.ToString(), failure.Reason.Name(), side,
            failure.Detail, failure.Reason.Hint(), held);
    }
}
