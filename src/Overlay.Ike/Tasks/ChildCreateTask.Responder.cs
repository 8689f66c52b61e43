using Overlay.Ike.Attestation;
using Overlay.Ike.Crypto.KeyExchange;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tasks;

/// <summary>The responder's half of CHILD_SA creation: proposal, label policy, narrowing.</summary>
public sealed partial class ChildCreateTask
{
    private NotifyType _error;
    private string? _refusal;
    private KeyExchangeMethod _invalidKe;
    private bool _noChildRequested;
    private string _label = "";
    private (EspSuite Suite, Proposal Offered)? _esp;
    private List<AddressRangeSelector> _tsiOut = [];
    private List<AddressRangeSelector> _tsrOut = [];

    private TaskStatus ProcessRequest(IkeMessage message)
    {
        if (_sa.State != IkeSaState.Established)
        {
            return TaskStatus.Failed; // IKE_AUTH failed; nothing to create
        }

        var sa = message.Find<SecurityAssociationPayload>();
        var tsi = message.Payloads.OfType<TrafficSelectorPayload>().FirstOrDefault(t => t.IsInitiator);
        var tsr = message.Payloads.OfType<TrafficSelectorPayload>().FirstOrDefault(t => !t.IsInitiator);
        if (sa is null && tsi is null && tsr is null && message.Header.ExchangeType == IkeExchangeType.IkeAuth)
        {
            _noChildRequested = true; // childless IKE_AUTH (RFC 6023)
            return TaskStatus.Success;
        }

        if (sa is null || tsi is null || tsr is null)
        {
            return Refuse(NotifyType.InvalidSyntax, "request lacks SA, TSi or TSr");
        }

        if (message.Header.ExchangeType == IkeExchangeType.CreateChildSa)
        {
            if (message.Find<NoncePayload>() is not { } ni)
            {
                return Refuse(NotifyType.InvalidSyntax, "request lacks Ni");
            }

            _nonceI = ni.Data;
        }
        // RFC 9478 §2: the label must be in both TSi and TSr; one CHILD_SA carries one label.
        if (ChooseLabel(tsi, tsr) is not { } label)
        {
            return Refuse(NotifyType.TsUnacceptable, "no label in TSi/TSr that the policy allows for this peer"
                + (_refusal is null ? "" : $" ({_refusal})"));
        }

        var requestedI = tsi.Selectors.OfType<AddressRangeSelector>().ToList();
        var requestedR = tsr.Selectors.OfType<AddressRangeSelector>().ToList();
        var anyTemplate = false;
        foreach (var template in Templates ?? _sa.Config.ChildTemplates)
        {
            if (template.Label is not null && template.Label != label)
            {
                continue;
            }
            // From the responder's view TSi is the peer's side and TSr ours (§2.9).
            var tsiOut = TrafficSelectorNarrowing.Narrow(requestedI, template.RemoteSelectors);
            var tsrOut = TrafficSelectorNarrowing.Narrow(requestedR, template.LocalSelectors);
            if (tsiOut.Count == 0 || tsrOut.Count == 0)
            {
                continue;
            }

            anyTemplate = true;
            var createChild = message.Header.ExchangeType == IkeExchangeType.CreateChildSa;
            if (ProposalSelection.SelectEsp(sa, template.EspProposals, createChild) is { } esp)
            {
                (_config, _label, _esp, _tsiOut, _tsrOut) = (template, label, esp, tsiOut, tsrOut);
                var group = esp.Suite.KeyExchange;
                if (createChild && group != KeyExchangeMethod.None && !ComputePfsSecret(message, group))
                {
                    // §1.3.1: KEi of another group (or none) is answered with the group we want.
                    _invalidKe = group;
                    return Refuse(NotifyType.InvalidKePayload, $"PFS needs KEi of group {group}");
                }

                return TaskStatus.NeedMore;
            }
        }

        return anyTemplate
            ? Refuse(NotifyType.NoProposalChosen, "no ESP proposal we accept")
            : Refuse(NotifyType.TsUnacceptable, "selectors outside every CHILD_SA template");
    }

    private TaskStatus BuildResponse(IkeMessage message)
    {
        if (_sa.State != IkeSaState.Established)
        {
            return TaskStatus.Failed;
        }

        if (_noChildRequested)
        {
            return TaskStatus.Success;
        }

        if (_error != NotifyType.None || _esp is not { } esp)
        {
            message.Add(_invalidKe != KeyExchangeMethod.None
                ? NotifyPayload.InvalidKe(_invalidKe)
                : new NotifyPayload(_error == NotifyType.None ? NotifyType.NoProposalChosen : _error));
            if (_error == NotifyType.TsUnacceptable && _refusal is not null && _sa.AttestationNegotiated)
            {
                message.Add(AttestationNotifies.Refused(_refusal)); // why, to a peer that speaks attested IKE (a stock one never sees it)
            }

            return TaskStatus.Failed;
        }

        var createChild = message.Header.ExchangeType == IkeExchangeType.CreateChildSa;
        _inboundSpi = _sa.AllocateChildSpi();
        message.Add(new SecurityAssociationPayload([esp.Suite.ToProposal(esp.Offered.Number, _inboundSpi, createChild)]));
        if (createChild)
        {
            _nonceR = _sa.CreateNonce();
            message.Add(new NoncePayload(_nonceR));
            if (_keyExchange is not null && esp.Suite.KeyExchange != KeyExchangeMethod.None)
            {
                message.Add(new KeyExchangePayload(_keyExchange.Method, _keyExchange.PublicKey.ToArray()));
            }
        }

        message.Add(Selectors(isInitiator: true, _tsiOut, _label));
        message.Add(Selectors(isInitiator: false, _tsrOut, _label));
        Install(_config!.Name, _label, esp.Suite, EspSuite.SpiValue(esp.Offered.Spi), createdByUs: false, _tsrOut, _tsiOut);
        return TaskStatus.Success;
    }

    /// <summary>
    /// The first label of both TSi and TSr the label policy admits this peer to, given what it proved on this
    /// SA; null when none, with the policy's first reason kept for the refusal.
    /// </summary>
    private string? ChooseLabel(TrafficSelectorPayload tsi, TrafficSelectorPayload tsr)
    {
        var peer = _sa.PeerIdentity!.ToString();
        foreach (var label in tsi.SecurityLabels.Intersect(tsr.SecurityLabels))
        {
            var verdict = _sa.Services.LabelPolicy.Check(peer, label, _sa.PeerAttestation);
            if (verdict.Allowed)
            {
                return label;
            }

            _refusal ??= verdict.Reason;
        }

        return null;
    }

    /// <summary>Refuses the request with <paramref name="error"/> before any template is looked at (rekey collisions, §2.25).</summary>
    internal void RefuseWith(NotifyType error, string reason) => Refuse(error, reason);

    private TaskStatus Refuse(NotifyType error, string reason)
    {
        _error = error;
        _sa.ChildFailureReason = $"{error}: {reason}";
        if (IkeFailureReasons.IsFailure(error) && _sa.State == IkeSaState.Established)
        {
            _sa.ReportFailure(IkeFailureReasons.FromNotify(error), $"refused its CHILD_SA with {error}: {reason}");
        }

        return TaskStatus.Failed;
    }
}
