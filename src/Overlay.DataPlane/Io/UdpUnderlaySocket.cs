using System.Net;
using Overlay.DataPlane.Interop;
using static Overlay.DataPlane.Interop.LinuxSocketConstants;

namespace Overlay.DataPlane.Io;

/// <summary>
/// The underlay: one UDP socket bound to one of this host's underlay addresses (IPv4, or IPv6 with
/// IPV6_V6ONLY: a dual-stack host opens one socket per family) and port 4500, carrying
/// ESP-in-UDP and IKE (RFC 3948). Batched with recvmmsg/sendmmsg, one system call per batch in each
/// direction, and, with <c>segmentation</c>, UDP GSO and GRO on top: runs of equal-sized datagrams to
/// one peer (what a guest's TCP burst becomes) leave as one GSO message (UDP_SEGMENT), which crosses
/// the kernel, a veth and the peer's stack as one packet; on receive the kernel may hand over several
/// datagrams of one flow in one buffer (UDP_GRO) with their size. Each datagram is still its own ESP
/// packet on the wire. A kernel or device that cannot segment (EIO, EOPNOTSUPP) turns GSO off for the
/// socket; a run refused with EMSGSIZE or EINVAL (its datagrams exceed the path MTU, which GSO cannot
/// fragment) makes datagrams of that size and larger go alone from then on, fragmented by the kernel.
/// DF is never set (IP_PMTUDISC_DONT; IPV6_PMTUDISC_DONT for IPv6, where the sending host fragments):
/// a tunnel packet larger than the underlay MTU is fragmented by the kernel rather than dropped; size guest MTUs so that it does not happen (docs/daemon.md).
/// </summary>
public sealed partial class UdpUnderlaySocket : IUnderlayIo
{
    /// <summary>Datagrams per GSO send (the kernel's UDP_MAX_SEGMENTS is 64 on older kernels, 128 on newer).</summary>
    private const int MaxSegments = 64;

    private readonly SafeSocketFd _fd;
    private volatile bool _segmentSends;
    private int _maxSegmentSize = int.MaxValue; // only ever lowered (LowerMaxSegmentSize), by any port thread

    private UdpUnderlaySocket(SafeSocketFd fd, UdpAddress local, bool segmentSends, bool coalescesReceive)
    {
        _fd = fd;
        Local = local;
        _segmentSends = segmentSends;
        CoalescesReceive = coalescesReceive;
    }

    public UdpAddress Local { get; }

    /// <summary>Sends use UDP GSO (until the kernel says it cannot segment at all).</summary>
    public bool SegmentsSends => _segmentSends;

    /// <summary>Datagrams longer than this are not grouped (the path refused to segment them); int.MaxValue at first.</summary>
    public int MaxSegmentSize => Volatile.Read(ref _maxSegmentSize);

    /// <summary>UDP GRO is on: a received buffer may hold several datagrams (see <see cref="MessageBatch.GetSegmentSize"/>).</summary>
    public bool CoalescesReceive { get; private set; }

    /// <summary>
    /// Turns UDP GRO off (the AF_XDP underlay, <see cref="XdpUnderlay"/>: generic XDP runs after GRO and would see
    /// datagrams coalesced for this socket as one frame; the socket then only gets what the program passes).
    /// </summary>
    internal void StopCoalescingReceive()
    {
        if (CoalescesReceive && TrySetOption(_fd, SOL_UDP, UDP_GRO, 0, Local.ToString()))
        {
            CoalescesReceive = false;
        }
    }

