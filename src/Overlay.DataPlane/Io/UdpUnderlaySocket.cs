using System.Net;
using Overlay.DataPlane.Interop;
using static Overlay.DataPlane.Interop.LinuxSocketConstants;

namespace Overlay.DataPlane.Io;

/// <summary>
/// The underlay: one IPv4 UDP socket bound to this host's underlay address and port 4500, carrying
/// ESP-in-UDP and IKE (RFC 3948). Batched with recvmmsg/sendmmsg, one system call per batch in each
/// direction. (UDP GSO/GRO was the alternative; it batches only equal-sized segments to a single
/// destination, while a batch here mixes peers and sizes, and it needs cmsg parsing on receive.)
/// DF is never set (IP_PMTUDISC_DONT): a tunnel packet larger than the underlay MTU is fragmented by
/// the kernel rather than dropped; size guest MTUs so that it does not happen (docs/daemon.md).
/// </summary>
public sealed class UdpUnderlaySocket : IUnderlayIo
{
    private readonly SafeSocketFd _fd;

    private UdpUnderlaySocket(SafeSocketFd fd, UdpAddress local)
    {
        _fd = fd;
        Local = local;
    }

    public UdpAddress Local { get; }

    /// <summary>Binds <paramref name="address"/>:<paramref name="port"/>; throws <see cref="NativeSocketException"/>.</summary>
    public static UdpUnderlaySocket Open(IPAddress address, int port, TimeSpan receiveTimeout, int socketBufferBytes = 4 << 20)
    {
        UdpAddress local = UdpAddress.From(address, port);
        string subject = $"udp {local}";
        SafeSocketFd fd = Interop.Interop.LibC.Socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP, subject);
        try
        {
            Interop.Interop.LibC.SetOption(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT, subject);
            Interop.Interop.LibC.SetOption(fd, SOL_SOCKET, SO_RCVBUF, socketBufferBytes, subject);
            Interop.Interop.LibC.SetOption(fd, SOL_SOCKET, SO_SNDBUF, socketBufferBytes, subject);
            Interop.Interop.LibC.SetOption(fd, SOL_SOCKET, SO_RCVTIMEO, SocketTimeouts.ToTimeval(receiveTimeout), subject);
            var name = new sockaddr_in { sin_family = AF_INET, sin_port = local.PortNetworkOrder, sin_addr = local.AddressNetworkOrder };
            Interop.Interop.LibC.Bind(fd, name, subject);
            return new UdpUnderlaySocket(fd, local);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    public unsafe int Receive(MessageBatch batch)
    {
        int n = Interop.Interop.LibC.RecvMmsg(_fd, batch.PrepareReceive(withAddresses: true), batch.Capacity, MSG_WAITFORONE);
        return SocketTimeouts.CompleteReceive(batch, n);
    }

    public unsafe int Send(MessageBatch batch, int start, int count) =>
        count <= 0 ? 0 : Interop.Interop.LibC.SendMmsg(_fd, batch.PrepareSend(start, count), count);

    public void Dispose() => _fd.Dispose();

    public override string ToString() => _fd.ToString();
}
