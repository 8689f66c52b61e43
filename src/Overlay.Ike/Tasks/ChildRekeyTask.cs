using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tasks;

/// <summary>
/// Rekeys a CHILD_SA (RFC 7296 §1.3.3, §2.8): a CREATE_CHILD_SA whose REKEY_SA notify names the
/// SA being replaced by the SPI its sender receives on, with fresh nonces (and a KE with PFS).
/// <code>
/// HDR, SK {N(REKEY_SA), SA, Ni, [KEi,] TSi, TSr}  -->
///                            &lt;--  HDR, SK {SA, Nr, [KEr,] TSi, TSr}
/// </code>
/// Make-before-break: the new CHILD_SA goes to the <see cref="IChildSaSink"/> when the exchange
/// completes, and only then does the initiator delete the old one (§2.8), so ESP never lacks an
/// SA. When both peers rekey the same CHILD_SA at once (§2.8.1), both exchanges complete; the
/// one containing the lowest of the four nonces made a redundant SA, which its initiator
/// deletes, and the other initiator deletes the old SA. Collisions answered here (§2.25.1):
/// a CHILD_SA we are deleting gets TEMPORARY_FAILURE, an unknown one CHILD_SA_NOT_FOUND.
/// </summary>
public sealed partial class ChildRekeyTask : IIkeTask
{
    private readonly IkeSa _sa;
    private readonly bool _isInitiator;
    private ChildSa? _old;
    private ChildCreateTask? _create;

    /// <summary>The peer's rekey of the same CHILD_SA that we answered while ours was in flight (§2.8.1).</summary>
    private ChildRekeyTask? _collision;

    /// <summary>Initiator: rekey <paramref name="old"/>.</summary>
    public ChildRekeyTask(IkeSa sa, ChildSa old)
        : this(sa, old, isInitiator: true)
    {
    }

    private ChildRekeyTask(IkeSa sa, ChildSa? old, bool isInitiator)
    {
        _sa = sa;
        _old = old;
        _isInitiator = isInitiator;
    }

    /// <summary>The responder's task for a CREATE_CHILD_SA request with REKEY_SA.</summary>
    public static ChildRekeyTask Responder(IkeSa sa) => new(sa, null, isInitiator: false);

    public TaskKind Kind => TaskKind.ChildRekey;

    /// <summary>The CHILD_SA being replaced.</summary>
    public ChildSa? Old => _old;

    /// <summary>The CHILD_SA this exchange created, once it did.</summary>
    public ChildSa? Created => _create?.Created;

    /// <summary>True when this exchange lost a §2.8.1 collision and its new SA was deleted as redundant.</summary>
    public bool LostCollision { get; private set; }

    public TaskStatus Build(IkeMessage message) => _isInitiator ? BuildRequest(message) : BuildResponse(message);

    public TaskStatus Process(IkeMessage message) => _isInitiator ? ProcessResponse(message) : ProcessRequest(message);

    private TaskStatus BuildRequest(IkeMessage message)
    {
        var old = _old!;
        if (!_sa.Children.Contains(old) || old.ReplacedBy is not null || old.Template is null)
        {
            return TaskStatus.Success; // deleted or already rekeyed (by the peer) meanwhile: nothing to do
        }

        _create = new ChildCreateTask(_sa, RekeyConfig(old)) { Replaces = old };
        return _create.Build(message);
    }

    /// <summary>The same label and selectors as the old SA (§2.8: the new SA inherits them), its suite first.</summary>
    private static ChildSaConfig RekeyConfig(ChildSa old)
    {
        var template = old.Template!;
        var label = old.Label.Length == 0 ? null : old.Label;
        var proposals = new List<EspSuite> { old.Suite };
        proposals.AddRange(template.EspProposals.Where(s => s != old.Suite));
        if (old.Suite.KeyExchange == KeyExchangeMethod.None && template.EspProposals.FirstOrDefault() is { KeyExchange: not KeyExchangeMethod.None } pfs)
        {
            proposals[0] = old.Suite with { KeyExchange = pfs.KeyExchange }; // IKE_AUTH could not do PFS; a rekey can
        }

        return template with { Label = label, LocalSelectors = old.LocalSelectors, RemoteSelectors = old.RemoteSelectors, EspProposals = proposals };
    }

    private TaskStatus ProcessResponse(IkeMessage message)
    {
        var old = _old!;
        var status = _create!.Process(message);
        if (status == TaskStatus.Failed)
        {
            OnFailed(old, _create.PeerError);
            return TaskStatus.Failed;
        }

        if (status != TaskStatus.Success || _create.Created is not { } created)
        {
            return status;
        }

        if (_collision?.Created is { } theirs && MinNonce(this).AsSpan().SequenceCompareTo(MinNonce(_collision)) < 0)
        {
            // §2.8.1: our exchange holds the lowest nonce, so our new SA is the redundant one.
            LostCollision = true;
            old.ReplacedBy = theirs;
            _sa.Tasks.Queue(new DeleteTask(_sa, created));
            return TaskStatus.Success;
        }

        old.ReplacedBy = created;
        _sa.Tasks.Queue(new DeleteTask(_sa, old));
        return TaskStatus.Success;
    }

    /// <summary>§2.25: TEMPORARY_FAILURE → try again later; CHILD_SA_NOT_FOUND → drop ours and create it afresh.</summary>
    private void OnFailed(ChildSa old, NotifyType error)
    {
        switch (error)
        {
            case NotifyType.TemporaryFailure:
                _sa.RetryLater(() => new ChildRekeyTask(_sa, old), _sa.Config.TemporaryFailureRetry);
                break;
            case NotifyType.ChildSaNotFound when old.Template is { } template:
                _sa.RemoveChild(old);
                _sa.Tasks.Queue(new ChildCreateTask(_sa, RekeyConfig(old) with { EspProposals = template.EspProposals }));
                break;
        }
    }

    /// <summary>The lowest nonce of one exchange, compared as unsigned octet strings.</summary>
    private static byte[] MinNonce(ChildRekeyTask task)
    {
        var (ni, nr) = (task._create!.NonceInitiator, task._create.NonceResponder);
        return ni.AsSpan().SequenceCompareTo(nr) <= 0 ? ni : nr;
    }
}
