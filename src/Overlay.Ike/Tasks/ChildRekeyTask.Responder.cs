using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tasks;

/// <summary>The responder's half of a CHILD_SA rekey: find the old SA, check for collisions, create the new one.</summary>
public sealed partial class ChildRekeyTask
{
    private NotifyPayload? _refusal;

    private TaskStatus ProcessRequest(IkeMessage message)
    {
        var rekey = message.FindNotify(NotifyType.RekeySa)!;
        // The SPI in REKEY_SA is the one the peer receives on: our outbound SPI (§1.3.3).
        var spi = rekey.Spi.Length == IkeConstants.ChildSpiLength ? EspSuite.SpiValue(rekey.Spi) : 0;
        _old = _sa.Children.FirstOrDefault(c => c.OutboundSpi == spi);
        if (_old is null)
        {
            return Refuse(new NotifyPayload(IkeProtocolId.Esp, rekey.Spi, NotifyType.ChildSaNotFound, []), "CHILD_SA to rekey not found");
        }

        var active = _sa.Tasks.ActiveTasks;
        if (active.OfType<DeleteTask>().Any(d => d.Deletes(_old)) || active.OfType<IkeRekeyTask>().Any())
        {
            // §2.25.1: we are closing that CHILD_SA; §2.25.2: we are rekeying the IKE SA.
            return Refuse(new NotifyPayload(NotifyType.TemporaryFailure), "CHILD_SA is being deleted or the IKE SA rekeyed");
        }
        // The new SA must match the old one, whichever side created that (the original initiator
        // may have no responder templates at all): its label, selectors and configured suites.
        _create = new ChildCreateTask(_sa, null) { Templates = _old.Template is { } t ? [RekeyConfig(_old) with { EspProposals = t.EspProposals }] : null };
        return _create.Process(message);
    }

    private TaskStatus BuildResponse(IkeMessage message)
    {
        if (_refusal is not null)
        {
            message.Add(_refusal);
            return TaskStatus.Failed;
        }

        var status = _create!.Build(message);
        if (_create.Created is not { } created)
        {
            return status;
        }

        if (_sa.Tasks.ActiveTasks.OfType<ChildRekeyTask>().FirstOrDefault(t => t._isInitiator && t._old == _old) is { } ours)
        {
            ours._collision = this; // §2.8.1: decided when our own exchange completes
        }
        else
        {
            _old!.ReplacedBy = created; // the initiator deletes the old SA next
        }

        return status;
    }

    private TaskStatus Refuse(NotifyPayload notify, string reason)
    {
        _refusal = notify;
        _sa.ChildFailureReason = $"{notify.Type}: {reason}";
        return TaskStatus.Failed;
    }
}
