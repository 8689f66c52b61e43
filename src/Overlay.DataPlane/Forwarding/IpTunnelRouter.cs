using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Overlay.DataPlane.Frames;

namespace Overlay.DataPlane.Forwarding;

/// <summary>
/// Inner mode <c>ip</c> (next header 4/41) towards standard IPsec peers such as strongSwan: a guest's IP
/// packet whose destination lies in a tunnel's remote range (the CHILD_SA's narrowed TSr, or the
/// configured <c>remote_ts</c>) within the guest port's TVD leaves through that (peer, TVD) tunnel
/// without its Ethernet header. Coming back, the decrypted packet is wrapped in Ethernet with this
/// router's MAC as source and the guest's learned MAC as destination.
/// <para>
/// The tunnel's selectors are enforced both ways (RFC 4301 §5.1–5.2): a packet leaves only when its
/// source is in the tunnel's local ranges (TSi / <c>local_ts</c>), and a decrypted packet is delivered
/// only when its source is in the tunnel's remote ranges and its destination in the local ones, so a
/// peer that holds the keys still cannot inject packets from or to addresses it did not negotiate.
/// A tunnel without local ranges carries nothing.
/// </para>
/// <para>
/// Routes are few and change only when SAs are installed, so they live in a copy-on-write array that
/// the port loops scan without locks or allocation. Neighbors (guest IP → port and MAC) are learned
/// from the guests' own ARP requests and IP packets; an update allocates only when an entry changes.
/// </para>
/// </summary>
public sealed class IpTunnelRouter
{
    /// <summary>How many guest addresses <see cref="Learn"/> keeps.</summary>
    public const int MaxNeighbors = 16384;

    /// <summary>The MAC guests see for every address behind an IP-mode tunnel (locally administered, "tvd" in ASCII).</summary>
    public static readonly MacAddress RouterMac = new(0x0274_7664_0001UL);

    private readonly Lock _writeLock = new();
    private readonly ConcurrentDictionary<NeighborKey, Neighbor> _neighbors = new();
    private Route[] _routes = [];
    private Route[] _locals = [];
    private int _neighborCount;

    /// <summary>True once any route exists; lets the port loops skip the router entirely for EtherIP-only hosts.</summary>
    public bool HasRoutes => Volatile.Read(ref _routes).Length > 0;

    public int RouteCount => Volatile.Read(ref _routes).Length;

    public int NeighborCount => _neighbors.Count;

    /// <summary>Routes destinations <paramref name="start"/>..<paramref name="end"/> (one family) seen on ports of TVD <paramref name="vlanId"/> into tunnel <paramref name="tunnelId"/>.</summary>
    public void AddRoute(ushort vlanId, IPAddress start, IPAddress end, int tunnelId)
    {
        if (start.AddressFamily != end.AddressFamily)
        {
            throw new ArgumentException($"route {start}-{end} mixes address families");
        }

        var route = new Route(vlanId, start.AddressFamily == AddressFamily.InterNetworkV6, ToNumber(start), ToNumber(end), tunnelId);
        if (route.Start > route.End)
        {
            throw new ArgumentException($"route {start}-{end} starts after it ends");
        }

        lock (_writeLock)
        {
            Route[] current = _routes;
            if (Array.IndexOf(current, route) < 0)
            {
                Volatile.Write(ref _routes, [.. current, route]);
            }
        }
    }

    /// <summary>
    /// Lets tunnel <paramref name="tunnelId"/> carry packets from (and deliver packets to) local
    /// addresses <paramref name="start"/>..<paramref name="end"/>: its local traffic selector.
    /// </summary>
    public void AddLocalRange(int tunnelId, IPAddress start, IPAddress end)
    {
        if (start.AddressFamily != end.AddressFamily)
        {
            throw new ArgumentException($"local range {start}-{end} mixes address families");
        }

        var range = new Route(0, start.AddressFamily == AddressFamily.InterNetworkV6, ToNumber(start), ToNumber(end), tunnelId);
        if (range.Start > range.End)
        {
            throw new ArgumentException($"local range {start}-{end} starts after it ends");
        }

        lock (_writeLock)
        {
            Route[] current = _locals;
            if (Array.IndexOf(current, range) < 0)
            {
                Volatile.Write(ref _locals, [.. current, range]);
            }
        }
    }

