using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Tasks;
using TaskStatus = Overlay.Ike.Tasks.TaskStatus;

namespace Overlay.Ike.Sa;

/// <summary>Counters a user (or test) checks to see what happened to messages of one IKE SA.</summary>
public sealed class TaskManagerStats
{
    public int RequestsSent { get; internal set; }
    public int ResponsesSent { get; internal set; }
    public int Retransmits { get; internal set; }
    public int DuplicateRequestsAnswered { get; internal set; }
    public int Dropped { get; internal set; }
    public string? LastDropReason { get; internal set; }

    /// <summary>Messages we sent as SKF fragments (RFC 7383).</summary>
    public int FragmentedMessagesSent { get; internal set; }

    /// <summary>Authenticated fragments stored while their message was incomplete.</summary>
    public int FragmentsKept { get; internal set; }

    /// <summary>Authenticated fragments already stored (retransmissions), ignored.</summary>
    public int DuplicateFragments { get; internal set; }

    /// <summary>Fragmented messages put back together.</summary>
    public int MessagesReassembled { get; internal set; }
}

/// <summary>
/// Runs the exchanges of one IKE SA (convention 7, strongSwan's task_manager_v2): owns both
/// message ID counters with a window of one (RFC 7296 §2.3), the queued (waiting to start),
/// active (our request in flight) and passive (answering the peer) task lists, retransmission
/// with exponential back-off (§2.1, timers from the injected <see cref="TimeProvider"/>), and the
/// cached last response that answers a retransmitted request (§2.1). Not thread-safe by itself:
/// <see cref="IkeSa"/> locks around every entry point.
/// </summary>
public sealed partial class TaskManager : IDisposable
{
    private readonly IkeSa _sa;
    private readonly List<IIkeTask> _queued = [];
    private readonly List<IIkeTask> _active = [];
    private readonly List<IIkeTask> _passive = [];
    private IkeExchangeType _activeExchange;

    /// <summary>Message ID of our next (or in-flight) request.</summary>
    private uint _initiatingId;

    /// <summary>Message ID of the next request we expect from the peer.</summary>
    private uint _respondingId;

    internal TaskManager(IkeSa sa)
    {
        _sa = sa;
    }

    public TaskManagerStats Stats { get; } = new();

    public IReadOnlyList<IIkeTask> QueuedTasks => _queued;

    public IReadOnlyList<IIkeTask> ActiveTasks => _active;

    /// <summary>The message ID our next request gets (or the in-flight one carries).</summary>
    public uint NextRequestId => _initiatingId;

    /// <summary>The message ID we expect on the peer's next request.</summary>
    public uint ExpectedRequestId => _respondingId;

    internal void Queue(IIkeTask task) => _queued.Add(task);

    /// <summary>Starts the next exchange if none of ours is in flight (window size 1, §2.3).</summary>
    internal void Initiate()
    {
        while (_active.Count == 0 && _sa.State != IkeSaState.Destroyed && ActivateNext())
        {
            if (SendRequest())
            {
                return;
            }
        }
    }

    /// <summary>
    /// Moves the next queued tasks to the active list: IKE_SA_INIT first, then IKE_AUTH together
    /// with the first CHILD_SA, then one task per CREATE_CHILD_SA or INFORMATIONAL exchange.
    /// </summary>
    private bool ActivateNext()
    {
        if (_queued.Count == 0)
        {
            return false;
        }

        if (_sa.SupersededBy is not null)
        {
            // A rekeyed IKE SA only deletes itself (or a redundant CHILD_SA); other work belongs to the successor.
            _queued.RemoveAll(t => t.Kind != TaskKind.Delete);
            if (_queued.Count == 0)
            {
                return false;
            }
        }

        var first = _queued[0];
        if (_sa.State is IkeSaState.Created or IkeSaState.Connecting && first.Kind is not (TaskKind.IkeInit or TaskKind.IkeAuth))
        {
            return false; // CHILD_SAs, deletes and DPD wait until the IKE SA is up
        }

        if (_sa.State == IkeSaState.Deleting)
        {
            return false;
        }

        _activeExchange = ExchangeOf(first);
        _active.Add(first);
        _queued.RemoveAt(0);
        if (_activeExchange == IkeExchangeType.IkeAuth && _queued.Count > 0 && _queued[0].Kind == TaskKind.ChildCreate)
        {
            _active.Add(_queued[0]);
            _queued.RemoveAt(0);
        }

        return true;
    }

