using Overlay.DataPlane.Interop;
using static Overlay.DataPlane.Interop.LinuxSocketConstants;

namespace Overlay.DataPlane.Io;

public sealed partial class PacketSocketPort
{
    private const int NoFanout = -1;
    private const int NewFanout = -2;

    /// <summary>
    /// Opens <paramref name="count"/> sockets on one interface in one PACKET_FANOUT group (packet(7)): the kernel
    /// hands each frame the guest sends to one of them by its flow hash (PACKET_FANOUT_HASH: one flow, one socket,
    /// so a flow's order is kept; the fragments of an IP datagram hash by addresses alone, so they too stay on one
    /// socket, in order). Not PACKET_FANOUT_FLAG_DEFRAG: it would hand the port the reassembled datagram, larger
    /// than the guest's MTU, where the port must carry the frames as the guest sent them. The group id is
    /// one the kernel picks (PACKET_FANOUT_FLAG_UNIQUEID), so two ports never share a group, and the group ignores
    /// the frames we send to the guest (PACKET_FANOUT_FLAG_IGNORE_OUTGOING: in a group, the socket's own
    /// PACKET_IGNORE_OUTGOING no longer applies). Each socket is read by
    /// its own loop; any of them may send. A socket that cannot be opened closes the ones before it and throws
    /// <see cref="NativeSocketException"/>.
    /// </summary>
    public static IReadOnlyList<PacketSocketPort> OpenFanout(string interfaceName, int count, TimeSpan receiveTimeout, int socketBufferBytes = 4 << 20,
        bool offloads = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 64);
        if (count == 1)
        {
            return [Open(interfaceName, receiveTimeout, socketBufferBytes, offloads)];
        }

        var sockets = new List<PacketSocketPort>(count);
        try
        {
            sockets.Add(Open(interfaceName, receiveTimeout, socketBufferBytes, offloads, fanoutId: NewFanout));
            int id = sockets[0].FanoutGroup ?? throw new NativeSocketException("getsockopt(PACKET_FANOUT)", interfaceName, EINVAL);
            for (int i = 1; i < count; i++)
            {
                sockets.Add(Open(interfaceName, receiveTimeout, socketBufferBytes, offloads, fanoutId: id));
            }

            return sockets;
        }
        catch
        {
            foreach (PacketSocketPort socket in sockets)
            {
                socket.Dispose();
            }

            throw;
        }
    }

    /// <summary>The PACKET_FANOUT group id this socket is in; null when it is in none.</summary>
    public int? FanoutGroup
    {
        get
        {
            try
            {
                // id | type << 16 | flags << 24, or 0 outside a group (our groups always have the IGNORE_OUTGOING flag).
                Interop.Interop.LibC.GetOption(_fd, SOL_PACKET, PACKET_FANOUT, out int value, Interface);
                return value == 0 ? null : value & 0xffff;
            }
            catch (Exception e) when (e is NativeSocketException or ObjectDisposedException)
            {
                return null;
            }
        }
    }

    private static void JoinFanout(SafeSocketFd fd, int id, string subject)
    {
        bool create = id == NewFanout;
        int flags = PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_IGNORE_OUTGOING | (create ? PACKET_FANOUT_FLAG_UNIQUEID : 0);
        Interop.Interop.LibC.SetOption(fd, SOL_PACKET, PACKET_FANOUT, (create ? 0 : id) | (flags << 16), subject);
        if (!create)
        {
            Interop.Interop.LibC.SetOption(fd, SOL_SOCKET, SO_DETACH_FILTER, 0, subject); // in the group: frames may come
        }
    }

    /// <summary>A classic-BPF socket filter of one instruction, <c>ret #0</c>: every frame is dropped.</summary>
    private static unsafe void DropAll(SafeSocketFd fd, string subject)
    {
        sock_filter reject = default; // BPF_RET | BPF_K, k = 0
        reject.code = 0x06;
        var program = new sock_fprog { len = 1, filter = &reject };
        Interop.Interop.LibC.SetOption(fd, SOL_SOCKET, SO_ATTACH_FILTER, program, subject);
    }
}
