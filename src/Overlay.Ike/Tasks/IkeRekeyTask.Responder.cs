using Overlay.Ike.Crypto;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tasks;

/// <summary>The responder's half of an IKE SA rekey: choose a proposal, answer with our new SPI, create the successor.</summary>
public sealed partial class IkeRekeyTask
{
    private NotifyPayload? _refusal;
    private Proposal? _chosen;
    private IkeCipherSuite? _suite;
    private byte[] _peerPublic = [];
    private ulong _peerSpi;

    private TaskStatus ProcessRequest(IkeMessage message)
    {
        var active = _sa.Tasks.ActiveTasks;
        if (active.Any(t => t is ChildCreateTask or ChildRekeyTask || (t is DeleteTask d && d.DeletesIkeSa)) || !_sa.AcceptsNewWork)
        {
            // §2.25.2: not while we create, rekey or delete SAs on this IKE SA.
            return Refuse(new NotifyPayload(NotifyType.TemporaryFailure), "busy with a CHILD_SA or delete exchange");
        }

        var sa = message.Find<SecurityAssociationPayload>();
        var ke = message.Find<KeyExchangePayload>();
        var nonce = message.Find<NoncePayload>();
        if (sa is null || ke is null || nonce is null)
        {
            return Refuse(new NotifyPayload(NotifyType.InvalidSyntax), "IKE rekey request lacks SA, Ni or KEi");
        }

        var selection = ProposalSelection.SelectIke(sa, _sa.Config.IkeProposals, ke.Group);
        var offered = selection is { } s ? sa.Proposals.First(p => p.Number == s.Chosen.Number && p.Protocol == IkeProtocolId.Ike) : null;
        if (selection is not { } chosen || offered!.Spi.Length != IkeConstants.IkeSpiLength)
        {
            return Refuse(new NotifyPayload(NotifyType.NoProposalChosen), "no IKE proposal we accept");
        }

        if (chosen.Suite.KeyExchange != ke.Group)
        {
            return Refuse(NotifyPayload.InvalidKe(chosen.Suite.KeyExchange), "KEi of a group we do not choose");
        }

        _peerSpi = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(offered.Spi);
        if (_peerSpi == 0)
        {
            return Refuse(new NotifyPayload(NotifyType.InvalidSyntax), "zero SPI in the IKE rekey proposal");
        }

        (_suite, _chosen, _nonceI, _peerPublic) = (chosen.Suite, chosen.Chosen, nonce.Data, ke.Data);
        _keyExchange = _sa.Services.KeyExchanges.Create(ke.Group);
        return TaskStatus.NeedMore;
    }

    private TaskStatus BuildResponse(IkeMessage message)
    {
        if (_refusal is not null)
        {
            message.Add(_refusal);
            return TaskStatus.Failed;
        }

        _newSpi = _sa.AllocateIkeSpi();
        _nonceR = _sa.CreateNonce();
        var publicKey = _keyExchange!.PublicKey.ToArray();
        var group = _keyExchange.Method;
        if (!TryCreateSuccessor(_suite!, _peerPublic, _peerSpi, _newSpi))
        {
            message.Add(new NotifyPayload(NotifyType.InvalidSyntax));
            return Failed("invalid KEi in the IKE rekey request");
        }

        message.Add(new SecurityAssociationPayload([_chosen! with { Spi = SpiBytes(_newSpi) }]));
        message.Add(new NoncePayload(_nonceR));
        message.Add(new KeyExchangePayload(group, publicKey));
        if (_sa.Tasks.ActiveTasks.OfType<IkeRekeyTask>().FirstOrDefault(t => t._isInitiator) is { } ours)
        {
            ours._collision = this; // §2.8.2: decided when our own exchange completes
        }
        else
        {
            _sa.MoveChildrenTo(Successor!); // the peer deletes the old IKE SA next
        }

        return TaskStatus.Success;
    }

    private TaskStatus Refuse(NotifyPayload notify, string reason)
    {
        _refusal = notify;
        _sa.ChildFailureReason = $"{notify.Type}: {reason}";
        if (IkeFailureReasons.IsFailure(notify.Type))
        {
            _sa.ReportFailure(IkeFailureReasons.FromNotify(notify.Type), $"refused its IKE SA rekey with {notify.Type}: {reason}");
        }

        return TaskStatus.Failed;
    }
}
