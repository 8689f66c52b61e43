using System.Buffers.Binary;
using System.Net.Sockets;

namespace Overlay.Daemon.Control;

/// <summary>
/// Who is at the other end of a Unix socket, as the kernel recorded it when the client connected: SO_PEERCRED's
/// process, user and group ids (struct ucred) and SO_PEERGROUPS' supplementary groups (Linux 4.13). Read with
/// getsockopt(2) through <see cref="Socket.GetRawSocketOption"/>; nothing the client says is believed.
/// </summary>
public readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid, IReadOnlyList<uint> Groups)
{
    // <asm-generic/socket.h>
    private const int SOL_SOCKET = 1;
    private const int SO_PEERCRED = 17;
    private const int SO_PEERGROUPS = 59;

    /// <summary>sizeof(struct ucred): pid, uid, gid, 32 bits each.</summary>
    private const int UcredSize = 12;

    /// <summary>NGROUPS_MAX: the most supplementary groups a process can have.</summary>
    private const int MaxGroups = 65536;

    /// <exception cref="SocketException">The socket is no connected Unix socket.</exception>
    public static PeerCredentials Read(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Span<byte> ucred = stackalloc byte[UcredSize];
        int length = socket.GetRawSocketOption(SOL_SOCKET, SO_PEERCRED, ucred);
        if (length < UcredSize)
        {
            throw new SocketException((int)SocketError.ProtocolNotSupported);
        }

        int pid = BinaryPrimitives.ReadInt32LittleEndian(ucred);
        uint uid = BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..]);
        uint gid = BinaryPrimitives.ReadUInt32LittleEndian(ucred[8..]);
        return new PeerCredentials(pid, uid, gid, ReadGroups(socket));
    }

    /// <summary>The supplementary groups: a small buffer first, all NGROUPS_MAX only for a process in very many groups.</summary>
    private static uint[] ReadGroups(Socket socket)
    {
        byte[] buffer = new byte[256 * sizeof(uint)];
        int length;
        try
        {
            length = socket.GetRawSocketOption(SOL_SOCKET, SO_PEERGROUPS, buffer);
        }
        catch (SocketException)
        {
            // ERANGE: more groups than the buffer holds.
            buffer = new byte[MaxGroups * sizeof(uint)];
            length = socket.GetRawSocketOption(SOL_SOCKET, SO_PEERGROUPS, buffer);
        }

        uint[] groups = new uint[length / sizeof(uint)];
        for (int i = 0; i < groups.Length; i++)
        {
            groups[i] = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(i * sizeof(uint)));
        }

        return groups;
    }

    public override string ToString() => $"pid {Pid} uid {Uid} gid {Gid}";
}
