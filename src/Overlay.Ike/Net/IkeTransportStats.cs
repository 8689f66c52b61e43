namespace Overlay.Ike.Net;

/// <summary>What the IKE transport received, queued, dropped and sent; every field is read atomically.</summary>
public sealed class IkeTransportStats
{
    private long _received, _processed, _queueFull, _runts, _handlerErrors, _sent, _sendErrors, _receiveErrors;
    private long _queued, _queuedBytes, _queueHighWater;

    /// <summary>IKE datagrams that arrived on either port.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Datagrams a worker handed to the SA manager.</summary>
    public long Processed => Interlocked.Read(ref _processed);

    /// <summary>Dropped on arrival because the queue was full (by count or by bytes).</summary>
    public long DroppedQueueFull => Interlocked.Read(ref _queueFull);

    /// <summary>Dropped on arrival: shorter than an IKE header.</summary>
    public long DroppedRunts => Interlocked.Read(ref _runts);

    /// <summary>A bug in handling one datagram (counted, never thrown out of a worker).</summary>
    public long HandlerErrors => Interlocked.Read(ref _handlerErrors);

    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Sends that failed (the retransmission covers them).</summary>
    public long SendErrors => Interlocked.Read(ref _sendErrors);

    /// <summary>Errors reported by the port 500 socket (e.g. ICMP unreachable from a peer that is down).</summary>
    public long ReceiveErrors => Interlocked.Read(ref _receiveErrors);

    /// <summary>Datagrams waiting for a worker now.</summary>
    public long Queued => Interlocked.Read(ref _queued);

    /// <summary>Bytes waiting for a worker now.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>The most datagrams that ever waited at once.</summary>
    public long QueueHighWater => Interlocked.Read(ref _queueHighWater);

    internal void OnReceived() => Interlocked.Increment(ref _received);

    internal void OnRunt() => Interlocked.Increment(ref _runts);

    internal void OnQueueFull() => Interlocked.Increment(ref _queueFull);

    internal void OnProcessed() => Interlocked.Increment(ref _processed);

    internal void OnHandlerError() => Interlocked.Increment(ref _handlerErrors);

    internal void OnSent(bool ok) => Interlocked.Increment(ref ok ? ref _sent : ref _sendErrors);

    internal void OnReceiveError() => Interlocked.Increment(ref _receiveErrors);

    /// <summary>Reserves room for a datagram of <paramref name="length"/> bytes; false (nothing reserved) when over the byte budget.</summary>
    internal bool TryReserve(int length, long budget)
    {
        if (Interlocked.Add(ref _queuedBytes, length) > budget)
        {
            Interlocked.Add(ref _queuedBytes, -length);
            return false;
        }

        long depth = Interlocked.Increment(ref _queued);
        long high = Interlocked.Read(ref _queueHighWater);
        while (depth > high && Interlocked.CompareExchange(ref _queueHighWater, depth, high) != high)
        {
            high = Interlocked.Read(ref _queueHighWater);
        }

        return true;
    }

    internal void Release(int length)
    {
        Interlocked.Add(ref _queuedBytes, -length);
        Interlocked.Decrement(ref _queued);
    }
}
