using System.Buffers.Binary;
using System.Net;

namespace Overlay.DataPlane.Io;

/// <summary>
/// An IPv4 UDP endpoint as the kernel stores it (address in network byte order, port in host order):
/// cheap to copy and compare in the loops, converted to <see cref="IPEndPoint"/> only for status.
/// </summary>
public readonly record struct UdpAddress(uint AddressNetworkOrder, ushort Port)
{
    public static UdpAddress From(IPAddress address, int port)
    {
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"{address} is not an IPv4 address; the underlay is IPv4 only", nameof(address));
        }

        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return new UdpAddress(BitConverter.ToUInt32(bytes), checked((ushort)port));
    }

    public static UdpAddress From(IPEndPoint endPoint) => From(endPoint.Address, endPoint.Port);

    public IPAddress Address
    {
        get
        {
            Span<byte> bytes = stackalloc byte[4];
            BitConverter.TryWriteBytes(bytes, AddressNetworkOrder);
            return new IPAddress(bytes);
        }
    }

    public IPEndPoint ToEndPoint() => new(Address, Port);

    /// <summary>The port as it travels in sockaddr_in.</summary>
    internal ushort PortNetworkOrder => BinaryPrimitives.ReverseEndianness(Port);

    public override string ToString() => $"{Address}:{Port}";
}
