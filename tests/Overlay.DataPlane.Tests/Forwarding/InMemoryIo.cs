using System.Collections.Concurrent;
using Overlay.DataPlane.Io;

namespace Overlay.DataPlane.Tests.Forwarding;

/// <summary>A guest port in memory: tests push frames in and read what the pipeline delivered.</summary>
internal sealed class InMemoryPort : IGuestPortIo
{
    private readonly BlockingCollection<byte[]> _incoming = new();

    public InMemoryPort(string name) => Interface = name;

    public string Interface { get; }

    public BlockingCollection<byte[]> Delivered { get; } = new();

    public bool Disposed { get; private set; }

    public void Inject(byte[] frame) => _incoming.Add(frame);

    public int Receive(MessageBatch batch)
    {
        int n = 0;
        if (_incoming.TryTake(out byte[]? first, 20))
        {
            first.CopyTo(batch[n].Data, 0);
            batch[n++].Length = first.Length;
            while (n < batch.Capacity && _incoming.TryTake(out byte[]? more))
            {
                more.CopyTo(batch[n].Data, 0);
                batch[n++].Length = more.Length;
            }
        }

        batch.Count = n;
        return n;
    }

    public int Send(ReadOnlySpan<byte> frame)
    {
        Delivered.Add(frame.ToArray());
        return frame.Length;
    }

    public void Dispose() => Disposed = true;
}

/// <summary>Two underlays wired back to back: what one sends, the other receives (with the sender's address).</summary>
internal sealed class InMemoryUnderlay : IUnderlayIo
{
    private readonly BlockingCollection<(byte[] Data, UdpAddress From)> _incoming = new();

    public InMemoryUnderlay(UdpAddress local) => Local = local;

    public UdpAddress Local { get; }

    public InMemoryUnderlay? Peer { get; set; }

    /// <summary>Every datagram this side sent, as it left (for tampering tests).</summary>
    public ConcurrentQueue<byte[]> SentLog { get; } = new();

    /// <summary>Every datagram this side sent, with where it was sent to.</summary>
    public ConcurrentQueue<(byte[] Data, UdpAddress To)> SentTo { get; } = new();

    public bool Disposed { get; private set; }

    public void Inject(byte[] datagram, UdpAddress from) => _incoming.Add((datagram, from));

    public int Receive(MessageBatch batch)
    {
        int n = 0;
        if (_incoming.TryTake(out var first, 20))
        {
            Put(batch, n++, first);
            while (n < batch.Capacity && _incoming.TryTake(out var more))
            {
                Put(batch, n++, more);
            }
        }

        batch.Count = n;
        return n;
    }

    public int Send(MessageBatch batch, int start, int count)
    {
        for (int i = start; i < start + count; i++)
        {
            byte[] copy = batch[i].Valid.ToArray();
            SentLog.Enqueue(copy);
            SentTo.Enqueue((copy, batch.GetAddress(i)));
            Peer?.Inject(copy, Local);
        }

        return count;
    }

    public void Dispose() => Disposed = true;

    private static void Put(MessageBatch batch, int slot, (byte[] Data, UdpAddress From) item)
    {
        item.Data.CopyTo(batch[slot].Data, 0);
        batch[slot].Length = item.Data.Length;
        batch.SetAddress(slot, item.From);
    }
}
