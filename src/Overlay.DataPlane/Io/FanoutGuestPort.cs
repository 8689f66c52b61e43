namespace Overlay.DataPlane.Io;

/// <summary>
/// One guest port read through several AF_PACKET sockets of one PACKET_FANOUT group
/// (<see cref="PacketSocketPort.OpenFanout"/>), so the frames a guest sends are split by flow over as many
/// port loops (workers) as there are sockets. The pipeline reads each queue with its own loop; frames to the
/// guest go out through any socket (queue 0 here, or the underlay worker's own queue when it merges a flow's
/// segments, see <see cref="IGuestPortIo.Queues"/>). Owns its sockets; counters are summed over them.
/// </summary>
public sealed class FanoutGuestPort : IGuestPortIo
{
    private readonly PacketSocketPort[] _queues;

    public FanoutGuestPort(IReadOnlyList<PacketSocketPort> queues)
    {
        ArgumentNullException.ThrowIfNull(queues);
        if (queues.Count == 0)
        {
            throw new ArgumentException("a fanout port needs at least one socket", nameof(queues));
        }

        _queues = [.. queues];
    }

    public IReadOnlyList<IGuestPortIo>? Queues => _queues;

    public string Interface => _queues[0].Interface;

    public string Kind => "af_packet";

    public PortOffloadCounters? Offloads
    {
        get
        {
            if (!_queues[0].HandlesOffloads)
            {
                return null;
            }

            long superFrames = 0, segments = 0, coalesced = 0;
            foreach (PacketSocketPort queue in _queues)
            {
                PortOffloadCounters? c = queue.Offloads;
                superFrames += c?.SuperFramesReceived ?? 0;
                segments += c?.FramesProduced ?? 0;
                coalesced += c?.FramesCoalesced ?? 0;
            }

            return new PortOffloadCounters(superFrames, segments, coalesced);
        }
    }

    public long KernelDrops
    {
        get
        {
            long sum = 0;
            foreach (PacketSocketPort queue in _queues)
            {
                sum += queue.KernelDrops;
            }

            return sum;
        }
    }

    /// <summary>Reads queue 0 only (the pipeline reads every queue itself, through <see cref="Queues"/>).</summary>
    public int Receive(MessageBatch batch) => _queues[0].Receive(batch);

    public int Send(ReadOnlySpan<byte> frame) => _queues[0].Send(frame);

    public int SendCoalescing(ReadOnlySpan<byte> frame) => _queues[0].SendCoalescing(frame);

    public int Flush() => _queues[0].Flush();

    public void Dispose()
    {
        foreach (PacketSocketPort queue in _queues)
        {
            queue.Dispose();
        }
    }

    public override string ToString() => $"{Interface} x{_queues.Length}";
}
