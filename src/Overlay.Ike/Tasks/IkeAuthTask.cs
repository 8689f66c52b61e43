using Overlay.Ike.Attestation;
using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.Certificates;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tasks;

/// <summary>
/// IKE_AUTH (RFC 7296 §1.2, §2.15) with a pre-shared key or a certificate. Each side proves it
/// knows the PSK, or signs with the key of a certificate the peer trusts, and binds its identity to
/// the IKE_SA_INIT exchange:
/// <code>
/// HDR, SK {IDi, [CERT+,] [CERTREQ,] [IDr,] AUTH, SAi2, TSi, TSr}  -->
///                            &lt;--  HDR, SK {IDr, [CERT+,] AUTH, SAr2, TSi, TSr}
/// PSK:       AUTH = prf(prf(PSK, "Key Pad for IKEv2"), RealMessage | Nonce(peer) | prf(SK_p, ID body))
/// signature: AUTH = sign(RealMessage | Nonce(peer) | prf(SK_p, ID body)) (RFC 7427 or §3.8 classic)
/// </code>
/// A responder that cannot verify the initiator answers AUTHENTICATION_FAILED and ends the SA
/// (§2.21.2); an initiator that cannot verify the responder ends the SA. With attested IKE negotiated
/// (IkeSa.Attestation.cs) each side also presents evidence covering the other's challenge, bound to this
/// SA by its ephemeral key's signature over what its AUTH covers, and appraises the other's
/// (IkeAuthTask.Attestation.cs); the SA is authenticated either way, and what the appraisal admits the
/// peer to is the label policy's decision per CHILD_SA.
/// </summary>
public sealed partial class IkeAuthTask : IIkeTask
{
    private readonly IkeSa _sa;
    private bool _authenticated;
    private string? _notAdmitted; // responder: the peer authenticated but is admitted to no TVD, and why

    public IkeAuthTask(IkeSa sa)
    {
        _sa = sa;
    }

    public TaskKind Kind => TaskKind.IkeAuth;

    public TaskStatus Build(IkeMessage message)
        => _sa.IsOriginalInitiator ? BuildRequest(message) : BuildResponse(message);

    public TaskStatus Process(IkeMessage message)
        => _sa.IsOriginalInitiator ? ProcessResponse(message) : ProcessRequest(message);

    private TaskStatus BuildRequest(IkeMessage message)
    {
        if (!TryGetOwnEvidence(_sa.Config.RemoteId, out var evidence))
        {
            return TaskStatus.Wait;
        }

        var idi = _sa.Config.LocalId.ToPayload(isInitiator: true);
        message.Add(idi);
        AddCertificates(message);
        if (_sa.Config.TrustedCas is { Count: > 0 } cas)
        {
            // HDR, SK {IDi, [CERT,] [CERTREQ,] ...} (§1.2): ask the responder for a certificate of our CAs.
            message.Add(new CertificateRequestPayload(CertificateEncoding.X509Signature, PeerCertificateValidator.CertificateAuthorityHashes(cas)));
        }

        if (_sa.Config.RemoteId is { } remote)
        {
            message.Add(remote.ToPayload(isInitiator: false));
        }

        var octets = SignedOctets(_sa.InitRequest, _sa.NonceResponder, _sa.Keys!.SkPi, idi);
        message.Add(BuildAuth(octets));
        AddEvidence(message, evidence, octets);
        AddCheckpoint(message, _sa.Config.RemoteId);
        return TaskStatus.NeedMore;
    }

