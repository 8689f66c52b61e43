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
/// truncated (MSG_TRUNC) and counted as oversized by the caller. Offloads (TSO/GSO, TX checksum) on
/// the guest's side must be off for an AF_PACKET port: see docs/daemon.md.
/// </summary>
public sealed class PacketSocketPort : IGuestPortIo
{
    private readonly SafeSocketFd _fd;

    private PacketSocketPort(SafeSocketFd fd, string interfaceName, int interfaceIndex)
    {
        _fd = fd;
        Interface = interfaceName;
        InterfaceIndex = interfaceIndex;
    }

    public string Interface { get; }

    public int InterfaceIndex { get; }

    /// <summary>Opens the port; throws <see cref="NativeSocketException"/> (no such interface, no CAP_NET_RAW).</summary>
    public static PacketSocketPort Open(string interfaceName, TimeSpan receiveTimeout, int socketBufferBytes = 4 << 20)
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
            Interop.Interop.LibC.SetOption(fd, SOL_SOCKET, SO_RCVBUF, socketBufferBytes, subject);
            Interop.Interop.LibC.SetOption(fd, SOL_SOCKET, SO_SNDBUF, socketBufferBytes, subject);
            Interop.Interop.LibC.SetOption(fd, SOL_SOCKET, SO_RCVTIMEO, SocketTimeouts.ToTimeval(receiveTimeout), subject);
            Interop.Interop.LibC.Bind(fd, address, subject);
            var promiscuous = new packet_mreq { mr_ifindex = index, mr_type = PACKET_MR_PROMISC };
            Interop.Interop.LibC.SetOption(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, promiscuous, subject);
            return new PacketSocketPort(fd, interfaceName, index);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    public unsafe int Receive(MessageBatch batch)
    {
        int n = Interop.Interop.LibC.RecvMmsg(_fd, batch.PrepareReceive(withAddresses: false), batch.Capacity, MSG_WAITFORONE);
        return SocketTimeouts.CompleteReceive(batch, n);
    }

    public int Send(ReadOnlySpan<byte> frame) => Interop.Interop.LibC.Send(_fd, frame);

    public void Dispose() => _fd.Dispose();

    public override string ToString() => _fd.ToString();
}
