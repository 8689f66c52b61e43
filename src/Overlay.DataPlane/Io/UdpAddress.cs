using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Io;

/// <summary>
/// An IPv4 or IPv6 UDP endpoint as the kernel stores it: the address bytes in network order (an IPv4
/// address in the first 4 bytes of <see cref="Low"/>, the rest zero; an IPv6 address as two 8-byte
/// halves), the port in host order and the family. Cheap to copy and compare in the loops (three words),
/// converted to <see cref="IPEndPoint"/> only for status and IKE.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly record struct UdpAddress
{
    private UdpAddress(ulong low, ulong high, ushort port, bool isIPv6)
    {
        Low = low;
        High = high;
        Port = port;
        IsIPv6 = isIPv6;
    }

    /// <summary>An IPv4 endpoint from the address as it sits in sockaddr_in.sin_addr.</summary>
    public UdpAddress(uint addressNetworkOrder, ushort port)
        : this(addressNetworkOrder, 0, port, isIPv6: false)
    {
    }

    /// <summary>Bytes 0..7 of an IPv6 address (memory order); an IPv4 address in its low 32 bits.</summary>
    public ulong Low { get; }

    /// <summary>Bytes 8..15 of an IPv6 address (memory order); 0 for IPv4.</summary>
    public ulong High { get; }

    public ushort Port { get; init; }

    public bool IsIPv6 { get; }

    public AddressFamily Family => IsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

    /// <summary>An IPv4 endpoint's address as it sits in sockaddr_in.sin_addr.</summary>
    internal uint AddressNetworkOrder => (uint)Low;

    /// <summary>An IPv6 endpoint from the 16 address bytes of sockaddr_in6.sin6_addr.</summary>
    internal static UdpAddress FromIPv6(ulong low, ulong high, ushort port) => new(low, high, port, isIPv6: true);

    /// <summary>
    /// <paramref name="address"/>:<paramref name="port"/>; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is taken as
    /// the IPv4 address it maps, since IPv6 sockets of the underlay are IPv6-only.
    /// </summary>
    public static UdpAddress From(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        ushort p = checked((ushort)port);
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return new UdpAddress(BitConverter.ToUInt32(bytes), p);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"{address} is neither an IPv4 nor an IPv6 address", nameof(address));
        }

        if (address.ScopeId != 0)
        {
            throw new ArgumentException($"{address} is link-local with a scope; the underlay needs a global (or unique local) IPv6 address", nameof(address));
        }

        address.TryWriteBytes(bytes, out _);
        return FromIPv6(BitConverter.ToUInt64(bytes), BitConverter.ToUInt64(bytes[8..]), p);
    }

    public static UdpAddress From(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return From(endPoint.Address, endPoint.Port);
    }

    public IPAddress Address
    {
        get
        {
            if (!IsIPv6)
            {
                Span<byte> four = stackalloc byte[4];
                BitConverter.TryWriteBytes(four, AddressNetworkOrder);
                return new IPAddress(four);
            }

            Span<byte> bytes = stackalloc byte[16];
            BitConverter.TryWriteBytes(bytes, Low);
            BitConverter.TryWriteBytes(bytes[8..], High);
            return new IPAddress(bytes);
        }
    }

    public IPEndPoint ToEndPoint() => new(Address, Port);

    /// <summary>The port as it travels in sockaddr_in / sockaddr_in6.</summary>
    internal ushort PortNetworkOrder => BinaryPrimitives.ReverseEndianness(Port);

    /// <summary>192.0.2.1:4500, or [2001:db8::1]:4500 for IPv6.</summary>
    public override string ToString() => IsIPv6 ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
}