    /// <summary>Removes every route into <paramref name="tunnelId"/> and its local ranges.</summary>
    public void RemoveRoutes(int tunnelId)
    {
        lock (_writeLock)
        {
            Volatile.Write(ref _routes, [.. _routes.Where(r => r.TunnelId != tunnelId)]);
            Volatile.Write(ref _locals, [.. _locals.Where(r => r.TunnelId != tunnelId)]);
        }
    }

    /// <summary>The packet's source is in the local ranges of <paramref name="tunnelId"/> (outbound selector check).</summary>
    public bool AllowsOutbound(int tunnelId, ReadOnlySpan<byte> ipPacket) =>
        TryReadSource(ipPacket, out bool v6, out UInt128 source) && InRanges(Volatile.Read(ref _locals), tunnelId, v6, source);

    /// <summary>
    /// A decrypted packet of <paramref name="tunnelId"/>: its source is in the tunnel's remote ranges and
    /// its destination in the local ones (inbound selector check, RFC 4301 §5.2 step 4).
    /// </summary>
    public bool AllowsInbound(int tunnelId, ReadOnlySpan<byte> ipPacket) =>
        TryReadSource(ipPacket, out bool v6, out UInt128 source)
        && TryReadDestination(ipPacket, out _, out UInt128 destination)
        && InRanges(Volatile.Read(ref _routes), tunnelId, v6, source)
        && InRanges(Volatile.Read(ref _locals), tunnelId, v6, destination);

    /// <summary>The tunnel for an IPv4/IPv6 packet from a port of TVD <paramref name="vlanId"/>, or -1.</summary>
    public int Lookup(ushort vlanId, ReadOnlySpan<byte> ipPacket) =>
        TryReadDestination(ipPacket, out bool v6, out UInt128 destination) ? Find(vlanId, v6, destination) : -1;

    /// <summary>True when IPv4 address <paramref name="address"/> (network order bytes) is behind a tunnel of the TVD: ARP for it is answered.</summary>
    public bool CoversIPv4(ushort vlanId, ReadOnlySpan<byte> address) =>
        Find(vlanId, false, BinaryPrimitives.ReadUInt32BigEndian(address)) >= 0;

    /// <summary>True when IPv6 address <paramref name="address"/> (16 bytes) is behind a tunnel of the TVD: neighbour solicitations for it are answered.</summary>
    public bool CoversIPv6(ushort vlanId, ReadOnlySpan<byte> address) =>
        Find(vlanId, true, BinaryPrimitives.ReadUInt128BigEndian(address)) >= 0;

