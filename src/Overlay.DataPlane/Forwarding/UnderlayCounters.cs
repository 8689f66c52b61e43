using Overlay.DataPlane.Counters;

namespace Overlay.DataPlane.Forwarding;

/// <summary>
/// What crossed the underlay socket, by kind (RFC 3948 demultiplexing). Lock-free, with one row of cells per
/// worker (<see cref="Workers.Current"/>, up to <see cref="MaxWorkers"/>): every receive loop counts every
/// datagram here, so one shared cell would be a cache line bouncing between cores on each packet. Reads sum the
/// rows; <see cref="Worker"/> reads one.
/// </summary>
public sealed class UnderlayCounters
{
    /// <summary>Rows kept: one per worker the daemon allows (<c>[dataplane] workers</c> is at most this).</summary>
    public const int MaxWorkers = PipelineOptions.MaxWorkers;

    private const int Datagrams = 0;
    private const int Esp = 1;
    private const int Ike = 2;
    private const int Keepalives = 3;
    private const int Sent = 4;
    private const int SentBytes = 5;
    private const int Batches = 6;
    private const int KeepalivesOut = 7;
    private const int Moves = 8;
    private const int Opened = 9;

    /// <summary>longs from one worker's row to the next: 10 cells rounded up to 2 cache lines, plus one line of gap.</summary>
    private const int RowStride = 24;

    // Receive cells are written by underlay loops, send cells by port loops (and IKE): apart, so loop i of each kind
    // does not share a line with the other kind's loop i.
    private readonly long[] _cells = new long[MaxWorkers * RowStride];
    private readonly long[] _sendCells = new long[MaxWorkers * RowStride];

    public long DatagramsReceived => Sum(_cells, Datagrams);

    public long EspReceived => Sum(_cells, Esp);

    /// <summary>ESP packets that passed the replay check and the ICV (the SA opened them).</summary>
    public long EspOpened => Sum(_cells, Opened);

    public long IkeReceived => Sum(_cells, Ike);

    public long KeepalivesReceived => Sum(_cells, Keepalives);

    public long PacketsSent => Sum(_sendCells, Sent);

    public long BytesSent => Sum(_sendCells, SentBytes);

    /// <summary>NAT-keepalives sent (RFC 3948 §2.3): the tunnel to a peer was quiet for a keepalive interval.</summary>
    public long KeepalivesSent => Sum(_sendCells, KeepalivesOut);

    /// <summary>Tunnels moved to a new peer endpoint by authenticated ESP from it (RFC 7296 §2.23).</summary>
    public long RemoteMoves => Sum(_cells, Moves);

    /// <summary>sendmmsg calls; <see cref="PacketsSent"/> / this is the mean batch size.</summary>
    public long SendBatches => Sum(_sendCells, Batches);

    /// <summary>What worker <paramref name="worker"/> (0..<see cref="MaxWorkers"/>-1) received and opened.</summary>
    public WorkerCounters Worker(int worker)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(worker);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(worker, MaxWorkers);
        int row = worker * RowStride;
        return new WorkerCounters(Volatile.Read(ref _cells[row + Datagrams]), Volatile.Read(ref _cells[row + Esp]),
            Volatile.Read(ref _cells[row + Opened]));
    }

    internal void OnDatagram() => Count(Datagrams);

    internal void OnEsp() => Count(Esp);

    internal void OnOpened() => Count(Opened);

    internal void OnIke() => Count(Ike);

    internal void OnKeepalive() => Count(Keepalives);

    internal void OnKeepaliveSent() => Interlocked.Increment(ref _sendCells[Row + KeepalivesOut]);

    internal void OnRemoteMoved() => Count(Moves);

    internal void OnSent(int packets, long bytes)
    {
        int row = Row;
        Interlocked.Add(ref _sendCells[row + Sent], packets);
        Interlocked.Add(ref _sendCells[row + SentBytes], bytes);
        Interlocked.Increment(ref _sendCells[row + Batches]);
    }

    private static int Row => (Workers.Current & (MaxWorkers - 1)) * RowStride;

    private void Count(int cell) => Interlocked.Increment(ref _cells[Row + cell]);

    private static long Sum(long[] cells, int cell)
    {
        long sum = 0;
        for (int at = cell; at < cells.Length; at += RowStride)
        {
            sum += Volatile.Read(ref cells[at]);
        }

        return sum;
    }
}

/// <summary>One worker's share of the underlay: datagrams it read, ESP among them, and ESP it opened.</summary>
public readonly record struct WorkerCounters(long DatagramsReceived, long EspReceived, long EspOpened);
