using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Tasks;
using TaskStatus = Overlay.Ike.Tasks.TaskStatus;

namespace Overlay.Ike.Sa;

/// <summary>
/// Received messages: parse and validate (convention 6) before any task sees them, open SK,
/// then hand responses to the active tasks and requests to new passive tasks. Bad or unexpected
/// messages are counted drops, never exceptions.
/// </summary>
public sealed partial class TaskManager
{
    /// <summary>The last request we answered, as received: one datagram, or its fragments by number.</summary>
    private IReadOnlyList<byte[]?>? _lastRequestReceived;
    private IReadOnlyList<byte[]>? _lastResponseSent;

    internal void Receive(ReadOnlySpan<byte> datagram, System.Net.IPEndPoint? local, System.Net.IPEndPoint? remote)
    {
        if (_sa.State == IkeSaState.Destroyed)
        {
            Drop("IKE SA is destroyed");
            return;
        }

        if (!IkeMessage.TryParse(datagram, out var outer, out var error) || (error = MessageValidator.Validate(outer)).IsError)
        {
            Drop(error.ToString());
            return;
        }

        var h = outer.Header;
        if (h.IsFromOriginalInitiator == _sa.IsOriginalInitiator)
        {
            Drop("I flag says the message comes from our own side");
            return;
        }

        if ((_sa.InitiatorSpi != 0 && h.InitiatorSpi != _sa.InitiatorSpi)
            || (h.ExchangeType != IkeExchangeType.IkeSaInit && h.ResponderSpi != _sa.ResponderSpi))
        {
            Drop("SPIs do not belong to this IKE SA");
            return;
        }

        if (h.IsResponse)
        {
            HandleResponse(datagram, outer);
        }
        else
        {
            HandleRequest(datagram, outer, local, remote);
        }
    }

    private void HandleResponse(ReadOnlySpan<byte> datagram, IkeMessage outer)
    {
        var h = outer.Header;
        if (_inFlightRequest is null || h.MessageId != _initiatingId || h.ExchangeType != _activeExchange)
        {
            Drop("response with an unexpected message ID or exchange");
            return;
        }

        if (!TryOpen(datagram, outer, out var message, out _))
        {
            return;
        }

        if (h.ExchangeType == IkeExchangeType.IkeSaInit)
        {
            _sa.InitResponse = datagram.ToArray();
        }

        StopRetransmitting();
        var needMore = false;
        foreach (var task in _active.ToArray())
        {
            var status = task.Process(message);
            if (status == TaskStatus.DestroySa || (status == TaskStatus.Failed && IsSetupTask(task)))
            {
                _sa.Destroy(_sa.FailureReason ?? $"{task.Kind} failed");
                return;
            }

            needMore |= status == TaskStatus.NeedMore;
            if (status != TaskStatus.NeedMore)
            {
                _active.Remove(task);
            }
        }

        if (_activeExchange == IkeExchangeType.IkeSaInit && needMore)
        {
            SendRequest(); // COOKIE or INVALID_KE_PAYLOAD: IKE_SA_INIT again with message ID 0 (§2.6, §1.2)
            return;
        }

        _initiatingId++;
        if (needMore && SendRequest())
        {
            return; // another round of the same exchange
        }

        _active.Clear();
        Initiate();
    }

    private void HandleRequest(ReadOnlySpan<byte> datagram, IkeMessage outer, System.Net.IPEndPoint? local, System.Net.IPEndPoint? remote)
    {
        var id = outer.Header.MessageId;
        if (_lastResponseSent is not null && id == _respondingId - 1)
        {
            // §2.1: a retransmitted request is answered with the same response, not processed again.
            // A fragmented one is answered on its first fragment only, with every fragment of the
            // response (RFC 7383 §2.6.1); identical octets to what we authenticated need no new ICV check.
            var index = IndexOfReceived(datagram);
            if (index == 0)
            {
                Stats.DuplicateRequestsAnswered++;
                Send(_lastResponseSent);
            }
            else if (index > 0)
            {
                Stats.DuplicateFragments++;
            }
            else
            {
                Drop("different request with the message ID of the last one");
            }

            return;
        }

        if (id != _respondingId)
        {
            Drop("request with an unexpected message ID");
            return;
        }

        if (IsResponseDeferred(id))
        {
            Drop("retransmitted request whose response waits for our evidence");
            return;
        }

        if (!TryOpen(datagram, outer, out var message, out var requestDatagrams) || !CreatePassiveTasks(message))
        {
            return;
        }

        if (local is not null && remote is not null)
        {
            _sa.OnAuthenticatedRequest(local, remote);
        }

        if (outer.Header.ExchangeType == IkeExchangeType.IkeSaInit)
        {
            _sa.InitRequest = datagram.ToArray();
        }

        foreach (var task in _passive)
        {
            task.Process(message);
        }

        Respond(message.Header, requestDatagrams);
    }

