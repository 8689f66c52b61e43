namespace Overlay.DataPlane.Io;

/// <summary>
/// The underlay of one host: its receive queues, all bound to this host's underlay endpoint, each read by
/// a receive loop (thread) of its own, and the way a loop's sealed batch leaves. A group of one queue is
/// the single socket of old; several queues are how inbound ESP is spread over cores (docs/dataplane.md
/// "Workers"). The group owns its queues.
/// </summary>
public sealed class UnderlayGroup : IDisposable
{
    /// <summary>sendmmsg's errno for a destination whose family has no queue here (EAFNOSUPPORT).</summary>
    internal const int NoQueueForFamily = -97;

    private readonly IUnderlayIo[] _queues;
    private readonly IUnderlayIo[] _ipv4;
    private readonly IUnderlayIo[] _ipv6;
    private readonly bool _oneFamily;

    public UnderlayGroup(IReadOnlyList<IUnderlayIo> queues)
    {
        ArgumentNullException.ThrowIfNull(queues);
        if (queues.Count == 0)
        {
            throw new ArgumentException("an underlay needs at least one receive queue", nameof(queues));
        }

        _queues = [.. queues];
        _ipv4 = [.. _queues.Where(q => !q.Local.IsIPv6)];
        _ipv6 = [.. _queues.Where(q => q.Local.IsIPv6)];
        _oneFamily = _ipv4.Length == 0 || _ipv6.Length == 0;
    }

    public IReadOnlyList<IUnderlayIo> Queues => _queues;

    /// <summary>Where the first queue is bound (every queue of a family shares it).</summary>
    public UdpAddress Local => _queues[0].Local;

    /// <summary>Where this host's queues of each family are bound: one address, or an IPv4 and an IPv6 one.</summary>
    public IReadOnlyList<UdpAddress> Locals => [.. _queues.Select(q => q.Local).Distinct()];

    /// <summary>Where the queues of <paramref name="ipv6"/>'s family are bound; null when this host has none of it.</summary>
    public UdpAddress? LocalOf(bool ipv6) => (ipv6 ? _ipv6 : _ipv4) is { Length: > 0 } family ? family[0].Local : null;

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
    /// port loop's index; IKE passes 0). On a host with both families each slot leaves through a queue of
    /// its destination's family: the first run of slots of one family goes in one call and the count sent
    /// is returned (the caller sends the rest, as after any partial send). A slot whose family has no queue
    /// here (a host that has only the other one) returns <see cref="NoQueueForFamily"/> when it comes first, so
    /// the caller counts and skips it; the kernel would refuse it anyway, and a refused GSO run would make the
    /// socket stop grouping datagrams of that size.
    /// </summary>
    public int Send(MessageBatch batch, int start, int count, int worker)
    {
        if (count <= 0)
        {
            return 0;
        }

        if (_oneFamily)
        {
            return batch.IsIPv6(start) == (_ipv6.Length > 0)
                ? _queues[(uint)worker % (uint)_queues.Length].Send(batch, start, count)
                : NoQueueForFamily;
        }

        bool ipv6 = batch.IsIPv6(start);
        int end = start + 1;
        while (end < start + count && batch.IsIPv6(end) == ipv6)
        {
            end++;
        }

        IUnderlayIo[] family = ipv6 ? _ipv6 : _ipv4;
        return family[(uint)worker % (uint)family.Length].Send(batch, start, end - start);
    }

    public void Dispose()
    {
        foreach (IUnderlayIo queue in _queues)
        {
            queue.Dispose();
        }
    }
}
