using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tasks;

/// <summary>The responder's half of IKE_SA_INIT.</summary>
public sealed partial class IkeInitTask
{
    private NotifyPayload? _error;
    private SecurityAssociationPayload? _chosen;
    private bool _peerAnnouncedFragmentation;

    private TaskStatus ProcessRequest(IkeMessage message)
    {
        var sa = message.Find<SecurityAssociationPayload>();
        var ke = message.Find<KeyExchangePayload>();
        var nonce = message.Find<NoncePayload>();
        if (sa is null || ke is null || nonce is null)
        {
            _error = new NotifyPayload(NotifyType.InvalidSyntax);
            return TaskStatus.Failed;
        }

        _sa.InitiatorSpi = message.Header.InitiatorSpi;
        var selection = ProposalSelection.SelectIke(sa, _sa.Config.IkeProposals, ke.Group);
        if (selection is not { } chosen)
        {
            _error = new NotifyPayload(NotifyType.NoProposalChosen);
            return TaskStatus.Failed;
        }

        if (chosen.Suite.KeyExchange != ke.Group)
        {
            // §1.2: tell the initiator which group we want; it retries with that KE.
            _error = NotifyPayload.InvalidKe(chosen.Suite.KeyExchange);
            return TaskStatus.Failed;
        }

        _group = ke.Group;
        _keyExchange = _sa.Services.KeyExchanges.Create(_group);
        _nonce = _sa.CreateNonce();
        _sa.State = Sa.IkeSaState.Connecting;
        _sa.ResponderSpi = _sa.AllocateIkeSpi();
        _sa.NonceInitiator = nonce.Data;
        _sa.NonceResponder = _nonce;
        var publicKey = _keyExchange.PublicKey.ToArray();
        if (!DeriveKeys(chosen.Suite, ke.Data))
        {
            _sa.ResponderSpi = 0;
            _error = new NotifyPayload(NotifyType.InvalidSyntax);
            return TaskStatus.Failed;
        }

        _chosen = new SecurityAssociationPayload([chosen.Chosen]);
        _responderKe = new KeyExchangePayload(_group, publicKey);
        EvaluateNat(message);
        _peerAnnouncedFragmentation = message.FindNotify(NotifyType.Ikev2FragmentationSupported) is not null;
        _sa.PeerSupportsFragmentation = _peerAnnouncedFragmentation;
        ReadSignatureHashes(message);
        ReadAttestation(message);
        if (_sa.AttestationNegotiated)
        {
            // Start our quote now: it has the initiator's round trip until its IKE_AUTH arrives.
            _sa.Services.Attestation!.GetEvidence(_sa.Config.RemoteId, _sa.PeerChallenge, null, urgent: true, static () => { });
        }

        return TaskStatus.NeedMore;
    }

    private KeyExchangePayload? _responderKe;

    private TaskStatus BuildResponse(IkeMessage message)
    {
        if (_error is not null || _chosen is null || _responderKe is null)
        {
            // An error answer carries only the notify, and the responder keeps no state (§2.6, §1.2).
            var error = _error ?? new NotifyPayload(NotifyType.InvalidSyntax);
            message.Add(error);
            _sa.FailureReason = $"answered {error.Type}";
            if (error.Type != NotifyType.InvalidKePayload)
            {
                // INVALID_KE_PAYLOAD is negotiation (the initiator retries with the group we name), not a failure.
                _sa.ReportFailure(IkeFailureReasons.FromNotify(error.Type), error.Type == NotifyType.NoProposalChosen
                    ? "answered NO_PROPOSAL_CHOSEN: none of the peer's IKE proposals is one of ours" : $"answered {error.Type} to its IKE_SA_INIT");
            }

            return TaskStatus.Failed;
        }

        message.Add(_chosen);
        message.Add(_responderKe);
        message.Add(new NoncePayload(_nonce));
        message.Add(NatDetection.Source(_sa.InitiatorSpi, _sa.ResponderSpi, _sa.Local));
        message.Add(NatDetection.Destination(_sa.InitiatorSpi, _sa.ResponderSpi, _sa.Remote));
        if (_sa.Config.AnnounceFragmentation && _peerAnnouncedFragmentation)
        {
            message.Add(new NotifyPayload(NotifyType.Ikev2FragmentationSupported));
        }

        if (_sa.Config.UsesCertificates && _sa.PeerSignatureHashes.Count > 0)
        {
            message.Add(SignatureHashesNotify());
        }

        if (_sa.AttestationNegotiated)
        {
            AnnounceAttestation(message);
        }

        if (_sa.Config.TrustedCas is { Count: > 0 } cas)
        {
            // HDR, SAr1, KEr, Nr, [CERTREQ] (RFC 7296 §1.2): which CAs our trust ends at.
            message.Add(new CertificateRequestPayload(CertificateEncoding.X509Signature, Crypto.Certificates.PeerCertificateValidator.CertificateAuthorityHashes(cas)));
        }

        return TaskStatus.Success;
    }
}
