using Overlay.Ike.Attestation;
using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.KeyExchange;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tasks;

/// <summary>
/// IKE_SA_INIT (RFC 7296 §1.2): SA proposals, KE, nonces, NAT detection (§2.23), COOKIE (§2.6),
/// INVALID_KE_PAYLOAD retry (§1.2), the fragmentation announcement (RFC 7383 §2.3) and attested IKE's
/// announcement with each side's challenge (docs/protocol.md; a responder answers it only when asked, so
/// a stock peer never sees it). On success the IKE SA has its suite and SK_* keys (§2.14).
/// <code>
/// HDR, SAi1, KEi, Ni, N(NAT_D_SRC), N(NAT_D_DST), [N(FRAG_SUP)], [N(TVD_ATTEST_SUP, Ci)]  -->
///                <--  HDR, SAr1, KEr, Nr, N(NAT_D_SRC), N(NAT_D_DST), [N(FRAG_SUP)], [N(TVD_ATTEST_SUP, Cr)]
/// </code>
/// </summary>
public sealed partial class IkeInitTask : IIkeTask
{
    /// <summary>How many COOKIE / INVALID_KE_PAYLOAD rounds an initiator accepts before giving up.</summary>
    public const int MaxRetries = 3;

    private readonly IkeSa _sa;
    private IKeyExchange? _keyExchange;
    private KeyExchangeMethod _group;
    private byte[]? _cookie;
    private byte[] _nonce = [];
    private int _retries;

    public IkeInitTask(IkeSa sa)
    {
        _sa = sa;
    }

    public TaskKind Kind => TaskKind.IkeInit;

    /// <summary>The KE group this task uses (after an INVALID_KE_PAYLOAD, the one the responder asked for).</summary>
    public KeyExchangeMethod Group => _group;

    public TaskStatus Build(IkeMessage message)
        => _sa.IsOriginalInitiator ? BuildRequest(message) : BuildResponse(message);

    public TaskStatus Process(IkeMessage message)
        => _sa.IsOriginalInitiator ? ProcessResponse(message) : ProcessRequest(message);

    private TaskStatus BuildRequest(IkeMessage message)
    {
        if (_group == KeyExchangeMethod.None)
        {
            _group = _sa.Config.IkeProposals[0].KeyExchange;
        }

        if (_keyExchange is null || _keyExchange.Method != _group)
        {
            _keyExchange?.Dispose();
            _keyExchange = _sa.Services.KeyExchanges.Create(_group);
        }

        if (_nonce.Length == 0)
        {
            _nonce = _sa.CreateNonce();
        }

        _sa.State = IkeSaState.Connecting;
        if (_cookie is not null)
        {
            message.Add(new NotifyPayload(NotifyType.Cookie, _cookie));
        }

        message.Add(ProposalSelection.OfferIke(_sa.Config.IkeProposals));
        message.Add(new KeyExchangePayload(_group, _keyExchange.PublicKey.ToArray()));
        message.Add(new NoncePayload(_nonce));
        AddCommonNotifies(message, _sa.InitiatorSpi, 0);
        return TaskStatus.NeedMore;
    }

    private void AddCommonNotifies(IkeMessage message, ulong spiI, ulong spiR)
    {
        message.Add(NatDetection.Source(spiI, spiR, _sa.Local));
        message.Add(NatDetection.Destination(spiI, spiR, _sa.Remote));
        if (_sa.Config.AnnounceFragmentation)
        {
            message.Add(new NotifyPayload(NotifyType.Ikev2FragmentationSupported));
        }

        if (_sa.Config.UsesCertificates)
        {
            message.Add(SignatureHashesNotify());
        }

        AnnounceAttestation(message);
    }

    /// <summary>Our TVD_ATTESTATION_SUPPORTED with the challenge the peer's evidence must cover.</summary>
    private void AnnounceAttestation(IkeMessage message)
    {
        if (_sa.Services.Attestation is { } attestation)
        {
            _sa.ChallengeSent = attestation.CurrentChallenge;
            message.Add(AttestationNotifies.Supported(_sa.ChallengeSent));
        }
    }

    /// <summary>Reads the peer's TVD_ATTESTATION_SUPPORTED: attested IKE runs when both sides announced it.</summary>
    private void ReadAttestation(IkeMessage message)
    {
        if (_sa.Services.Attestation is not null && AttestationNotifies.TryReadSupported(message.FindNotify(NotifyType.TvdAttestationSupported), out var challenge))
        {
            _sa.PeerChallenge = challenge;
            _sa.AttestationNegotiated = true;
        }
    }

    /// <summary>SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4): the 2-octet hash numbers we verify and sign with.</summary>
    private static NotifyPayload SignatureHashesNotify()
    {
        var hashes = Crypto.Certificates.SignatureAuthentication.Supported;
        var data = new byte[hashes.Count * 2];
        for (var i = 0; i < hashes.Count; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(i * 2), (ushort)hashes[i]);
        }

