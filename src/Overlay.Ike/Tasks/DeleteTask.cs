using Overlay.Ike.Attestation;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tasks;

/// <summary>
/// INFORMATIONAL with Delete payloads (RFC 7296 §1.4.1). A CHILD_SA is named by the SPI its
/// sender expects inbound; the answer names the other direction's SPI. Deleting the IKE SA
/// (protocol IKE, no SPI) takes every CHILD_SA with it; the responder answers with an empty
/// INFORMATIONAL and then forgets the SA. A CHILD_SA deleted because the peer is no longer admitted
/// to its TVD carries the reason (TVD_ATTESTATION_REFUSED) to a peer that speaks attested IKE, and the
/// receiving side hands it to <see cref="IChildSaSink.RefusedByPeer"/>.
/// <code>
/// HDR, SK {D(ESP, SPI in)}  -->          HDR, SK {D(IKE)}  -->
///          &lt;--  HDR, SK {D(ESP, SPI in)}                 &lt;--  HDR, SK {}
/// </code>
/// </summary>
public sealed class DeleteTask : IIkeTask
{
    private readonly IkeSa _sa;
    private readonly ChildSa? _child;
    private readonly bool _isInitiator;
    private readonly string _reason;
    private bool _deleteIkeSa;
    private readonly List<ChildSa> _deleted = [];

    /// <param name="child">The CHILD_SA to delete; null deletes the IKE SA. Ignored by a responder.</param>
    /// <param name="reason">Why we delete the IKE SA, kept as its <see cref="IkeSa.FailureReason"/>.</param>
    public DeleteTask(IkeSa sa, ChildSa? child, bool isInitiator = true, string reason = "deleted by us")
    {
        _sa = sa;
        _child = child;
        _isInitiator = isInitiator;
        _reason = reason;
    }

    /// <summary>Why the peer is no longer admitted to the CHILD_SA's TVD (initiator, one CHILD_SA); null for an ordinary delete.</summary>
    public string? Refusal { get; init; }

    /// <summary>True when this (initiator) task closes <paramref name="child"/> or the whole IKE SA.</summary>
    internal bool Deletes(ChildSa child) => _isInitiator && (_child is null || _child == child);

    /// <summary>True when this (initiator) task deletes the IKE SA.</summary>
    internal bool DeletesIkeSa => _isInitiator && _child is null;

    /// <summary>The responder's task, created when a request with Delete payloads arrives.</summary>
    public static DeleteTask Responder(IkeSa sa) => new(sa, null, isInitiator: false);

    public TaskKind Kind => TaskKind.Delete;

    public TaskStatus Build(IkeMessage message)
    {
        if (!_isInitiator)
        {
            if (_deleteIkeSa)
            {
                return TaskStatus.DestroySa;
            }

            if (_deleted.Count > 0)
            {
                message.Add(EspDelete(_deleted));
            }

            return TaskStatus.Success;
        }

        if (_child is null)
        {
            _sa.State = IkeSaState.Deleting;
            message.Add(DeletePayload.IkeSa());

            // Deleting the IKE SA closes its CHILD_SAs (§1.4.1): they stop carrying traffic now, not when the peer
            // answers. A peer that left the cluster's inventory, or is dead, would otherwise keep its tunnels for as
            // long as the delete is retransmitted.
            foreach (ChildSa child in _sa.Children.ToArray())
            {
                _sa.RemoveChild(child);
            }
        }
        else
        {
            message.Add(EspDelete([_child]));
            if (Refusal is not null && _sa.AttestationNegotiated)
            {
                message.Add(AttestationNotifies.Refused(Refusal));
            }
        }

        return TaskStatus.NeedMore;
    }

    public TaskStatus Process(IkeMessage message)
    {
        if (_isInitiator)
        {
            if (_child is null)
            {
                _sa.FailureReason ??= _reason;
                return TaskStatus.DestroySa;
            }
            // Whatever the answer, the CHILD_SA is gone on our side (§1.4.1 "half-closed" SAs are not kept).
            _sa.RemoveChild(_child);
            return TaskStatus.Success;
        }

        string? refusal = AttestationNotifies.ReadRefused(message.FindNotify(NotifyType.TvdAttestationRefused));
        foreach (var delete in message.FindAll<DeletePayload>())
        {
            if (delete.Protocol == IkeProtocolId.Ike)
            {
                _deleteIkeSa = true;
                _sa.FailureReason = "deleted by the peer";
                continue;
            }

            foreach (var spi in delete.Spis)
            {
                // The peer names its inbound SPI, which is our outbound one.
                var value = EspSuite.SpiValue(spi);
                if (_sa.Children.FirstOrDefault(c => c.OutboundSpi == value) is { } child && _sa.RemoveChild(child))
                {
                    _deleted.Add(child);
                    if (refusal is not null && child.Label.Length > 0)
                    {
                        _sa.Services.ChildSink.RefusedByPeer(new PeerRefusal(_sa.PeerIdentity, child.Label, refusal, Withdrawn: true));
                    }
                }
            }
        }

        return TaskStatus.NeedMore;
    }

    private static DeletePayload EspDelete(IEnumerable<ChildSa> children)
        => new(IkeProtocolId.Esp, IkeConstants.ChildSpiLength, children.Select(c => EspSuite.SpiBytes(c.InboundSpi)).ToList());
}