    private TaskStatus ProcessResponse(IkeMessage message)
    {
        if (message.FindNotify(NotifyType.AuthenticationFailed) is not null)
        {
            if (AttestationNotifies.ReadRefused(message.FindNotify(NotifyType.TvdAttestationRefused)) is not { } why)
            {
                return Fail("peer answered AUTHENTICATION_FAILED", IkeFailureReason.AuthenticationFailed, byPeer: true);
            }

            _sa.Services.ChildSink.RefusedByPeer(new PeerRefusal(_sa.Config.RemoteId, Label: null, why, Withdrawn: false));
            return Fail($"peer answered AUTHENTICATION_FAILED: {why}", IkeFailureReason.AttestationRefused, byPeer: true);
        }

        var idr = message.Find<IdentificationPayload>();
        var auth = message.Find<AuthenticationPayload>();
        if (idr is null || idr.IsInitiator || auth is null)
        {
            return message.Payloads.OfType<NotifyPayload>().FirstOrDefault(n => n.IsError) is { } n
                ? Fail($"peer answered {n.Type}", IkeFailureReasons.FromNotify(n.Type), byPeer: true)
                : Fail("IKE_AUTH response lacks IDr or AUTH", IkeFailureReason.ProtocolError);
        }

        var octets = SignedOctets(_sa.InitResponse, _sa.NonceInitiator, _sa.Keys!.SkPr, idr);
        if (Verify(message, idr, auth, octets) is { } reason)
        {
            return Fail($"responder AUTH or identity does not verify: {reason}", IkeFailureReason.AuthenticationFailed);
        }

        _sa.PeerIdentity = IkeIdentity.FromPayload(idr);
        AppraisePeer(message, octets);
        if (!_sa.Services.LabelPolicy.AdmitsAny(_sa.PeerIdentity.ToString(), _sa.PeerAttestation))
        {
            return Fail($"responder {_sa.PeerIdentity} is admitted to no TVD here: {_sa.PeerAttestation?.Summary ?? "it presented no evidence"}",
                IkeFailureReason.AttestationRefused);
        }

        Authenticated(idr);
        return TaskStatus.Success;
    }

    private TaskStatus ProcessRequest(IkeMessage message)
    {
        var idi = message.Payloads.OfType<IdentificationPayload>().FirstOrDefault(i => i.IsInitiator);
        var auth = message.Find<AuthenticationPayload>();
        if (idi is null || auth is null)
        {
            return Fail("IKE_AUTH request lacks IDi or AUTH", IkeFailureReason.ProtocolError);
        }

        var octets = SignedOctets(_sa.InitRequest, _sa.NonceResponder, _sa.Keys!.SkPi, idi);
        if (Verify(message, idi, auth, octets) is { } reason)
        {
            return Fail($"AUTHENTICATION_FAILED for {IkeIdentity.FromPayload(idi)}: {reason}", IkeFailureReason.AuthenticationFailed);
        }

        _sa.PeerIdentity = IkeIdentity.FromPayload(idi);
        AppraisePeer(message, octets);
        if (!_sa.Services.LabelPolicy.AdmitsAny(_sa.PeerIdentity.ToString(), _sa.PeerAttestation))
        {
            // Authenticated, but admitted to nothing: AUTHENTICATION_FAILED rather than an IKE SA with no use.
            _notAdmitted = $"admitted to no TVD: {_sa.PeerAttestation?.Summary ?? "it presented no evidence"}";
            return Fail($"AUTHENTICATION_FAILED: {_sa.PeerIdentity} is {_notAdmitted}", IkeFailureReason.AttestationRefused);
        }

        Authenticated(idi);
        return TaskStatus.NeedMore;
    }

    private TaskStatus BuildResponse(IkeMessage message)
    {
        if (!_authenticated)
        {
            // §2.21.2: the notify is usually the only payload of the answer; then the SA is gone. A peer whose AUTH
            // verified and that speaks attested IKE also learns why (what its evidence lacked), never one whose AUTH failed.
            message.Add(new NotifyPayload(NotifyType.AuthenticationFailed));
            if (_notAdmitted is not null && _sa.AttestationNegotiated)
            {
                message.Add(AttestationNotifies.Refused(_notAdmitted));
            }

            return TaskStatus.Failed;
        }

        if (!TryGetOwnEvidence(_sa.PeerIdentity, out var evidence))
        {
            return TaskStatus.Wait; // the response goes when our evidence is ready (or the wait is over)
        }

        var idr = _sa.Config.LocalId.ToPayload(isInitiator: false);
        message.Add(idr);
        AddCertificates(message);
        var octets = SignedOctets(_sa.InitResponse, _sa.NonceInitiator, _sa.Keys!.SkPr, idr);
        message.Add(BuildAuth(octets));
        AddEvidence(message, evidence, octets);
        return TaskStatus.Success;
    }

    private void Authenticated(IdentificationPayload peerId)
    {
        _authenticated = true;
        _sa.PeerIdentity = IkeIdentity.FromPayload(peerId);
        _sa.State = IkeSaState.Established;
        _sa.StartIkeTimers();
    }

    private TaskStatus Fail(string reason, IkeFailureReason kind, bool byPeer = false) => _sa.Fail(kind, reason, byPeer);
}
