using Overlay.Ike.Tasks;

namespace Overlay.Ike.Sa;

/// <summary>
/// SA lifetimes (RFC 7296 §2.8): timers from the injected <see cref="TimeProvider"/> rekey an SA
/// at its soft lifetime and delete it at its hard lifetime, so a rekey has the time between the
/// two to complete. A CHILD_SA's timers follow it when the IKE SA is rekeyed (they ask
/// <see cref="ChildSa.Owner"/>). Also the delayed retry after TEMPORARY_FAILURE (§2.25).
/// </summary>
public sealed partial class IkeSa
{
    private ITimer? _ikeRekeyTimer;
    private ITimer? _ikeExpireTimer;
    private readonly List<ITimer> _retryTimers = [];

    /// <summary>When the IKE SA became established (or was created by a rekey).</summary>
    public DateTimeOffset? EstablishedAt { get; private set; }

    /// <summary>
    /// The SA is authenticated: IKE_AUTH completed, or a rekey created it. Raised once per SA, with its lock held
    /// (so a half-open SA's bookkeeping ends before anything else can happen to it).
    /// </summary>
    public event Action<IkeSa>? Authenticated;

    internal void StartIkeTimers()
    {
        EstablishedAt = Services.Time.GetUtcNow();
        Authenticated?.Invoke(this);
        StartNatKeepalive();
        if (Config.Lifetime is not { } life)
        {
            return;
        }

        _ikeRekeyTimer = Services.Time.CreateTimer(_ => OnIkeRekeyTimerExpired(), null, life.RekeyDue(NextFraction()), Timeout.InfiniteTimeSpan);
        _ikeExpireTimer = Services.Time.CreateTimer(_ => OnIkeExpireTimerExpired(), null, life.HardAfter, Timeout.InfiniteTimeSpan);
    }

    private void StopIkeTimers()
    {
        _ikeRekeyTimer?.Dispose();
        _ikeExpireTimer?.Dispose();
        _ikeRekeyTimer = _ikeExpireTimer = null;
        StopNatKeepalive();
        foreach (var timer in _retryTimers)
        {
            timer.Dispose();
        }

        _retryTimers.Clear();
    }

    private void StartChildTimers(ChildSa child)
    {
        if (child.Template?.Lifetime is not { } life)
        {
            return;
        }

        child.RekeyTimer = Services.Time.CreateTimer(_ => child.Owner?.OnChildRekeyTimerExpired(child), null,
            life.RekeyDue(NextFraction()), Timeout.InfiniteTimeSpan);
        child.ExpireTimer = Services.Time.CreateTimer(_ => child.Owner?.OnChildExpireTimerExpired(child), null,
            life.HardAfter, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Soft lifetime of a CHILD_SA: rekey it, unless it was already replaced or deleted.</summary>
    internal void OnChildRekeyTimerExpired(ChildSa child)
    {
        lock (Sync)
        {
            if (State == IkeSaState.Established && _children.Contains(child) && child.ReplacedBy is null)
            {
                Tasks.Queue(new ChildRekeyTask(this, child));
                Tasks.Initiate();
            }
        }
    }

    /// <summary>Hard lifetime of a CHILD_SA: out of the data plane now, then tell the peer (§1.4.1).</summary>
    internal void OnChildExpireTimerExpired(ChildSa child)
    {
        lock (Sync)
        {
            if (State == IkeSaState.Destroyed || !RemoveChild(child))
            {
                return;
            }

            ChildFailureReason = $"{child.Name} reached its hard lifetime";
            Tasks.Queue(new DeleteTask(this, child));
            Tasks.Initiate();
        }
    }

    internal void OnIkeRekeyTimerExpired()
    {
        lock (Sync)
        {
            if (State == IkeSaState.Established && SupersededBy is null)
            {
                Tasks.Queue(new IkeRekeyTask(this));
                Tasks.Initiate();
            }
        }
    }

    /// <summary>
    /// Hard lifetime of the IKE SA: it ends with every CHILD_SA it still has. We say so with a
    /// DELETE when the exchange window is free; when an exchange (typically the rekey) is still
    /// unanswered the SA is destroyed at once, because its keys must not be used any longer.
    /// </summary>
    internal void OnIkeExpireTimerExpired()
    {
        lock (Sync)
        {
            if (State is not (IkeSaState.Established or IkeSaState.Deleting))
            {
                return;
            }

            const string reason = "IKE SA reached its hard lifetime";
            if (Tasks.ActiveTasks.Count > 0)
            {
                Destroy(reason);
                return;
            }

            Tasks.Queue(new DeleteTask(this, null, reason: reason));
            Tasks.Initiate();
        }
    }

    /// <summary>
    /// Destroys a half-open SA — IKE_SA_INIT done or under way, IKE_AUTH not authenticated — with
    /// <paramref name="reason"/>; false when the SA is no longer half-open (authenticated or already gone).
    /// </summary>
    internal bool ExpireHalfOpen(IkeFailureReason kind, string reason)
    {
        lock (Sync)
        {
            if (State is not (IkeSaState.Created or IkeSaState.Connecting))
            {
                return false;
            }

            FailureKind ??= kind;
            Destroy(reason);
            return true;
        }
    }

    /// <summary>
    /// Queues <paramref name="task"/> again after one to two times <paramref name="delay"/>
    /// (TEMPORARY_FAILURE, §2.25: not at once). The random part keeps two peers that refused each
    /// other from colliding again on the retry.
    /// </summary>
    internal void RetryLater(Func<IIkeTask> task, TimeSpan delay)
    {
        delay += delay * NextFraction();
        ITimer? timer = null;
        timer = Services.Time.CreateTimer(_ =>
        {
            lock (Sync)
            {
                _retryTimers.Remove(timer!);
                timer!.Dispose();
                if (State == IkeSaState.Established && SupersededBy is null)
                {
                    Tasks.Queue(task());
                    Tasks.Initiate();
                }
            }
        }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _retryTimers.Add(timer);
        timer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A number in [0, 1) from the injected randomness, for lifetime jitter.</summary>
    private double NextFraction()
    {
        Span<byte> bytes = stackalloc byte[4];
        Services.Random.Fill(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes) / (double)uint.MaxValue;
    }
}
