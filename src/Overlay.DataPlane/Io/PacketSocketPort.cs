using System.Buffers.Binary;
using Overlay.DataPlane.Interop;
using static Overlay.DataPlane.Interop.LinuxSocketConstants;

namespace Overlay.DataPlane.Io;

/// <summary>
/// A guest port on an AF_PACKET raw socket bound to one interface (packet(7)):
/// <list type="bullet">
/// <item>opened with protocol 0, so it receives nothing until bound; then bound to the ifindex with
/// ETH_P_ALL (no frame from another interface ever slips in between);</item>
/// <item>PACKET_IGNORE_OUTGOING: the frames we transmit to the guest are not read back;</item>
/// <item>PACKET_MR_PROMISC membership: the port takes frames for every MAC, like a bridge port;</item>
/// <item>SO_RCVTIMEO bounds each batch wait, which is how the loop notices shutdown.</item>
/// </list>
/// Frames arrive as the guest sent them, without FCS. A frame larger than the buffer is flagged
/// truncated (MSG_TRUNC) and counted as oversized by the caller.
/// <para>
/// With <c>offloads</c> (the default of the daemon) the socket also has PACKET_VNET_HDR: the guest may
/// keep TSO/GSO and checksum offload on, and <see cref="PacketOffload"/> segments its super-frames and
/// completes its checksums, and merges TCP segments from the tunnel into GSO frames towards it.
/// Without it, the guest's offloads must be off (docs/daemon.md).
/// </para>
/// </summary>
public sealed partial class PacketSocketPort : IGuestPortIo
{
    private readonly SafeSocketFd _fd;
    private readonly PacketOffload? _offload;
    private long _kernelDrops;

    private PacketSocketPort(SafeSocketFd fd, string interfaceName, int interfaceIndex, bool offloads)
    {
        _fd = fd;
        _offload = offloads ? new PacketOffload() : null;
        Interface = interfaceName;
        InterfaceIndex = interfaceIndex;
    }

    public string Interface { get; }

    public int InterfaceIndex { get; }

    /// <summary>The guest may use TSO/GSO and checksum offload (PACKET_VNET_HDR).</summary>
    public bool HandlesOffloads => _offload is not null;

    public string Kind => "af_packet";

    /// <summary>Guest super-frames segmented, frames handed up, and tunnel frames merged towards the guest.</summary>
    public PortOffloadCounters? Offloads =>
        _offload is null ? null : new(_offload.SuperFramesReceived, _offload.SegmentsProduced, _offload.SegmentsCoalesced);

    /// <summary>Opens the port; throws <see cref="NativeSocketException"/> (no such interface, no CAP_NET_RAW).</summary>
    public static PacketSocketPort Open(string interfaceName, TimeSpan receiveTimeout, int socketBufferBytes = 4 << 20, bool offloads = false) =>
        Open(interfaceName, receiveTimeout, socketBufferBytes, offloads, fanoutId: NoFanout);

    /// <summary>fanoutId <see cref="NoFanout"/>: a lone socket; <see cref="NewFanout"/>: the first of a new group; else: joins that group (<see cref="OpenFanout"/>).</summary>
    private static PacketSocketPort Open(string interfaceName, TimeSpan receiveTimeout, int socketBufferBytes, bool offloads, int fanoutId)
    {
        int index = Interop.Interop.LibC.InterfaceIndex(interfaceName);
        string subject = $"packet {interfaceName}";
        SafeSocketFd fd = Interop.Interop.LibC.Socket(AF_PACKET, SOCK_RAW, 0, subject);
        try
        {
            var address = new sockaddr_ll
            {
                sll_family = AF_PACKET,
                sll_protocol = BinaryPrimitives.ReverseEndianness(ETH_P_ALL),
                sll_ifindex = index,
            };
            Interop.Interop.LibC.SetOption(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, subject);
            if (offloads)
            {
                Interop.Interop.LibC.SetOption(fd, SOL_PACKET, PACKET_VNET_HDR, 1, subject);
            }

            Interop.Interop.LibC.SetOption(fd, SOL_SOCKET, SO_RCVBUF, socketBufferBytes, subject);
            Interop.Interop.LibC.SetOption(fd, SOL_SOCKET, SO_SNDBUF, socketBufferBytes, subject);
            Interop.Interop.LibC.SetOption(fd, SOL_SOCKET, SO_RCVTIMEO, SocketTimeouts.ToTimeval(receiveTimeout), subject);
            if (fanoutId >= 0)
            {
                // Until it is in the group, a bound socket would get a copy of every frame: it takes none meanwhile.
                DropAll(fd, subject);
            }

            Interop.Interop.LibC.Bind(fd, address, subject);
            if (fanoutId != NoFanout)
            {
                JoinFanout(fd, fanoutId, subject);
            }

            var promiscuous = new packet_mreq { mr_ifindex = index, mr_type = PACKET_MR_PROMISC };
            Interop.Interop.LibC.SetOption(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, promiscuous, subject);
            return new PacketSocketPort(fd, interfaceName, index, offloads);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    public unsafe int Receive(MessageBatch batch)
    {
        if (_offload is not null)
        {
            return _offload.Receive(_fd, batch);
        }

        int n = Interop.Interop.LibC.RecvMmsg(_fd, batch.PrepareReceive(withAddresses: false), batch.Capacity, MSG_WAITFORONE);
        return SocketTimeouts.CompleteReceive(batch, n);
    }

    public long KernelDrops
    {
        get
        {
            // PACKET_STATISTICS resets on read: keep the running total here.
            try
            {
                Interop.Interop.LibC.GetOption(_fd, SOL_PACKET, PACKET_STATISTICS, out tpacket_stats stats, Interface);
                return Interlocked.Add(ref _kernelDrops, stats.tp_drops);
            }
            catch (Exception e) when (e is NativeSocketException or ObjectDisposedException)
            {
                return Volatile.Read(ref _kernelDrops); // closed meanwhile
            }
        }
    }

    public int Send(ReadOnlySpan<byte> frame) =>
        _offload is null ? Interop.Interop.LibC.Send(_fd, frame) : PacketOffload.Send(_fd, frame);

    public int SendCoalescing(ReadOnlySpan<byte> frame) =>
        _offload is null ? Interop.Interop.LibC.Send(_fd, frame) : _offload.SendCoalescing(_fd, frame);

    public int Flush() => _offload?.Flush(_fd) ?? 0;

    public void Dispose()
    {
        _fd.Dispose();
        _offload?.Dispose();
    }

    public override string ToString() => _fd.ToString();
}
