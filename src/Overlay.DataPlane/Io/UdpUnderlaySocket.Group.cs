using System.Net;
using Overlay.DataPlane.Interop;

namespace Overlay.DataPlane.Io;

/// <summary>The sockets of one underlay endpoint, one per receive loop, and how the kernel spreads datagrams over them.</summary>
/// <param name="Sockets">Bound in this order: a socket's index here is its index in the kernel's group.</param>
/// <param name="SteeringProblem">Null when <see cref="ReuseportSteering"/> picks the socket by SPI; else why the kernel refused it
/// (the kernel's 4-tuple hash picks the socket then).</param>
public sealed record UdpSocketGroup(IReadOnlyList<UdpUnderlaySocket> Sockets, string? SteeringProblem)
{
    /// <summary>Each SA's datagrams reach one socket (the SPI steering program runs).</summary>
    public bool SteersBySpi => SteeringProblem is null;
}

public sealed partial class UdpUnderlaySocket
{
    /// <summary>
    /// Opens <paramref name="count"/> sockets bound to <paramref name="address"/>:<paramref name="port"/> in one
    /// SO_REUSEPORT group (port 0: the first takes a port the kernel chooses, the others join it) and attaches the
    /// SPI steering program (<see cref="ReuseportSteering"/>) when there is more than one; the kernel refusing the
    /// program is not fatal (its hash spreads the datagrams then, <see cref="UdpSocketGroup.SteeringProblem"/> says
    /// why). A socket that cannot be opened or bound closes the ones before it and throws <see cref="NativeSocketException"/>.
    /// </summary>
    public static UdpSocketGroup OpenGroup(IPAddress address, int port, int count, TimeSpan receiveTimeout, int socketBufferBytes = 4 << 20,
        bool segmentation = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 64);
        if (count == 1)
        {
            return new UdpSocketGroup([Open(address, port, receiveTimeout, socketBufferBytes, segmentation)], null);
        }

        var sockets = new List<UdpUnderlaySocket>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                int bindPort = i == 0 ? port : sockets[0].Local.Port;
                sockets.Add(Open(address, bindPort, receiveTimeout, socketBufferBytes, segmentation, reusePort: true));
            }

            string? problem = null;
            try
            {
                ReuseportSteering.Attach(sockets[0]._fd, count, $"udp {sockets[0].Local} group");
            }
            catch (NativeSocketException e)
            {
                problem = e.Message;
            }

            return new UdpSocketGroup(sockets, problem);
        }
        catch
        {
            foreach (UdpUnderlaySocket socket in sockets)
            {
                socket.Dispose();
            }

            throw;
        }
    }
}
