using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.KeyExchange;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tasks;

/// <summary>
/// Rekeys the IKE SA (RFC 7296 §1.3.2, §2.18): a CREATE_CHILD_SA whose IKE proposal carries the
/// sender's new SPI, with fresh nonces and a new Diffie-Hellman exchange.
/// <code>
/// HDR, SK {SA(SPIi'), Ni, KEi}  -->
///                 &lt;--  HDR, SK {SA(SPIr'), Nr, KEr}
/// SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)      (old PRF, §2.18)
/// {SK_d | SK_ai | ... | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi' | SPIr')   (new PRF)
/// </code>
/// The successor takes over every CHILD_SA; the initiator of the rekey then deletes the old IKE
/// SA. When both peers rekey at once (§2.8.2) both exchanges complete; the one containing the
/// lowest nonce made the redundant IKE SA, which its initiator deletes, and the CHILD_SAs go to
/// the surviving one. While a CHILD_SA exchange of ours is in flight the peer's IKE rekey is
/// answered with TEMPORARY_FAILURE (§2.25.2).
/// </summary>
public sealed partial class IkeRekeyTask : IIkeTask
{
    private readonly IkeSa _sa;
    private readonly bool _isInitiator;
    private IKeyExchange? _keyExchange;
    private ulong _newSpi;
    private byte[] _nonceI = [];
    private byte[] _nonceR = [];

    /// <summary>The peer's IKE rekey that we answered while ours was in flight (§2.8.2).</summary>
    private IkeRekeyTask? _collision;

    public IkeRekeyTask(IkeSa sa)
        : this(sa, isInitiator: true)
    {
    }

    private IkeRekeyTask(IkeSa sa, bool isInitiator)
    {
        _sa = sa;
        _isInitiator = isInitiator;
    }

    /// <summary>The responder's task for a CREATE_CHILD_SA request with an IKE proposal.</summary>
    public static IkeRekeyTask Responder(IkeSa sa) => new(sa, isInitiator: false);

    public TaskKind Kind => TaskKind.IkeRekey;

    /// <summary>The new IKE SA this exchange created, once it did.</summary>
    public IkeSa? Successor { get; private set; }

    /// <summary>True when this exchange lost a §2.8.2 collision and its successor was deleted as redundant.</summary>
    public bool LostCollision { get; private set; }

    public TaskStatus Build(IkeMessage message) => _isInitiator ? BuildRequest(message) : BuildResponse(message);

    public TaskStatus Process(IkeMessage message) => _isInitiator ? ProcessResponse(message) : ProcessRequest(message);

    private TaskStatus BuildRequest(IkeMessage message)
    {
        if (!_sa.AcceptsNewWork)
        {
            return TaskStatus.Success; // rekeyed by the peer meanwhile
        }

        var proposals = _sa.Config.IkeProposals;
        // KEi uses the group of the current suite when we still offer it, so no INVALID_KE round is needed.
        var group = proposals.Any(p => p.KeyExchange == _sa.Suite!.KeyExchange) ? _sa.Suite!.KeyExchange : proposals[0].KeyExchange;
        _keyExchange = _sa.Services.KeyExchanges.Create(group);
        _newSpi = _sa.AllocateIkeSpi();
        _nonceI = _sa.CreateNonce();
        message.Add(ProposalSelection.OfferIke(proposals, SpiBytes(_newSpi)));
        message.Add(new NoncePayload(_nonceI));
        message.Add(new KeyExchangePayload(group, _keyExchange.PublicKey.ToArray()));
        return TaskStatus.NeedMore;
    }

    private TaskStatus ProcessResponse(IkeMessage message)
    {
        if (message.Payloads.OfType<NotifyPayload>().FirstOrDefault(n => n.IsError) is { } error)
        {
            if (error.Type == NotifyType.TemporaryFailure)
            {
                _sa.RetryLater(() => new IkeRekeyTask(_sa), _sa.Config.TemporaryFailureRetry);
            }

            return Failed($"IKE rekey answered with {error.Type}");
        }

        var sa = message.Find<SecurityAssociationPayload>();
        var ke = message.Find<KeyExchangePayload>();
        var nonce = message.Find<NoncePayload>();
        if (sa is null || ke is null || nonce is null)
        {
            return Failed("IKE rekey response lacks SA, Nr or KEr");
        }

        var suite = ProposalSelection.AcceptIke(sa, _sa.Config.IkeProposals);
        if (suite is null || suite.KeyExchange != _keyExchange!.Method || ke.Group != suite.KeyExchange
            || sa.Proposals[0].Spi.Length != IkeConstants.IkeSpiLength)
        {
            return Failed("IKE rekey response chose a proposal or group we did not offer");
        }

        _nonceR = nonce.Data;
        var peerSpi = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(sa.Proposals[0].Spi);
        if (peerSpi == 0 || !TryCreateSuccessor(suite, ke.Data, _newSpi, peerSpi))
        {
            return Failed("invalid KEr or SPI in the IKE rekey response");
        }

        ResolveAndHandOver();
        return TaskStatus.Success;
    }

    /// <summary>Moves the CHILD_SAs to the surviving successor and queues the deletes §2.8.2 asks of us.</summary>
    private void ResolveAndHandOver()
    {
        var ours = Successor!;
        if (_collision?.Successor is { } theirs && MinNonce(this).AsSpan().SequenceCompareTo(MinNonce(_collision)) < 0)
        {
            // Our exchange holds the lowest nonce: our successor is redundant; the peer deletes the old SA.
            LostCollision = true;
            _sa.MoveChildrenTo(theirs);
            ours.Delete("redundant IKE SA after a simultaneous rekey");
            return;
        }

        _sa.MoveChildrenTo(ours);
        _sa.Tasks.Queue(new DeleteTask(_sa, null, reason: "rekeyed"));
    }

    /// <summary>Computes the new keys (§2.18) and creates the successor IKE SA.</summary>
    private bool TryCreateSuccessor(IkeCipherSuite suite, byte[] peerPublic, ulong spiI, ulong spiR)
    {
        if (!_keyExchange!.TryComputeSharedSecret(peerPublic, out var secret, out _))
        {
            return false;
        }

        var skeyseed = IkeKeyMaterial.ComputeRekeySkeyseed(_sa.Suite!.Prf, _sa.Keys!.SkD, secret, _nonceI, _nonceR);
        var keys = IkeKeyMaterial.Derive(suite, skeyseed, _nonceI, _nonceR, spiI, spiR);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(skeyseed);
        _keyExchange.Dispose();
        _keyExchange = null;
        Successor = _sa.CreateSuccessor(_isInitiator, spiI, spiR, suite, keys);
        Successor.NonceInitiator = _nonceI;
        Successor.NonceResponder = _nonceR;
        return true;
    }

    private static byte[] MinNonce(IkeRekeyTask task)
        => task._nonceI.AsSpan().SequenceCompareTo(task._nonceR) <= 0 ? task._nonceI : task._nonceR;

    private static byte[] SpiBytes(ulong spi)
    {
        var bytes = new byte[IkeConstants.IkeSpiLength];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, spi);
        return bytes;
    }

    private TaskStatus Failed(string reason)
    {
        _sa.ChildFailureReason = reason;
        _keyExchange?.Dispose();
        _keyExchange = null;
        return TaskStatus.Failed;
    }
}