    /// <summary>
    /// Binds <paramref name="address"/>:<paramref name="port"/> (0: a port the kernel chooses); throws <see cref="NativeSocketException"/>.
    /// With <paramref name="reusePort"/> the socket joins the SO_REUSEPORT group of that address:port (<see cref="OpenGroup"/>).
    /// </summary>
    public static UdpUnderlaySocket Open(IPAddress address, int port, TimeSpan receiveTimeout, int socketBufferBytes = 4 << 20, bool segmentation = false,
        bool reusePort = false)
    {
        UdpAddress local = UdpAddress.From(address, port);
        string subject = $"udp {local}";
        SafeSocketFd fd = Interop.Interop.LibC.Socket(local.IsIPv6 ? AF_INET6 : AF_INET, SOCK_DGRAM, IPPROTO_UDP, subject);
        try
        {
            if (local.IsIPv6)
            {
                Interop.Interop.LibC.SetOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, subject);
                Interop.Interop.LibC.SetOption(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DONT, subject);
            }
            else
            {
                Interop.Interop.LibC.SetOption(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT, subject);
            }

            // The buffers absorb what arrives while the loop is descheduled (and a peer's burst of IKE fragments):
            // past net.core.rmem_max where the daemon may (CAP_NET_ADMIN), else as far as the sysctl allows.
            if (!TrySetOption(fd, SOL_SOCKET, SO_RCVBUFFORCE, socketBufferBytes, subject))
            {
                Interop.Interop.LibC.SetOption(fd, SOL_SOCKET, SO_RCVBUF, socketBufferBytes, subject);
            }

            if (!TrySetOption(fd, SOL_SOCKET, SO_SNDBUFFORCE, socketBufferBytes, subject))
            {
                Interop.Interop.LibC.SetOption(fd, SOL_SOCKET, SO_SNDBUF, socketBufferBytes, subject);
            }

            Interop.Interop.LibC.SetOption(fd, SOL_SOCKET, SO_RCVTIMEO, SocketTimeouts.ToTimeval(receiveTimeout), subject);
            if (reusePort)
            {
                Interop.Interop.LibC.SetOption(fd, SOL_SOCKET, SO_REUSEPORT, 1, subject);
            }

            Bind(fd, local, subject);
            if (port == 0)
            {
                ushort chosen = local.IsIPv6 ? Interop.Interop.LibC.GetSockName6(fd, subject).sin6_port : Interop.Interop.LibC.GetSockName(fd, subject).sin_port;
                local = local with { Port = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(chosen) }; // the one the kernel chose
            }

            bool gro = segmentation && TrySetOption(fd, SOL_UDP, UDP_GRO, 1, subject);
            return new UdpUnderlaySocket(fd, local, segmentation, gro);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    private static void Bind(SafeSocketFd fd, UdpAddress local, string subject)
    {
        if (local.IsIPv6)
        {
            var name6 = new sockaddr_in6 { sin6_family = AF_INET6, sin6_port = local.PortNetworkOrder, sin6_addr_low = local.Low, sin6_addr_high = local.High };
            Interop.Interop.LibC.Bind(fd, name6, subject);
            return;
        }

        var name = new sockaddr_in { sin_family = AF_INET, sin_port = local.PortNetworkOrder, sin_addr = local.AddressNetworkOrder };
        Interop.Interop.LibC.Bind(fd, name, subject);
    }

    public unsafe int Receive(MessageBatch batch)
    {
        int n = Interop.Interop.LibC.RecvMmsg(_fd, batch.PrepareReceive(withAddresses: true, withControl: CoalescesReceive), batch.Capacity, MSG_WAITFORONE);
        return SocketTimeouts.CompleteReceive(batch, n);
    }

    public unsafe int Send(MessageBatch batch, int start, int count)
    {
        if (count <= 0)
        {
            return 0;
        }

        while (_segmentSends && count > 1)
        {
            mmsghdr* messages = batch.PrepareSendSegmented(start, count, MaxSegments, MaxSegmentSize, out int messageCount);
            int sent = Interop.Interop.LibC.SendMmsg(_fd, messages, messageCount);
            if (sent >= 0)
            {
                return batch.SlotEndOfMessages(start, sent) - start;
            }

            if (sent is -EMSGSIZE or -EINVAL && batch.FirstMessageIsSegmented(start))
            {
                LowerMaxSegmentSize(batch[start].Length - 1); // too large to segment on this path: send such alone
                continue;
            }

            if (sent is not (-EIO or -EOPNOTSUPP))
            {
                return sent;
            }

            _segmentSends = false; // this path cannot segment: plain datagrams from now on
        }

        return Interop.Interop.LibC.SendMmsg(_fd, batch.PrepareSend(start, count), count);
    }

    public unsafe long KernelDrops
    {
        get
        {
            try
            {
                Interop.Interop.LibC.GetOption(_fd, SOL_SOCKET, SO_MEMINFO, out sk_meminfo info, Local.ToString());
                return info.values[SK_MEMINFO_DROPS];
            }
            catch (Exception e) when (e is NativeSocketException or ObjectDisposedException)
            {
                return 0; // closed meanwhile
            }
        }
    }

    private void LowerMaxSegmentSize(int size)
    {
        int current = Volatile.Read(ref _maxSegmentSize);
        while (size < current)
        {
            int seen = Interlocked.CompareExchange(ref _maxSegmentSize, size, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static bool TrySetOption(SafeSocketFd fd, int level, int name, int value, string subject)
    {
        try
        {
            Interop.Interop.LibC.SetOption(fd, level, name, value, subject);
            return true;
        }
        catch (NativeSocketException)
        {
            return false; // an old kernel: the option is an optimisation only
        }
    }

    public void Dispose() => _fd.Dispose();

    public override string ToString() => _fd.ToString();
}
