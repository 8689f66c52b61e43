using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Switching;

namespace Overlay.DataPlane.Forwarding;

/// <summary>Tunables of the forwarding pipeline (defaults suit a lab host; the daemon may override).</summary>
public sealed record PipelineOptions
{
    /// <summary>Largest guest payload; also the switch's MTU. Guest frames are at most 14 + MTU bytes.</summary>
    public int Mtu { get; init; } = EthernetFrame.DefaultMtu;

    /// <summary>Frames or datagrams per recvmmsg/sendmmsg call.</summary>
    public int BatchSize { get; init; } = Pipeline.BatchSize;

    /// <summary>Most workers (receive loops per direction) a data plane may run.</summary>
    public const int MaxWorkers = 64;

    /// <summary>
    /// How many workers the operator asked for (<c>[dataplane] workers</c>): underlay receive queues, and
    /// receive loops per guest port where its I/O can split by flow. The underlay group the pipeline is
    /// given has this many queues per family.
    /// </summary>
    public int Workers { get; init; } = 1;

    /// <summary>How long one receive call waits; bounds how long stopping takes.</summary>
    public TimeSpan ReceiveTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    public SwitchOptions Switch => new() { Mtu = Mtu };

    /// <summary>
    /// Bytes per packet buffer: a whole ESP-in-UDP payload for the largest tagged guest frame, rounded
    /// up to 64 (the largest of the frame, the tunnel packet and the received datagram).
    /// </summary>
    public int BufferSize
    {
        get
        {
            int largest = EtherIpTunnel.GetPacketLength(EthernetFrame.HeaderLength + Mtu) + 64;
            return Math.Max(2048, (largest + 63) & ~63);
        }
    }

    public string? Validate()
    {
        if (Mtu is < 576 or > 9000)
        {
            return $"mtu {Mtu} is outside 576..9000";
        }

        if (BatchSize is < 1 or > 1024)
        {
            return $"batch size {BatchSize} is outside 1..1024";
        }

        if (Workers is < 1 or > MaxWorkers)
        {
            return $"workers {Workers} is outside 1..{MaxWorkers}";
        }

        return null;
    }
}
