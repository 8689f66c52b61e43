using Overlay.Ike.Crypto;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tasks;

/// <summary>
/// IKE_AUTH with pre-shared keys (RFC 7296 §1.2, §2.15). Each side proves it knows the PSK and
/// binds its identity to the IKE_SA_INIT exchange:
/// <code>
/// HDR, SK {IDi, [IDr,] AUTH, SAi2, TSi, TSr}  -->
///                            &lt;--  HDR, SK {IDr, AUTH, SAr2, TSi, TSr}
/// AUTH = prf(prf(PSK, "Key Pad for IKEv2"), RealMessage | Nonce(peer) | prf(SK_p, ID body))
/// </code>
/// A responder that cannot verify the initiator answers AUTHENTICATION_FAILED and ends the SA
/// (§2.21.2); an initiator that cannot verify the responder ends the SA.
/// </summary>
public sealed class IkeAuthTask : IIkeTask
{
    private readonly IkeSa _sa;
    private bool _authenticated;

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
        var idi = _sa.Config.LocalId.ToPayload(isInitiator: true);
        message.Add(idi);
        if (_sa.Config.RemoteId is { } remote)
        {
            message.Add(remote.ToPayload(isInitiator: false));
        }
        message.Add(new AuthenticationPayload(AuthMethod.SharedKeyMessageIntegrityCode,
            ComputeAuth(_sa.InitRequest, _sa.NonceResponder, _sa.Keys!.SkPi, idi)));
        return TaskStatus.NeedMore;
    }

    private TaskStatus ProcessResponse(IkeMessage message)
    {
        if (message.FindNotify(NotifyType.AuthenticationFailed) is not null)
        {
            return Fail("peer answered AUTHENTICATION_FAILED");
        }
        var idr = message.Find<IdentificationPayload>();
        var auth = message.Find<AuthenticationPayload>();
        if (idr is null || idr.IsInitiator || auth is null)
        {
            return Fail(message.Payloads.OfType<NotifyPayload>().FirstOrDefault(n => n.IsError) is { } n
                ? $"peer answered {n.Type}" : "IKE_AUTH response lacks IDr or AUTH");
        }
        if (!Verify(idr, auth, _sa.InitResponse, _sa.NonceInitiator, _sa.Keys!.SkPr))
        {
            return Fail("responder AUTH or identity does not verify");
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
            _sa.FailureReason = "IKE_AUTH request lacks IDi or AUTH";
            return TaskStatus.Failed;
        }
        if (!Verify(idi, auth, _sa.InitRequest, _sa.NonceResponder, _sa.Keys!.SkPi))
        {
            _sa.FailureReason = $"AUTH of {IkeIdentity.FromPayload(idi)} does not verify";
            return TaskStatus.Failed;
        }
        Authenticated(idi);
        return TaskStatus.NeedMore;
    }

    private TaskStatus BuildResponse(IkeMessage message)
    {
        if (!_authenticated)
        {
            // §2.21.2: the only payload of the answer is the notify; then the SA is gone.
            message.Add(new NotifyPayload(NotifyType.AuthenticationFailed));
            return TaskStatus.Failed;
        }
        var idr = _sa.Config.LocalId.ToPayload(isInitiator: false);
        message.Add(idr);
        message.Add(new AuthenticationPayload(AuthMethod.SharedKeyMessageIntegrityCode,
            ComputeAuth(_sa.InitResponse, _sa.NonceInitiator, _sa.Keys!.SkPr, idr)));
        return TaskStatus.Success;
    }

    private void Authenticated(IdentificationPayload peerId)
    {
        _authenticated = true;
        _sa.PeerIdentity = IkeIdentity.FromPayload(peerId);
        _sa.State = IkeSaState.Established;
        _sa.StartIkeTimers();
    }

    private bool Verify(IdentificationPayload id, AuthenticationPayload auth, byte[] realMessage, byte[] nonce, byte[] skP)
    {
        if (_sa.Config.RemoteId is { } expected && !expected.Matches(id))
        {
            return false;
        }
        if (auth.Method != AuthMethod.SharedKeyMessageIntegrityCode)
        {
            return false;
        }
        var octets = PskAuthentication.SignedOctets(_sa.Suite!.Prf, realMessage, nonce, skP, id);
        return PskAuthentication.Verify(_sa.Suite.Prf, _sa.Config.PreSharedKey, octets, auth.Data);
    }

    private byte[] ComputeAuth(byte[] realMessage, byte[] peerNonce, byte[] skP, IdentificationPayload id)
        => PskAuthentication.Compute(_sa.Suite!.Prf, _sa.Config.PreSharedKey,
            PskAuthentication.SignedOctets(_sa.Suite.Prf, realMessage, peerNonce, skP, id));

    private TaskStatus Fail(string reason)
    {
        _sa.FailureReason = reason;
        return TaskStatus.Failed;
    }
}
