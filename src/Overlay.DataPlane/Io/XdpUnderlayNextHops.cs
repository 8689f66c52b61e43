using System.Collections.Concurrent;
using Overlay.DataPlane.Interop;

namespace Overlay.DataPlane.Io;

/// <summary>One destination's prebuilt headers: null <see cref="Template"/> means "through the kernel's socket".</summary>
internal sealed class XdpUnderlayNextHop(byte[]? template, uint templateSum, string why)
{
    public byte[]? Template { get; } = template;

    public uint TemplateSum { get; } = templateSum;

    /// <summary>For status and logs: the next hop and its MAC, or why the kernel sends.</summary>
    public string Why { get; } = why;
}

/// <summary>
/// The AF_XDP underlay's next hops, resolved off the packet path: a destination the send path has not seen is
/// queued and the resolver thread asks rtnetlink for the route (RTM_GETROUTE: output interface, gateway)
/// and the neighbour table (RTM_GETNEIGH dump) and publishes a new immutable table; every destination is
/// resolved again each second (a neighbour's MAC may change, a route may move). A destination whose route
/// leaves by another interface, or whose next hop has no usable neighbour entry yet, maps to "kernel": its
/// datagrams go through the UDP socket, whose send makes the kernel resolve the neighbour (ARP) — the next
/// pass then finds it. The packet path reads the published table (one volatile read and a dictionary
/// lookup, no allocation) and, on a miss, adds the destination to the queue once.
/// </summary>
internal sealed class XdpUnderlayNextHops : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly int _ifindex;
    private readonly byte[] _sourceMac;
    private readonly UdpAddress _local;
    private readonly ConcurrentDictionary<uint, byte> _wanted = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private volatile Dictionary<uint, XdpUnderlayNextHop> _table = [];
    private volatile bool _stopping;

    public XdpUnderlayNextHops(int ifindex, string interfaceName, byte[] sourceMac, UdpAddress local)
    {
        _ifindex = ifindex;
        Interface = interfaceName;
        _sourceMac = sourceMac;
        _local = local;
        Mtu = ReadMtu();
        _thread = new Thread(Run) { IsBackground = true, Name = $"xdp next hops {interfaceName}" };
        _thread.Start();
    }

    public string Interface { get; }

    /// <summary>The interface's MTU (read again every pass): a datagram whose IP packet exceeds it goes through the kernel, which fragments it.</summary>
    public int Mtu { get; private set; }

    /// <summary>Passes completed (for tests: wait for one after a miss).</summary>
    public long Passes => Interlocked.Read(ref _passes);

    private long _passes;

    /// <summary>The published next hop of <paramref name="destinationNetworkOrder"/>, or null (unknown yet: queued, send through the kernel).</summary>
    public XdpUnderlayNextHop? Lookup(uint destinationNetworkOrder)
    {
        if (_table.TryGetValue(destinationNetworkOrder, out XdpUnderlayNextHop? hop))
        {
            return hop;
        }

        if (_wanted.TryAdd(destinationNetworkOrder, 0))
        {
            _wake.Set();
        }

        return null;
    }

    /// <summary>The current table, for status.</summary>
    public IReadOnlyDictionary<uint, XdpUnderlayNextHop> Snapshot => _table;

    private void Run()
    {
        while (!_stopping)
        {
            try
            {
                Refresh();
            }
            catch (Exception e) when (e is NativeSocketException or ObjectDisposedException)
            {
                // rtnetlink or sysfs unavailable for a moment: the table stays as it was, the kernel sends the rest
            }

            Interlocked.Increment(ref _passes);
            _wake.WaitOne(Period);
        }
    }

    private void Refresh()
    {
        Mtu = ReadMtu();
        var destinations = new HashSet<uint>(_table.Keys);
        destinations.UnionWith(_wanted.Keys);
        if (destinations.Count == 0)
        {
            return;
        }

        using SafeSocketFd fd = Interop.Interop.RtNetlinkRoute.Open(Interface);
        var neighbours = new Dictionary<uint, byte[]>();
        int listed = Interop.Interop.RtNetlinkRoute.GetNeighbours(fd, _ifindex, neighbours);
        var table = new Dictionary<uint, XdpUnderlayNextHop>(destinations.Count);
        foreach (uint destination in destinations)
        {
            table[destination] = Resolve(fd, destination, listed == 0 ? neighbours : null);
        }

        _table = table;
        foreach (uint destination in destinations)
        {
            _wanted.TryRemove(destination, out _);
        }
    }

    private XdpUnderlayNextHop Resolve(SafeSocketFd fd, uint destination, Dictionary<uint, byte[]>? neighbours)
    {
        string peer = new UdpAddress(destination, 0).Address.ToString();
        int r = Interop.Interop.RtNetlinkRoute.GetRoute(fd, destination, out int oif, out uint gateway);
        if (r < 0)
        {
            return new XdpUnderlayNextHop(null, 0, $"{peer}: no route (errno {-r})");
        }

        if (oif != _ifindex)
        {
            return new XdpUnderlayNextHop(null, 0, $"{peer}: routed through interface {oif}, not {Interface}");
        }

        uint hop = gateway != 0 ? gateway : destination;
        string via = gateway != 0 ? $" via {new UdpAddress(gateway, 0).Address}" : "";
        if (neighbours is null || !neighbours.TryGetValue(hop, out byte[]? mac))
        {
            return new XdpUnderlayNextHop(null, 0, $"{peer}{via}: neighbour not resolved yet");
        }

        byte[] template = new byte[XdpUnderlayFrame.HeadersLength];
        XdpUnderlayFrame.WriteTemplate(template, mac, _sourceMac, _local, destination);
        return new XdpUnderlayNextHop(template, XdpUnderlayFrame.TemplateSum(template), $"{peer}{via} at {Convert.ToHexString(mac)}");
    }

    /// <summary>The MTU by rtnetlink (sysfs may belong to another network namespace than this thread's).</summary>
    private int ReadMtu()
    {
        using SafeSocketFd fd = Interop.Interop.RtNetlinkRoute.Open(Interface);
        return Interop.Interop.RtNetlinkRoute.GetLink(fd, _ifindex, out int mtu, out _, out _) == 0 && mtu > 0 ? mtu : Mtu;
    }

    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        _thread.Join(TimeSpan.FromSeconds(3));
        _wake.Dispose();
    }
}
