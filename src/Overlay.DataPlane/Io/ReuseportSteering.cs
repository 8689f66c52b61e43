using Overlay.DataPlane.Interop;
using static Overlay.DataPlane.Interop.LinuxSocketConstants;

namespace Overlay.DataPlane.Io;

/// <summary>
/// The classic-BPF program that picks the socket of a SO_REUSEPORT group for each underlay datagram
/// (SO_ATTACH_REUSEPORT_CBPF, Linux 4.5+), so that every datagram of one SA reaches the same receive
/// loop and the SA's order is kept. The kernel runs it with the packet's data starting at the UDP
/// payload (net/core/sock_reuseport.c pulls the UDP header first); its return value is the index of
/// the socket in the group, which is the order the sockets were bound in:
/// <code>
/// 0: ld  [0]          the first 4 payload bytes, big-endian: the ESP SPI (RFC 4303 §2.1);
///                     a shorter payload (the 1-byte NAT-keepalive 0xff, RFC 3948 §2.3) ends the
///                     program with 0
/// 1: jeq #0, 4        0: the non-ESP marker of IKE (RFC 3948 §2.2) → socket 0
/// 2: mod #n           SPI mod n
/// 3: ret a
/// 4: ret #0
/// </code>
/// An index the group does not have (a socket closed meanwhile) makes the kernel fall back to its
/// 4-tuple hash. With UDP GRO, a buffer of several datagrams of one 4-tuple is steered by its first
/// datagram's SPI: SAs that share a peer's 4-tuple may then be read, now and then, by another loop,
/// which the replay window tolerates (it is safe under concurrent callers).
/// </summary>
public static class ReuseportSteering
{
    // linux/bpf_common.h
    private const ushort BPF_LD = 0x00;
    private const ushort BPF_ALU = 0x04;
    private const ushort BPF_JMP = 0x05;
    private const ushort BPF_RET = 0x06;
    private const ushort BPF_W = 0x00;
    private const ushort BPF_ABS = 0x20;
    private const ushort BPF_JEQ = 0x10;
    private const ushort BPF_MOD = 0x90;
    private const ushort BPF_K = 0x00;
    private const ushort BPF_A = 0x10;

    /// <summary>The socket index a datagram with this UDP payload goes to: what the program computes (for tests and status).</summary>
    public static int SocketFor(ReadOnlySpan<byte> udpPayload, int sockets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sockets, 1);
        if (udpPayload.Length < 4)
        {
            return 0;
        }

        uint spi = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(udpPayload);
        return spi == 0 ? 0 : (int)(spi % (uint)sockets);
    }

    /// <summary>The program for a group of <paramref name="sockets"/> (1..64), as the kernel takes it.</summary>
    internal static sock_filter[] Program(int sockets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sockets, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sockets, 64);
        return
        [
            new() { code = BPF_LD | BPF_W | BPF_ABS, k = 0 },
            new() { code = BPF_JMP | BPF_JEQ | BPF_K, jt = 2, jf = 0, k = 0 },
            new() { code = BPF_ALU | BPF_MOD | BPF_K, k = (uint)sockets },
            new() { code = BPF_RET | BPF_A },
            new() { code = BPF_RET | BPF_K, k = 0 },
        ];
    }

    /// <summary>Attaches the program to the group <paramref name="member"/> belongs to; throws <see cref="NativeSocketException"/> when the kernel refuses.</summary>
    internal static unsafe void Attach(SafeSocketFd member, int sockets, string subject)
    {
        sock_filter[] program = Program(sockets);
        fixed (sock_filter* instructions = program)
        {
            var fprog = new sock_fprog { len = (ushort)program.Length, filter = instructions };
            Interop.Interop.LibC.SetOption(member, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, fprog, subject);
        }
    }
}
