using Overlay.Ike.Crypto;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tasks;

/// <summary>
/// Creates a CHILD_SA carrying one TVD label: the first one inside IKE_AUTH (RFC 7296 §1.2),
/// later ones with CREATE_CHILD_SA (§1.3.1). The TS payloads hold the address ranges and one
/// TS_SECLABEL (RFC 9478 §2); the responder narrows the ranges (§2.9) and asks its
/// <see cref="ILabelPolicy"/> whether the authenticated peer may have that label, answering
/// TS_UNACCEPTABLE if not (RFC 9478 §3). A failed CHILD_SA leaves the IKE SA up (§2.21.3).
/// <code>
/// HDR, SK {SA, Ni, TSi(ranges, label), TSr(ranges, label)}  -->
///                       &lt;--  HDR, SK {SA, Nr, TSi(narrowed, label), TSr(narrowed, label)}
/// </code>
/// (In IKE_AUTH the nonces are those of IKE_SA_INIT and are not sent again.) KEYMAT =
/// prf+(SK_d, Ni | Nr) (§2.17); no PFS.
/// </summary>
public sealed partial class ChildCreateTask : IIkeTask
{
    private readonly IkeSa _sa;
    private ChildSaConfig? _config;
    private uint _inboundSpi;
    private byte[] _nonceI = [];
    private byte[] _nonceR = [];

    /// <param name="config">What to request; null on the responder, which picks from its templates.</param>
    public ChildCreateTask(IkeSa sa, ChildSaConfig? config)
    {
        _sa = sa;
        _config = config;
        IsInitiator = config is not null;
    }

    public TaskKind Kind => TaskKind.ChildCreate;

    public TaskStatus Build(IkeMessage message)
        => IsInitiator ? BuildRequest(message) : BuildResponse(message);

    public TaskStatus Process(IkeMessage message)
        => IsInitiator ? ProcessResponse(message) : ProcessRequest(message);

    /// <summary>True when we initiate this exchange (the responder's task is created without a config).</summary>
    private bool IsInitiator { get; }

    private TaskStatus BuildRequest(IkeMessage message)
    {
        var config = _config!;
        if (message.Header.ExchangeType == IkeExchangeType.CreateChildSa)
        {
            _nonceI = _sa.CreateNonce();
            message.Add(new NoncePayload(_nonceI));
        }
        _inboundSpi = _sa.AllocateChildSpi();
        message.Add(ProposalSelection.OfferEsp(config.EspProposals, _inboundSpi));
        message.Add(Selectors(isInitiator: true, config.LocalSelectors, config.Label));
        message.Add(Selectors(isInitiator: false, config.RemoteSelectors, config.Label));
        return TaskStatus.NeedMore;
    }

    private TaskStatus ProcessResponse(IkeMessage message)
    {
        var config = _config!;
        if (_sa.State != IkeSaState.Established)
        {
            return ChildFailed("IKE SA not established");
        }
        if (message.Payloads.OfType<NotifyPayload>().FirstOrDefault(n => n.IsError) is { } error)
        {
            return ChildFailed(error.Type.ToString());
        }
        var sa = message.Find<SecurityAssociationPayload>();
        var tsi = message.Payloads.OfType<TrafficSelectorPayload>().FirstOrDefault(t => t.IsInitiator);
        var tsr = message.Payloads.OfType<TrafficSelectorPayload>().FirstOrDefault(t => !t.IsInitiator);
        if (sa is null || tsi is null || tsr is null)
        {
            return ChildFailed("response lacks SA, TSi or TSr");
        }
        if (message.Header.ExchangeType == IkeExchangeType.CreateChildSa)
        {
            if (message.Find<NoncePayload>() is not { } nr)
            {
                return ChildFailed("response lacks Nr");
            }
            _nonceR = nr.Data;
        }
        if (ProposalSelection.AcceptEsp(sa, config.EspProposals) is not { } accepted)
        {
            return ChildFailed("responder chose an ESP proposal we did not offer");
        }
        var local = tsi.Selectors.OfType<AddressRangeSelector>().ToList();
        var remote = tsr.Selectors.OfType<AddressRangeSelector>().ToList();
        var labelsOk = config.Label is null
            ? !tsi.SecurityLabels.Any() && !tsr.SecurityLabels.Any()
            : tsi.SecurityLabels.SequenceEqual([config.Label]) && tsr.SecurityLabels.SequenceEqual([config.Label]);
        if (!labelsOk || local.Count == 0 || remote.Count == 0
            || !local.All(s => TrafficSelectorNarrowing.IsCovered(s, config.LocalSelectors))
            || !remote.All(s => TrafficSelectorNarrowing.IsCovered(s, config.RemoteSelectors)))
        {
            return ChildFailed("responder's selectors or label are not within what we asked for");
        }
        Install(config.Name, config.Label ?? "", accepted.Suite, accepted.PeerSpi, createdByUs: true, local, remote);
        return TaskStatus.Success;
    }

    private void Install(string name, string label, EspSuite suite, uint outboundSpi, bool createdByUs,
        IReadOnlyList<AddressRangeSelector> local, IReadOnlyList<AddressRangeSelector> remote)
    {
        var (ni, nr) = _nonceI.Length > 0 ? (_nonceI, _nonceR) : (_sa.NonceInitiator, _sa.NonceResponder);
        var keys = ChildKeyMaterial.Derive(_sa.Suite!.Prf, _sa.Keys!.SkD, ni, nr, [], suite.KeyMaterialLength, 0);
        var child = new ChildSa(name, label, _sa.PeerIdentity!, _inboundSpi, outboundSpi, suite, keys, createdByUs, local, remote);
        _sa.ChildFailureReason = null;
        _sa.AddChild(child);
    }

    private static TrafficSelectorPayload Selectors(bool isInitiator, IEnumerable<AddressRangeSelector> ranges, string? label)
    {
        var list = new List<TrafficSelector>(ranges);
        if (label is not null)
        {
            list.Add(SecurityLabelSelector.FromText(label));
        }
        return new TrafficSelectorPayload(isInitiator, list);
    }

    private TaskStatus ChildFailed(string reason)
    {
        _sa.ChildFailureReason = reason;
        return TaskStatus.Failed;
    }
}
