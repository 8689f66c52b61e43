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

    /// <summary>The resolver's pass in which a send last used this entry (written at most once a pass).</summary>
    public long LastUsedPass;
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
/// <para>
/// Destinations include every source an IKE reply goes to, and those are unauthenticated: a flood of spoofed
/// IKE_SA_INIT from random addresses must not grow the table or the resolver's work without bound. So the table
/// holds at most <see cref="MaxDestinations"/> (a destination beyond that is sent through the kernel, not queued),
/// and a destination no send used for <see cref="IdlePasses"/> passes is dropped from it (resolved again when a
/// send wants it).
/// </para>
/// </summary>
internal sealed class XdpUnderlayNextHops : IDisposable
{
    /// <summary>Most destinations resolved and kept at once (a host's peers, with room for IKE's unauthenticated ones).</summary>
    public const int MaxDestinations = 4096;

    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly int _ifindex;
    private readonly byte[] _sourceMac;
    private readonly UdpAddress _local;
    private readonly ConcurrentDictionary<uint, byte> _wanted = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private volatile Dictionary<uint, XdpUnderlayNextHop> _table = [];
    private volatile bool _stopping;

    public XdpUnderlayNextHops(int ifindex, string interfaceName, byte[] sourceMac, UdpAddress local, int idlePasses = 60)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(idlePasses);
        IdlePasses = idlePasses;
        _ifindex = ifindex;
        Interface = interfaceName;
        _sourceMac = sourceMac;
        _local = local;
        Mtu = ReadMtu();
        _thread = new Thread(Run) { IsBackground = true, Name = $"xdp next hops {interfaceName}" };
        _thread.Start();
    }

    public string Interface { get; }

    /// <summary>Passes (seconds) a destination stays resolved without a send using it.</summary>
    public int IdlePasses { get; }

    /// <summary>The interface's MTU (read again every pass): a datagram whose IP packet exceeds it goes through the kernel, which fragments it.</summary>
    public int Mtu { get; private set; }

    /// <summary>Passes completed (for tests: wait for one after a miss).</summary>
    public long Passes => Interlocked.Read(ref _passes);

    private long _passes;

    /// <summary>The published next hop of <paramref name="destinationNetworkOrder"/>, or null (unknown yet: queued, send through the kernel).</summary>
    public XdpUnderlayNextHop? Lookup(uint destinationNetworkOrder)
    {
        Dictionary<uint, XdpUnderlayNextHop> table = _table;
        if (table.TryGetValue(destinationNetworkOrder, out XdpUnderlayNextHop? hop))
        {
            long pass = Interlocked.Read(ref _passes);
            if (Volatile.Read(ref hop.LastUsedPass) != pass)
            {
                Volatile.Write(ref hop.LastUsedPass, pass); // once a pass per destination, not per packet
            }

            return hop;
        }

        if (table.Count + _wanted.Count < MaxDestinations && _wanted.TryAdd(destinationNetworkOrder, 0))
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
        long pass = Interlocked.Read(ref _passes);
        var destinations = new HashSet<uint>();
        foreach ((uint destination, XdpUnderlayNextHop hop) in _table)
        {
            if (pass - Volatile.Read(ref hop.LastUsedPass) < IdlePasses)
            {
                destinations.Add(destination); // idle ones go: a send that wants one again queues it
            }
        }

        foreach (uint destination in _wanted.Keys)
        {
            if (destinations.Count >= MaxDestinations)
            {
                break;
            }

            destinations.Add(destination);
        }

        if (destinations.Count == 0)
        {
            _table = [];
            _wanted.Clear();
            return;
        }

        using SafeSocketFd fd = Interop.Interop.RtNetlinkRoute.Open(Interface);
        var neighbours = new Dictionary<uint, byte[]>();
        int listed = Interop.Interop.RtNetlinkRoute.GetNeighbours(fd, _ifindex, neighbours);
        var table = new Dictionary<uint, XdpUnderlayNextHop>(destinations.Count);
        foreach (uint destination in destinations)
        {
            XdpUnderlayNextHop hop = Resolve(fd, destination, listed == 0 ? neighbours : null);
            hop.LastUsedPass = _table.TryGetValue(destination, out XdpUnderlayNextHop? old) ? Volatile.Read(ref old.LastUsedPass) : pass;
            table[destination] = hop;
        }

        _table = table;
        _wanted.Clear(); // taken, or over the bound: a send that still wants one queues it again

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