        return new NotifyPayload(NotifyType.SignatureHashAlgorithms, data);
    }

    /// <summary>The peer's SIGNATURE_HASH_ALGORITHMS list; odd trailing octets are ignored.</summary>
    private void ReadSignatureHashes(IkeMessage message)
    {
        if (message.FindNotify(NotifyType.SignatureHashAlgorithms) is not { } n)
        {
            return;
        }

        var hashes = new List<SignatureHashAlgorithm>();
        for (var i = 0; i + 1 < n.Data.Length; i += 2)
        {
            hashes.Add((SignatureHashAlgorithm)System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(n.Data.AsSpan(i)));
        }

        _sa.PeerSignatureHashes = hashes;
    }

    private TaskStatus ProcessResponse(IkeMessage message)
    {
        if (message.FindNotify(NotifyType.Cookie) is { } cookie)
        {
            // §2.6: retry with the cookie first, same SPIi, same nonce and KE.
            _cookie = cookie.Data;
            return Retry("COOKIE");
        }

        if (message.FindNotify(NotifyType.InvalidKePayload) is { } invalidKe)
        {
            var requested = invalidKe.RequestedGroup;
            var offered = _sa.Config.IkeProposals.Any(s => s.KeyExchange == requested);
            if (!offered || requested == _group || !_sa.Services.KeyExchanges.IsSupported(requested))
            {
                return Fail($"INVALID_KE_PAYLOAD asks for {requested}, which we did not offer", IkeFailureReason.NoProposalChosen);
            }

            _group = requested;
            return Retry("INVALID_KE_PAYLOAD");
        }

        if (message.Payloads.OfType<NotifyPayload>().FirstOrDefault(n => n.IsError) is { } error)
        {
            return Fail($"peer answered {error.Type}", IkeFailureReasons.FromNotify(error.Type), byPeer: true);
        }

        var sa = message.Find<SecurityAssociationPayload>();
        var ke = message.Find<KeyExchangePayload>();
        var nonce = message.Find<NoncePayload>();
        if (sa is null || ke is null || nonce is null || message.Header.ResponderSpi == 0)
        {
            return Fail("IKE_SA_INIT response lacks SA, KE, Nr or SPIr", IkeFailureReason.ProtocolError);
        }

        var suite = ProposalSelection.AcceptIke(sa, _sa.Config.IkeProposals);
        if (suite is null || suite.KeyExchange != _group || ke.Group != _group)
        {
            return Fail("responder chose a proposal or KE group we did not offer", IkeFailureReason.ProtocolError);
        }

        _sa.ResponderSpi = message.Header.ResponderSpi;
        _sa.NonceInitiator = _nonce;
        _sa.NonceResponder = nonce.Data;
        if (!DeriveKeys(suite, ke.Data))
        {
            return Fail("invalid KEr", IkeFailureReason.ProtocolError);
        }

        EvaluateNat(message);
        _sa.PeerSupportsFragmentation = message.FindNotify(NotifyType.Ikev2FragmentationSupported) is not null;
        ReadSignatureHashes(message);
        ReadAttestation(message);
        return TaskStatus.Success;
    }

    private TaskStatus Retry(string why)
    {
        if (++_retries > MaxRetries)
        {
            return Fail($"too many {why} rounds", why == "COOKIE" ? IkeFailureReason.CookieLimit : IkeFailureReason.NoProposalChosen);
        }
        // The retry is a new IKE_SA_INIT: SPIr is zero again (RFC 7296 §2.6).
        _sa.ResponderSpi = 0;
        return TaskStatus.NeedMore;
    }

    private TaskStatus Fail(string reason, IkeFailureReason kind, bool byPeer = false) => _sa.Fail(kind, reason, byPeer);

    private bool DeriveKeys(IkeCipherSuite suite, byte[] peerPublic)
    {
        if (!_keyExchange!.TryComputeSharedSecret(peerPublic, out var secret, out _))
        {
            return false;
        }

        var skeyseed = IkeKeyMaterial.ComputeSkeyseed(suite.Prf, _sa.NonceInitiator, _sa.NonceResponder, secret);
        var keys = IkeKeyMaterial.Derive(suite, skeyseed, _sa.NonceInitiator, _sa.NonceResponder, _sa.InitiatorSpi, _sa.ResponderSpi);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(skeyseed);
        _sa.InstallKeys(suite, keys);
        _keyExchange.Dispose();
        _keyExchange = null;
        return true;
    }

    private void EvaluateNat(IkeMessage message)
    {
        if (NatDetection.Evaluate(message.FindAll<NotifyPayload>(), message.Header.InitiatorSpi, message.Header.ResponderSpi,
                _sa.Local, _sa.Remote, out var localNat, out var remoteNat))
        {
            _sa.LocalBehindNat = localNat;
            _sa.RemoteBehindNat = remoteNat;
        }

        if (_sa.IsOriginalInitiator && (localNat || remoteNat) && _sa.Remote.Port == IkeConstants.IkePort)
        {
            // §2.23: after detecting a NAT the initiator moves to port 4500 (with the non-ESP marker).
            _sa.Remote = new System.Net.IPEndPoint(_sa.Remote.Address, IkeConstants.NatTraversalPort);
            _sa.Local = new System.Net.IPEndPoint(_sa.Local.Address, IkeConstants.NatTraversalPort);
        }
    }
}
