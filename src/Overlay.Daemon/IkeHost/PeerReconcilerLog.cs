using Microsoft.Extensions.Logging;
using Overlay.Ike.Peers;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.IkeHost;

/// <summary>The reconciler's events as the IKE subsystem's log lines.</summary>
public sealed class PeerReconcilerLog(ILogger logger) : IPeerReconcilerEvents
{
    public void Initiating(IkePeerTarget peer, string label) => IkeLog.Initiating(logger, peer.Name, peer.Address.ToString(), label);

    public void ChildRevoked(IkePeerTarget peer, string label, string reason) => IkeLog.ChildRevoked(logger, peer.Name, label, reason);

    public void Replaced(IkePeerTarget peer, IkeSa old) => IkeLog.Replaced(logger, peer.Name, $"{old.InitiatorSpi:x16}_i");

    public void Departed(IkePeerTarget peer, IkeSa sa) => IkeLog.Departed(logger, peer.Name, peer.Address.ToString(), $"{sa.InitiatorSpi:x16}_i");
}
