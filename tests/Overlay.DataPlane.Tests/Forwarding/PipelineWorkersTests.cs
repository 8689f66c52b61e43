using System.Net;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using static Overlay.DataPlane.Tests.Forwarding.PipelineTests;

namespace Overlay.DataPlane.Tests.Forwarding;

/// <summary>
/// Workers in the pipeline, with in-memory I/O: a port with several receive queues (a fanout group) gets a loop per
/// queue, and underlay workers merge frames towards a port only in a queue of their own.
/// </summary>
public sealed class PipelineWorkersTests
{
    private static readonly IPAddress C = IPAddress.Parse("10.200.0.3");
    private static readonly IPAddress D = IPAddress.Parse("10.200.0.4");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Each_port_queue_has_a_loop_and_a_worker_merges_only_in_its_own_queue()
    {
        var first = new InMemoryUnderlay(UdpAddress.From(C, 4500));
        var second = new InMemoryUnderlay(UdpAddress.From(C, 4500));
        var d = new InMemoryUnderlay(UdpAddress.From(D, 4500)) { Peer = second }; // D's datagrams reach C's worker 1
        first.Peer = d;
        second.Peer = d;
        var redC = new QueuedPort("red-c", 2);
        var blueC = new QueuedPort("blue-c", 1);
        var (redD, blueD) = (new QueuedPort("red-d", 1), new QueuedPort("blue-d", 1));
        await using Pipeline c = Host(new UnderlayGroup([first, second]), D, redC, blueC, outSpi: 0x3000, inSpi: 0x4000, workers: 2);
        await using Pipeline dHost = Host(new UnderlayGroup([d]), C, redD, blueD, outSpi: 0x4000, inSpi: 0x3000, workers: 1);
        c.Start();
        dHost.Start();

        // Outbound: a frame on each of red C's queues is read (by its own loop) and reaches D.
        redC.Queue(0).Inject(Frame(Mac(0xd), Mac(0xc), EthernetFrame.EtherTypeIPv4, 64));
        redC.Queue(1).Inject(Frame(Mac(0xd), Mac(0xc), EthernetFrame.EtherTypeIPv4, 65));
        Assert.True(redD.Queue(0).Delivered.TryTake(out byte[]? one, Wait));
        Assert.True(redD.Queue(0).Delivered.TryTake(out byte[]? two, Wait));
        Assert.Equal([64 + 14, 65 + 14], new[] { one!.Length, two!.Length }.Order());
        Assert.Equal(2, c.Snapshot().Ports.Single(p => p.Name == "red-c").ReceivedPackets);

        // Inbound on worker 1: red C has a queue 1, so the worker merges there; blue C has one queue (worker 0's).
        redD.Queue(0).Inject(Frame(Mac(0xc), Mac(0xd), EthernetFrame.EtherTypeIPv4, 64));
        blueD.Queue(0).Inject(Frame(Mac(0xe), Mac(0xf), EthernetFrame.EtherTypeIPv4, 64));
        Assert.True(redC.Queue(1).Delivered.TryTake(out _, Wait));
        Assert.True(blueC.Queue(0).Delivered.TryTake(out _, Wait));
        Assert.Equal((0, 1), (redC.Queue(0).Coalesced, redC.Queue(1).Coalesced));
        Assert.Equal(0, blueC.Queue(0).Coalesced); // sent as it came: worker 0 may be merging in that queue
        Assert.True(redC.Queue(1).Flushes >= 1);

        PipelineStatus status = c.Snapshot();
        Assert.Equal(2, status.Workers);
        Assert.Equal([0L, 2L], status.WorkerCounters.Select(w => w.EspOpened));
        Assert.Equal(2, status.WorkerCounters[1].EspReceived);
        Assert.Equal(2, status.UnderlayCounters.EspReceived);

        await c.StopAsync();
        Assert.True(redC.Queue(0).Disposed && redC.Queue(1).Disposed);
    }

    /// <summary>A port of n in-memory queues (n = 1: the port is its queue), like a fanout group.</summary>
    private sealed class QueuedPort(string name, int queues) : IGuestPortIo
    {
        private readonly CountingQueue[] _queues = [.. Enumerable.Range(0, queues).Select(_ => new CountingQueue(name))];

        public string Interface => name;

        public IReadOnlyList<IGuestPortIo>? Queues => _queues.Length == 1 ? null : _queues;

        public CountingQueue Queue(int i) => _queues[i];

        public int Receive(MessageBatch batch) => _queues[0].Receive(batch);

        public int Send(ReadOnlySpan<byte> frame) => _queues[0].Send(frame);

        public int SendCoalescing(ReadOnlySpan<byte> frame) => _queues[0].SendCoalescing(frame);

        public int Flush() => _queues[0].Flush();

        public void Dispose()
        {
            foreach (CountingQueue q in _queues)
            {
                q.Dispose();
            }
        }
    }

    /// <summary>An in-memory queue that counts the frames handed to it for merging, and the flushes.</summary>
    private sealed class CountingQueue(string name) : IGuestPortIo
    {
        private readonly InMemoryPort _port = new(name);
        private int _coalesced;
        private int _flushes;

        public string Interface => name;

        public System.Collections.Concurrent.BlockingCollection<byte[]> Delivered => _port.Delivered;

        public int Coalesced => Volatile.Read(ref _coalesced);

        public int Flushes => Volatile.Read(ref _flushes);

        public bool Disposed => _port.Disposed;

        public void Inject(byte[] frame) => _port.Inject(frame);

        public int Receive(MessageBatch batch) => _port.Receive(batch);

        public int Send(ReadOnlySpan<byte> frame) => _port.Send(frame);

        public int SendCoalescing(ReadOnlySpan<byte> frame)
        {
            Interlocked.Increment(ref _coalesced);
            return _port.Send(frame);
        }

        public int Flush()
        {
            Interlocked.Increment(ref _flushes);
            return 0;
        }

        public void Dispose() => _port.Dispose();
    }
}
