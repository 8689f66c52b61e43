using System.Net;
using System.Net.NetworkInformation;
using Overlay.DataPlane.Interop;
using Overlay.DataPlane.Xdp;

namespace Overlay.DataPlane.Io;

/// <summary>
/// The AF_XDP underlay (<c>underlay_io = "af_xdp"</c>): on the interface that holds the underlay address, one
/// AF_XDP socket per RX queue and the <see cref="XdpUnderlayProgramSpec"/> program, which redirects IPv4 UDP to
/// our address:port (not fragmented) into the socket of the queue it arrived on and passes everything else to
/// the kernel. Its <see cref="Queues"/> are the receive queues of the host's underlay group: one per AF_XDP
/// socket (<see cref="XdpUnderlayQueue"/>) and last the kernel's UDP socket (<see cref="XdpUnderlayKernelQueue"/>),
/// which stays open for what the program passes (IKE messages fragmented by IP, traffic while the program is
/// not attached) and for sends the AF_XDP path cannot make. Sends go out through the TX ring of a queue's
/// socket with headers prebuilt per next hop (<see cref="XdpUnderlayNextHops"/>); a datagram with no resolved
/// next hop, routed through another interface, or larger than the MTU or a UMEM chunk goes through the
/// kernel's socket (counted). Zero-copy where the driver allows it, copy mode otherwise (veth, TAP).
/// Disposing detaches the program, then closes the sockets.
/// </summary>
public sealed class XdpUnderlay
{
    private readonly XdpAttachment _attachment;
    private readonly XdpUnderlayNextHops _hops;
    private readonly UdpUnderlaySocket _kernel;
    private readonly XdpUnderlayQueue[] _xsk;
    private int _disposed;

    private XdpUnderlay(string interfaceName, UdpUnderlaySocket kernel, XskSocket[] sockets, XdpAttachment attachment, XdpUnderlayNextHops hops, TimeSpan receiveTimeout)
    {
        Interface = interfaceName;
        _kernel = kernel;
        _attachment = attachment;
        _hops = hops;
        _xsk = new XdpUnderlayQueue[sockets.Length];
        for (int q = 0; q < sockets.Length; q++)
        {
            _xsk[q] = new XdpUnderlayQueue(this, q, sockets[q], kernel, hops, receiveTimeout);
        }

        Queues = [.. _xsk, new XdpUnderlayKernelQueue(this, kernel, _xsk[0])];
        ZeroCopy = sockets.All(s => s.ZeroCopy);
    }

    /// <summary>The interface holding the underlay address.</summary>
    public string Interface { get; }

    /// <summary>Native (driver) or generic XDP.</summary>
    public XdpAttachMode Mode => _attachment.Mode;

    /// <summary>Every socket is bound zero-copy.</summary>
    public bool ZeroCopy { get; }

    /// <summary>The AF_XDP queues (one per RX queue of <see cref="Interface"/>) followed by the kernel socket's queue.</summary>
    public IReadOnlyList<IUnderlayIo> Queues { get; }

    /// <summary>How many AF_XDP sockets (RX queues) there are.</summary>
    public int XskQueues => _xsk.Length;

    /// <summary>Datagrams received through the AF_XDP sockets.</summary>
    public long XskReceived => _xsk.Sum(q => q.Received);

    /// <summary>Frames the AF_XDP sockets got that were not well-formed datagrams to us (dropped, counted).</summary>
    public long Malformed => _xsk.Sum(q => q.Malformed);

    /// <summary>Datagrams sent through the AF_XDP TX rings.</summary>
    public long XskSent => _xsk.Sum(q => q.XskSent);

    /// <summary>Datagrams sent through the kernel's UDP socket instead (next hop unknown, another interface, too large).</summary>
    public long KernelSent => _xsk.Sum(q => q.KernelSent);

    /// <summary>The next hops as resolved now, for status: destination → "next hop at MAC" or why the kernel sends.</summary>
    public IReadOnlyList<string> NextHops => [.. _hops.Snapshot.Values.Select(h => h.Why)];

    /// <summary>A one-line description for logs and status.</summary>
    public string Describe() =>
        $"AF_XDP on {Interface}, {_xsk.Length} queue{(_xsk.Length == 1 ? "" : "s")}, {(ZeroCopy ? "zero-copy" : "copy mode")}, {Mode} XDP";

    internal XdpUnderlayNextHops NextHopTable => _hops;

    /// <summary>
    /// Sets up AF_XDP on the interface holding <paramref name="kernel"/>'s address; throws
    /// <see cref="NativeSocketException"/> (no such interface, no CAP_NET_ADMIN/CAP_BPF, no AF_XDP) or
    /// <see cref="InvalidOperationException"/> (no interface holds the address). <paramref name="kernel"/> is
    /// not disposed on failure: the caller runs the UDP underlay with it.
    /// </summary>
    public static XdpUnderlay Open(UdpUnderlaySocket kernel, TimeSpan receiveTimeout) => Open([kernel], receiveTimeout);