    /// <summary>True when <paramref name="address"/> (4 or 16 bytes) lies in a local range of any tunnel: a guest address the tunnels may carry.</summary>
    public bool IsLocal(ReadOnlySpan<byte> address)
    {
        bool v6 = address.Length == 16;
        UInt128 number = ToNumber(address);
        foreach (Route r in Volatile.Read(ref _locals))
        {
            if (r.V6 == v6 && number >= r.Start && number <= r.End)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Remembers that <paramref name="address"/> of TVD <paramref name="vlanId"/> is at <paramref name="mac"/> behind port
    /// <paramref name="portId"/>. At most <see cref="MaxNeighbors"/> addresses are kept (a guest cycling through source
    /// addresses cannot grow the table without bound); a destination not kept is flooded to the TVD's ports.
    /// </summary>
    public void Learn(ushort vlanId, bool v6, ReadOnlySpan<byte> address, int portId, MacAddress mac)
    {
        if (mac.IsGroup)
        {
            return;
        }

        var key = new NeighborKey(vlanId, v6, ToNumber(address));
        var value = new Neighbor(portId, mac);
        if (_neighbors.TryGetValue(key, out Neighbor known))
        {
            if (known != value)
            {
                _neighbors[key] = value;
            }

            return;
        }

        if (Interlocked.Increment(ref _neighborCount) > MaxNeighbors || !_neighbors.TryAdd(key, value))
        {
            Interlocked.Decrement(ref _neighborCount);
        }
    }

    /// <summary>Where the guest with the packet's destination address is, if it was seen.</summary>
    public bool TryGetNeighbor(ushort vlanId, ReadOnlySpan<byte> ipPacket, out int portId, out MacAddress mac)
    {
        portId = -1;
        mac = default;
        if (!TryReadDestination(ipPacket, out bool v6, out UInt128 destination)
            || !_neighbors.TryGetValue(new NeighborKey(vlanId, v6, destination), out Neighbor n))
        {
            return false;
        }

        (portId, mac) = (n.PortId, n.Mac);
        return true;
    }

    /// <summary>IPv4 destination at bytes 16..20, IPv6 at 24..40; false for anything else or too short.</summary>
    public static bool TryReadDestination(ReadOnlySpan<byte> ip, out bool v6, out UInt128 destination)
    {
        destination = default;
        v6 = false;
        if (ip.Length >= 20 && ip[0] >> 4 == 4)
        {
            destination = BinaryPrimitives.ReadUInt32BigEndian(ip[16..]);
            return true;
        }

        if (ip.Length >= 40 && ip[0] >> 4 == 6)
        {
            v6 = true;
            destination = BinaryPrimitives.ReadUInt128BigEndian(ip[24..]);
            return true;
        }

        return false;
    }

    /// <summary>IPv4 source at bytes 12..16, IPv6 at 8..24; false for anything else or too short.</summary>
    public static bool TryReadSource(ReadOnlySpan<byte> ip, out bool v6, out UInt128 source)
    {
        source = default;
        v6 = false;
        if (ip.Length >= 20 && ip[0] >> 4 == 4)
        {
            source = BinaryPrimitives.ReadUInt32BigEndian(ip[12..]);
            return true;
        }

        if (ip.Length >= 40 && ip[0] >> 4 == 6)
        {
            v6 = true;
            source = BinaryPrimitives.ReadUInt128BigEndian(ip[8..]);
            return true;
        }

        return false;
    }

    /// <summary>The IPv4/IPv6 source address's bytes of a packet whose version was checked.</summary>
    public static ReadOnlySpan<byte> Source(ReadOnlySpan<byte> ip, bool v6) => v6 ? ip.Slice(8, 16) : ip.Slice(12, 4);

    private int Find(ushort vlanId, bool v6, UInt128 address)
    {
        foreach (Route r in Volatile.Read(ref _routes))
        {
            if (r.VlanId == vlanId && r.V6 == v6 && address >= r.Start && address <= r.End)
            {
                return r.TunnelId;
            }
        }

        return -1;
    }

    private static bool InRanges(Route[] ranges, int tunnelId, bool v6, UInt128 address)
    {
        foreach (Route r in ranges)
        {
            if (r.TunnelId == tunnelId && r.V6 == v6 && address >= r.Start && address <= r.End)
            {
                return true;
            }
        }

        return false;
    }

    private static UInt128 ToNumber(IPAddress address) => ToNumber(address.GetAddressBytes());

    private static UInt128 ToNumber(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 16 ? BinaryPrimitives.ReadUInt128BigEndian(bytes) : BinaryPrimitives.ReadUInt32BigEndian(bytes);

    private readonly record struct Route(ushort VlanId, bool V6, UInt128 Start, UInt128 End, int TunnelId);

    private readonly record struct NeighborKey(ushort VlanId, bool V6, UInt128 Address);

    private readonly record struct Neighbor(int PortId, MacAddress Mac);
}
