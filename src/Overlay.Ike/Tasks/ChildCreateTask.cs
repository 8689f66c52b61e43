using Overlay.Ike.Attestation;
using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.KeyExchange;
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
/// prf+(SK_d, Ni | Nr) (§2.17); with a KE group in the ESP suite (PFS), CREATE_CHILD_SA adds
/// KEi/KEr and KEMAT = prf+(SK_d, g^ir (new) | Ni | Nr). <see cref="ChildRekeyTask"/> runs this
/// task with a REKEY_SA notify (§1.3.3).
/// </summary>
public sealed partial class ChildCreateTask : IIkeTask
{
    private readonly IkeSa _sa;
    private ChildSaConfig? _config;
    private uint _inboundSpi;
    private byte[] _nonceI = [];
    private byte[] _nonceR = [];
    private IKeyExchange? _keyExchange;
    private byte[] _sharedSecret = [];

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

    /// <summary>The CHILD_SA this task installed, once it did.</summary>
    internal ChildSa? Created { get; private set; }

    /// <summary>The nonces of this CREATE_CHILD_SA exchange (§2.8.1 compares them after a rekey collision).</summary>
    internal byte[] NonceInitiator => _nonceI;

    internal byte[] NonceResponder => _nonceR;

    /// <summary>Set by <see cref="ChildRekeyTask"/>: the request names the CHILD_SA it replaces (REKEY_SA, §1.3.3).</summary>
    internal ChildSa? Replaces { get; init; }

    /// <summary>What a responder may answer with; the IKE SA's templates unless set (a rekey uses the old CHILD_SA's).</summary>
    internal IReadOnlyList<ChildSaConfig>? Templates { get; init; }

    /// <summary>The error notify the peer answered with (initiator), for callers that react to it.</summary>
    internal NotifyType PeerError { get; private set; }

    private TaskStatus BuildRequest(IkeMessage message)
    {
        var config = _config!;
        var createChild = message.Header.ExchangeType == IkeExchangeType.CreateChildSa;
        if (Replaces is { } old)
        {
            message.Add(new NotifyPayload(IkeProtocolId.Esp, EspSuite.SpiBytes(old.InboundSpi), NotifyType.RekeySa, []));
        }

        if (createChild)
        {
            _nonceI = _sa.CreateNonce();
            message.Add(new NoncePayload(_nonceI));
            if (config.EspProposals[0].KeyExchange is var group and not KeyExchangeMethod.None)
            {
                // §1.3.1: one KEi, so every proposal carries the group of the first one.
                _keyExchange?.Dispose();
                _keyExchange = _sa.Services.KeyExchanges.Create(group);
                message.Add(new KeyExchangePayload(group, _keyExchange.PublicKey.ToArray()));
            }
        }

        _inboundSpi = _sa.AllocateChildSpi();
        message.Add(ProposalSelection.OfferEsp(config.EspProposals, _inboundSpi, withKeyExchange: createChild));
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
            PeerError = error.Type;
            string reason = AttestationNotifies.ReadRefused(message.FindNotify(NotifyType.TvdAttestationRefused)) is { } why
                ? $"{error.Type}: {why}"
                : error.Type.ToString();
            if (config.Label is { } refusedLabel && error.Type == NotifyType.TsUnacceptable)
            {
                _sa.Services.ChildSink.RefusedByPeer(new PeerRefusal(_sa.PeerIdentity, refusedLabel, reason, Withdrawn: false));
            }

            if (IkeFailureReasons.IsFailure(error.Type))
            {
                _sa.ReportFailure(IkeFailureReasons.FromNotify(error.Type),
                    $"peer refused the CHILD_SA{(config.Label is { } l ? $" for {l}" : "")}: {reason}", byPeer: true);
            }

            return ChildFailed(reason);
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

        var createChild = message.Header.ExchangeType == IkeExchangeType.CreateChildSa;
        if (ProposalSelection.AcceptEsp(sa, config.EspProposals, createChild) is not { } accepted)
        {
            _sa.ReportFailure(IkeFailureReason.ProtocolError, "responder chose an ESP proposal we did not offer");
            return ChildFailed("responder chose an ESP proposal we did not offer");
        }

        if (createChild && accepted.Suite.KeyExchange != KeyExchangeMethod.None && !ComputePfsSecret(message, accepted.Suite.KeyExchange))
        {
            return ChildFailed("KEr missing, of another group or invalid");
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
            _sa.ReportFailure(IkeFailureReason.TsUnacceptable, "responder's selectors or label are not within what we asked for");
            return ChildFailed("responder's selectors or label are not within what we asked for");
        }

        if (config.Label is { } label && _sa.Services.LabelPolicy.Check(_sa.PeerIdentity!.ToString(), label, _sa.PeerAttestation) is { Allowed: false } refused)
        {
            // Mutual: the responder admitted us, but what it proved does not admit it to this TVD. Its half is
            // installed already, so it is deleted; ours never is.
            var unwanted = Create(config.Name, label, accepted.Suite, accepted.PeerSpi, createdByUs: true, local, remote);
            _sa.Tasks.Queue(new DeleteTask(_sa, unwanted) { Refusal = refused.Reason ?? "not admitted" });
            _sa.ReportFailure(IkeFailureReason.AttestationRefused, $"responder not admitted to {label}: {refused.Reason}");
            return ChildFailed($"responder not admitted to {label}: {refused.Reason}");
        }

        Install(config.Name, config.Label ?? "", accepted.Suite, accepted.PeerSpi, createdByUs: true, local, remote);
        return TaskStatus.Success;
    }

    private void Install(string name, string label, EspSuite suite, uint outboundSpi, bool createdByUs,
        IReadOnlyList<AddressRangeSelector> local, IReadOnlyList<AddressRangeSelector> remote)
    {
        var child = Create(name, label, suite, outboundSpi, createdByUs, local, remote);
        _sa.ChildFailureReason = null;
        Created = child;
        _sa.AddChild(child);
    }

    /// <summary>The negotiated CHILD_SA with its KEYMAT (§2.17); the PFS secret and key exchange are gone after.</summary>
    private ChildSa Create(string name, string label, EspSuite suite, uint outboundSpi, bool createdByUs,
        IReadOnlyList<AddressRangeSelector> local, IReadOnlyList<AddressRangeSelector> remote)
    {
        var (ni, nr) = _nonceI.Length > 0 ? (_nonceI, _nonceR) : (_sa.NonceInitiator, _sa.NonceResponder);
        var keys = ChildKeyMaterial.Derive(_sa.Suite!.Prf, _sa.Keys!.SkD, ni, nr, _sharedSecret, suite.KeyMaterialLength, 0);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(_sharedSecret);
        _keyExchange?.Dispose();
        _keyExchange = null;
        return new ChildSa(name, label, _sa.PeerIdentity!, _inboundSpi, outboundSpi, suite, keys, createdByUs, local, remote)
        {
            Template = _config,
        };
    }

    /// <summary>g^ir of the PFS exchange from the peer's KE payload (§2.17); false if it is missing or invalid.</summary>
    private bool ComputePfsSecret(IkeMessage message, KeyExchangeMethod group)
    {
        if (message.Find<KeyExchangePayload>() is not { } ke || ke.Group != group)
        {
            return false;
        }

        if (_keyExchange is null || _keyExchange.Method != group)
        {
            _keyExchange?.Dispose();
            _keyExchange = _sa.Services.KeyExchanges.Create(group);
        }

        var ok = _keyExchange.TryComputeSharedSecret(ke.Data, out var secret, out _);
        _sharedSecret = ok ? secret : [];
        return ok;
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