    private int IndexOfReceived(ReadOnlySpan<byte> datagram)
    {
        for (var i = 0; i < _lastRequestReceived!.Count; i++)
        {
            if (datagram.SequenceEqual(_lastRequestReceived[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private void Respond(IkeHeader request, IReadOnlyList<byte[]?> requestDatagrams)
    {
        var flags = IkeHeaderFlags.Response | (_sa.IsOriginalInitiator ? IkeHeaderFlags.Initiator : IkeHeaderFlags.None);
        var header = new IkeHeader(_sa.InitiatorSpi, _sa.ResponderSpi, IkePayloadType.NoNextPayload, request.ExchangeType, flags, request.MessageId, 0);
        var response = new IkeMessage(header, []);
        string? destroyReason = null;
        foreach (var task in _passive)
        {
            var status = task.Build(response);
            if (status == TaskStatus.Wait)
            {
                DeferResponse(request, requestDatagrams); // the passive tasks stay; ResumeDeferred builds the response again
                return;
            }

            if (status == TaskStatus.DestroySa || (status == TaskStatus.Failed && IsSetupTask(task)))
            {
                destroyReason ??= _sa.FailureReason ?? $"{task.Kind} failed";
            }
        }

        _passive.Clear();
        var datagrams = Encode(response);
        if (request.ExchangeType == IkeExchangeType.IkeSaInit)
        {
            _sa.InitResponse = datagrams[0];
        }

        Send(datagrams);
        Stats.ResponsesSent++;
        _lastResponseSent = datagrams;
        _lastRequestReceived = requestDatagrams;
        _respondingId++;
        if (destroyReason is not null)
        {
            _sa.Destroy(destroyReason);
            return;
        }

        Initiate(); // our own queued work may have waited for this exchange to establish the SA
    }

    /// <summary>The responder's tasks for a request, by exchange type and SA state (strongSwan's process_request).</summary>
    private bool CreatePassiveTasks(IkeMessage message)
    {
        var state = _sa.State;
        switch (message.Header.ExchangeType)
        {
            case IkeExchangeType.IkeSaInit when state == IkeSaState.Created:
                _passive.Add(new IkeInitTask(_sa));
                return true;
            case IkeExchangeType.IkeAuth when state == IkeSaState.Connecting:
                _passive.Add(new IkeAuthTask(_sa));
                _passive.Add(new ChildCreateTask(_sa, null));
                return true;
            case IkeExchangeType.CreateChildSa when state == IkeSaState.Established:
                _passive.Add(CreateChildSaResponder(message));
                return true;
            case IkeExchangeType.Informational when state is IkeSaState.Established or IkeSaState.Deleting:
                _passive.Add(message.Find<DeletePayload>() is not null ? DeleteTask.Responder(_sa)
                    : AttestRefreshTask.Carries(message) ? new AttestRefreshTask(_sa)
                    : new DpdTask(_sa));
                return true;
            default:
                Drop($"{message.Header.ExchangeType} request not allowed in state {state}");
                return false;
        }
    }

    /// <summary>
    /// CREATE_CHILD_SA has three meanings (RFC 7296 §1.3): an IKE proposal rekeys the IKE SA,
    /// REKEY_SA rekeys a CHILD_SA, anything else creates one. A rekeyed IKE SA takes no new work.
    /// </summary>
    private IIkeTask CreateChildSaResponder(IkeMessage message)
    {
        if (message.Find<SecurityAssociationPayload>()?.Proposals.Any(p => p.Protocol == IkeProtocolId.Ike) == true)
        {
            return IkeRekeyTask.Responder(_sa);
        }

        if (!_sa.AcceptsNewWork)
        {
            return new RefuseTask(NotifyType.TemporaryFailure);
        }

        return message.FindNotify(NotifyType.RekeySa) is not null ? ChildRekeyTask.Responder(_sa) : new ChildCreateTask(_sa, null);
    }

    /// <summary>
    /// Checks and decrypts SK (IKE_SA_INIT is plaintext) and validates the decrypted payloads. An
    /// SKF fragment goes to reassembly; only the fragment that completes its message opens it.
    /// <paramref name="datagrams"/> is the request as received, for recognizing a retransmission.
    /// </summary>
    private bool TryOpen(ReadOnlySpan<byte> datagram, IkeMessage outer, out IkeMessage message, out IReadOnlyList<byte[]?> datagrams)
    {
        message = outer;
        datagrams = [];
        if (outer.Header.ExchangeType != IkeExchangeType.IkeSaInit && _sa.Protector is null)
        {
            Drop("protected message before keys exist");
            return false;
        }

        if (outer.Payloads.Count > 0 && outer.Payloads[^1] is EncryptedFragmentPayload fragment)
        {
            return TryReassemble(datagram, outer, fragment, out message, out datagrams);
        }

        datagrams = [datagram.ToArray()];
        if (outer.Header.ExchangeType == IkeExchangeType.IkeSaInit)
        {
            return true;
        }

        if (!_sa.Protector!.TryUnprotect(datagram, outer, out var inner, out var error)
            || (error = MessageValidator.Validate(outer, inner)).IsError)
        {
            Drop(error.ToString());
            return false;
        }

        message = new IkeMessage(outer.Header, inner);
        return true;
    }
}
