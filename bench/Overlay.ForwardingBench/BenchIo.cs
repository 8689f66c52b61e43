using Overlay.DataPlane.Io;

namespace Overlay.ForwardingBench;

/// <summary>
/// One underlay receive queue in memory. While a round runs, each receive copies the next pre-sealed ESP
/// datagrams into the batch (as recvmmsg copies them out of the kernel) with their sources; between
/// rounds it waits like an idle socket. What the pipeline sends through it is counted and dropped.
/// </summary>
internal sealed class FeedingUnderlay(UdpAddress local, TimeSpan idleWait) : IUnderlayIo
{
    private readonly ManualResetEventSlim _go = new();
    private SealedStream[] _streams = [];
    private int _next;
    private long _sent;

    public UdpAddress Local { get; } = local;

    /// <summary>Datagrams the pipeline sent through this queue.</summary>
    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Starts a round: the streams are fed once, interleaved one datagram each in turn.</summary>
    public void Feed(SealedStream[] streams)
    {
        foreach (SealedStream stream in streams)
        {
            stream.Rewind();
        }

        _streams = streams;
        _next = 0;
        _go.Set();
    }

    public int Receive(MessageBatch batch)
    {
        if (!_go.Wait(idleWait))
        {
            batch.Count = 0;
            return 0;
        }

        int n = 0;
        int exhausted = 0;
        SealedStream[] streams = _streams;
        while (n < batch.Capacity && exhausted < streams.Length)
        {
            SealedStream stream = streams[_next];
            _next = (_next + 1) % streams.Length;
            if (!stream.TryCopyNext(batch[n].Data, out int length))
            {
                exhausted++;
                continue;
            }

            exhausted = 0;
            batch[n].Length = length;
            batch.SetAddress(n, stream.Source);
            n++;
        }

        if (n == 0)
        {
            _go.Reset(); // the round is fed; wait for the next
        }

        batch.Count = n;
        return n;
    }

    public int Send(MessageBatch batch, int start, int count)
    {
        Interlocked.Add(ref _sent, count);
        return count;
    }

    public void Dispose() => _go.Dispose();
}

/// <summary>Datagrams sealed once, up front, on one SA: a round feeds each exactly once (the replay window sees each number once).</summary>
internal sealed class SealedStream(UdpAddress source, byte[] data, int datagramLength, int count)
{
    private int _cursor;

    public UdpAddress Source { get; } = source;

    public int Count { get; } = count;

    public void Rewind() => _cursor = 0;

    public bool TryCopyNext(byte[] into, out int length)
    {
        if (_cursor == Count)
        {
            length = 0;
            return false;
        }

        data.AsSpan(_cursor * datagramLength, datagramLength).CopyTo(into);
        _cursor++;
        length = datagramLength;
        return true;
    }
}

/// <summary>
/// A guest port in memory: counts the frames the pipeline delivers (and when the expected number arrived),
/// and, while generating, hands the pipeline full batches of guest frames, destinations taken in turn.
/// </summary>
internal sealed class BenchPort(string name, TimeSpan idleWait) : IGuestPortIo
{
    private readonly ManualResetEventSlim _generate = new();
    private readonly ManualResetEventSlim _reached = new();
    private byte[][] _frames = [];
    private int _next;
    private long _remaining;
    private long _delivered;
    private long _expected = long.MaxValue;

    public string Interface { get; } = name;

    public string Kind => "memory";

    public long Delivered => Volatile.Read(ref _delivered);

    /// <summary>When <see cref="Expect"/>'s count arrived (Stopwatch ticks).</summary>
    public long ReachedAt { get; private set; }

    public void Expect(long total)
    {
        _reached.Reset();
        Volatile.Write(ref _expected, total);
        if (Delivered >= total)
        {
            ReachedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            _reached.Set();
        }
    }

    public bool WaitReached(TimeSpan timeout) => _reached.Wait(timeout);

    /// <summary>Generates these frames in turn, <paramref name="limit"/> in all or until <see cref="StopGenerating"/>.</summary>
    public void Generate(byte[][] frames, long limit = long.MaxValue)
    {
        _frames = frames;
        _next = 0;
        _remaining = limit;
        _generate.Set();
    }

    public void StopGenerating() => _generate.Reset();

    public int Receive(MessageBatch batch)
    {
        if (!_generate.Wait(idleWait))
        {
            batch.Count = 0;
            return 0;
        }

        byte[][] frames = _frames;
        int n = (int)Math.Min(batch.Capacity, _remaining);
        for (int i = 0; i < n; i++)
        {
            byte[] frame = frames[_next];
            _next = (_next + 1) % frames.Length;
            frame.CopyTo(batch[i].Data, 0);
            batch[i].Length = frame.Length;
        }

        _remaining -= n;
        if (_remaining == 0)
        {
            _generate.Reset();
        }

        batch.Count = n;
        return n;
    }

    public int Send(ReadOnlySpan<byte> frame)
    {
        long delivered = Interlocked.Increment(ref _delivered);
        if (delivered == Volatile.Read(ref _expected))
        {
            ReachedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            _reached.Set();
        }

        return frame.Length;
    }

    public void Dispose()
    {
        _generate.Dispose();
        _reached.Dispose();
    }
}