    private IkeExchangeType ExchangeOf(IIkeTask task) => task.Kind switch
    {
        TaskKind.IkeInit => IkeExchangeType.IkeSaInit,
        TaskKind.IkeAuth => IkeExchangeType.IkeAuth,
        TaskKind.ChildCreate => _sa.State == IkeSaState.Established ? IkeExchangeType.CreateChildSa : IkeExchangeType.IkeAuth,
        TaskKind.ChildRekey or TaskKind.IkeRekey => IkeExchangeType.CreateChildSa,
        _ => IkeExchangeType.Informational,
    };

    /// <summary>Builds and sends the request of the active tasks; false when none of them wanted to send.</summary>
    private bool SendRequest()
    {
        var flags = _sa.IsOriginalInitiator ? IkeHeaderFlags.Initiator : IkeHeaderFlags.None;
        var header = new IkeHeader(_sa.InitiatorSpi, _sa.ResponderSpi, IkePayloadType.NoNextPayload, _activeExchange, flags, _initiatingId, 0);
        var message = new IkeMessage(header, []);
        foreach (var task in _active.ToArray())
        {
            var status = task.Build(message);
            if (status == TaskStatus.Wait)
            {
                DeferRequest(); // nothing was sent; ResumeDeferred builds the whole request again
                return true;
            }

            if (status == TaskStatus.DestroySa || (status == TaskStatus.Failed && IsSetupTask(task)))
            {
                _sa.Destroy(_sa.FailureReason ?? $"{task.Kind} failed to build");
                return true;
            }

            if (status is TaskStatus.Failed or TaskStatus.Success)
            {
                _active.Remove(task);
            }
        }

        if (_active.Count == 0)
        {
            return false;
        }

        var datagrams = Encode(message);
        if (_activeExchange == IkeExchangeType.IkeSaInit)
        {
            _sa.InitRequest = datagrams[0];
        }

        Stats.RequestsSent++;
        StartRetransmitting(datagrams);
        return true;
    }

    /// <summary>IKE_SA_INIT and IKE_AUTH failures end the IKE SA; other tasks fail alone.</summary>
    private static bool IsSetupTask(IIkeTask task) => task.Kind is TaskKind.IkeInit or TaskKind.IkeAuth;

    /// <summary>
    /// Orders the payloads by the message rules and encodes; everything after IKE_SA_INIT goes
    /// inside SK, or into SKF fragments when it is too big for one datagram (RFC 7383 §2.5).
    /// </summary>
    private List<byte[]> Encode(IkeMessage message)
    {
        var ordered = MessageValidator.Order(message.Header.ExchangeType, message.IsResponse, message.Payloads);
        if (message.Header.ExchangeType == IkeExchangeType.IkeSaInit)
        {
            return [new IkeMessage(message.Header, ordered).ToArray()];
        }

        var protector = _sa.Protector!;
        if (MayFragment)
        {
            var max = _sa.Config.Fragmentation.MaxIkeMessageLength(_sa.Remote);
            if (protector.GetProtectedMessageLength(ordered) > max && protector.ProtectFragments(message.Header, ordered, max, _sa.Config.Fragmentation.MaxFragments) is { Count: > 0 } fragments)
            {
                Stats.FragmentedMessagesSent++;
                return fragments;
            }
        }

        return [protector.Protect(message.Header, ordered)];
    }

    /// <summary>Both sides announced IKEV2_FRAGMENTATION_SUPPORTED in IKE_SA_INIT (RFC 7383 §2.3).</summary>
    private bool MayFragment => _sa.Config.AnnounceFragmentation && _sa.PeerSupportsFragmentation;

    private void Send(IReadOnlyList<byte[]> datagrams)
    {
        foreach (var datagram in datagrams)
        {
            _sa.Services.Sender.Send(datagram, _sa.Local, _sa.Remote);
        }

        _sa.LastSentAt = _sa.Services.Time.GetUtcNow();
    }

    private void Drop(string reason)
    {
        Stats.Dropped++;
        Stats.LastDropReason = reason;
    }

    public void Dispose()
    {
        StopRetransmitting();
        DisposeTimer();
        DisposeDeferTimer();
        ReleaseReassemblies();
        _queued.Clear();
        _active.Clear();
        _passive.Clear();
    }
}
