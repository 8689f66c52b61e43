namespace Overlay.DataPlane.Io;

/// <summary>
/// The underlay of one host: its receive queues, all bound to this host's underlay endpoint, each read by
/// a receive loop (thread) of its own, and the way a loop's sealed batch leaves. A group of one queue is
/// the single socket of old; several queues are how inbound ESP is spread over cores (docs/dataplane.md
/// "Workers"). The group owns its queues.
/// </summary>
public sealed class UnderlayGroup : IDisposable
{
    private readonly IUnderlayIo[] _queues;

    public UnderlayGroup(IReadOnlyList<IUnderlayIo> queues)
    {
        ArgumentNullException.ThrowIfNull(queues);
        if (queues.Count == 0)
        {
            throw new ArgumentException("an underlay needs at least one receive queue", nameof(queues));
        }

        _queues = [.. queues];
    }

    public IReadOnlyList<IUnderlayIo> Queues => _queues;

    /// <summary>Where the first queue is bound (every queue of a family shares it).</summary>
    public UdpAddress Local => _queues[0].Local;

    /// <summary>Datagrams the kernel dropped at any queue since it opened; for status, not per packet.</summary>
    public long KernelDrops
    {
        get
        {
            long sum = 0;
            foreach (IUnderlayIo queue in _queues)
            {
                sum += queue.KernelDrops;
            }

            return sum;
        }
    }

    /// <summary>
    /// Sends like <see cref="IUnderlayIo.Send"/>, through the queue the calling loop prefers, so that loops
    /// on different cores do not contend for one socket: <paramref name="worker"/> is any number &gt;= 0 (a
    /// port loop's index; IKE passes 0).
    /// </summary>
    public int Send(MessageBatch batch, int start, int count, int worker) =>
        _queues[(uint)worker % (uint)_queues.Length].Send(batch, start, count);

    public void Dispose()
    {
        foreach (IUnderlayIo queue in _queues)
        {
            queue.Dispose();
        }
    }
}