    /// <summary>
    /// As <see cref="Open(UdpUnderlaySocket, TimeSpan)"/> in front of a SO_REUSEPORT group of kernel sockets
    /// (<c>workers</c> &gt; 1): the first sends what AF_XDP cannot and is this underlay's last queue; every one of
    /// them stops coalescing (UDP GRO), since one socket of the port asking for it makes the device merge
    /// datagrams before generic XDP sees them. The caller reads the others of the group as queues of its own.
    /// </summary>
    public static XdpUnderlay Open(IReadOnlyList<UdpUnderlaySocket> group, TimeSpan receiveTimeout)
    {
        UdpUnderlaySocket kernel = group[0];
        if (kernel.Local.IsIPv6)
        {
            throw new InvalidOperationException($"the AF_XDP underlay handles IPv4 only, not {kernel.Local}"); // the caller keeps the UDP socket
        }

        (string name, int index, byte[] mac, int queues) = FindInterface(kernel.Local.Address);
        string subject = $"xdp underlay {name}";
        var sockets = new List<XskSocket>(queues);
        XdpUnderlayNextHops? hops = null;
        XdpAttachment? attachment = null;
        try
        {
            // IFLA_NUM_RX_QUEUES counts the queues allocated; fewer may be in use (veth: ethtool -L), and a bind to
            // one beyond them fails with EINVAL: the queues are those that bind, from 0.
            for (uint q = 0; q < queues; q++)
            {
                try
                {
                    sockets.Add(XskSocket.Open(index, q, subject, tryZeroCopy: true));
                }
                catch (NativeSocketException e) when (q > 0 && e.Errno == LinuxSocketConstants.EINVAL)
                {
                    break;
                }
            }

            var program = XdpUnderlayProgramSpec.RedirectUdpToXsk(kernel.Local.AddressNetworkOrder, kernel.Local.Port);
            attachment = XdpAttachment.Attach(index, program, "tvd_underlay", [.. sockets.Select((s, q) => ((uint)q, s.Fd))], subject);
            hops = new XdpUnderlayNextHops(index, name, mac, kernel.Local);
            foreach (UdpUnderlaySocket socket in group)
            {
                socket.StopCoalescingReceive();
            }

            return new XdpUnderlay(name, kernel, [.. sockets], attachment, hops, receiveTimeout);
        }
        catch
        {
            attachment?.Dispose();
            hops?.Dispose();
            foreach (XskSocket socket in sockets)
            {
                socket.Dispose();
            }

            throw;
        }
    }

    /// <summary>The interface with <paramref name="address"/>: name, index, MAC and RX queues (at most the XSKMAP's size).</summary>
    private static (string Name, int Index, byte[] Mac, int Queues) FindInterface(IPAddress address)
    {
        NetworkInterface nic = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.GetIPProperties().UnicastAddresses.Any(a => a.Address.Equals(address)))
            ?? throw new InvalidOperationException($"no interface holds the underlay address {address} (AF_XDP needs the address of one interface)");
        int index = Interop.Interop.LibC.InterfaceIndex(nic.Name);
        using SafeSocketFd fd = Interop.Interop.RtNetlinkRoute.Open(nic.Name);
        int r = Interop.Interop.RtNetlinkRoute.GetLink(fd, index, out _, out int queues, out byte[] mac);
        if (r < 0)
        {
            throw new NativeSocketException("rtnetlink RTM_GETLINK", nic.Name, -r);
        }

        if (mac.Length != 6)
        {
            throw new InvalidOperationException($"{nic.Name} holds {address} but is not an Ethernet interface (AF_XDP underlay needs Ethernet framing)");
        }

        // One socket (16 MiB of UMEM, one receive loop) per queue, at most one per CPU: frames on a queue beyond
        // that pass to the kernel socket (ethtool -L IF combined N matches the queues to the CPUs).
        return (nic.Name, index, mac, Math.Clamp(Math.Min(queues, Environment.ProcessorCount), 1, (int)XdpAttachment.MapEntries));
    }

    /// <summary>Called by each queue's Dispose; the last one closes everything (program first, then sockets).</summary>
    internal void Release()
    {
        if (Interlocked.Increment(ref _disposed) != Queues.Count)
        {
            return;
        }

        _attachment.Dispose();
        _hops.Dispose();
        foreach (XdpUnderlayQueue q in _xsk)
        {
            q.CloseSocket();
        }

        _kernel.Dispose();
    }
}
