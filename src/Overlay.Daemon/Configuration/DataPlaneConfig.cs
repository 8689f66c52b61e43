using System.Net;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Sa;

namespace Overlay.Daemon.Configuration;

/// <summary>
/// The <c>[dataplane]</c> part of overlayd.toml: the underlay socket, guest ports, peers and statically
/// keyed SAs (the role of <c>ip xfrm state</c> manual SAs until IKE installs them). Names (guests,
/// networks, TVDs) are checked against the policy by <c>DataPlaneHost.DataPlaneBinder</c>; see
/// docs/daemon.md for every key.
/// </summary>
public sealed record DataPlaneConfig(
    IPAddress Underlay,
    int Port,
    int Mtu,
    string? DebugKeyExport,
    IReadOnlyList<PortConfig> Ports,
    IReadOnlyList<PeerConfig> Peers,
    IReadOnlyList<StaticSaConfig> Sas,
    ConfigLocation Location)
{
    public const int DefaultPort = 4500;
    public const int DefaultMtu = 1500;

    /// <summary>
    /// Every underlay address of this host, at most one per family (<c>underlay = ["192.0.2.1", "2001:db8::1"]</c>);
    /// <see cref="Underlay"/> is the first. A peer is reached from the one of its family.
    /// </summary>
    public IReadOnlyList<IPAddress> Underlays { get; init; } = [Underlay];

    /// <summary>This host's underlay address of <paramref name="family"/>; null when it has none.</summary>
    public IPAddress? UnderlayFor(System.Net.Sockets.AddressFamily family) => Underlays.FirstOrDefault(a => a.AddressFamily == family);

    /// <summary>Most <c>workers</c> (receive loops of the underlay; SO_REUSEPORT groups hold at most this many of ours).</summary>
    public const int MaxWorkers = PipelineOptions.MaxWorkers;

    /// <summary>No <c>workers</c> key: one per CPU the daemon may run on, at most <see cref="MaxWorkers"/>.</summary>
    public static int DefaultWorkers => Math.Clamp(Environment.ProcessorCount, 1, MaxWorkers);

    /// <summary>
    /// <c>workers</c>: underlay sockets in one SO_REUSEPORT group (steered by SPI, one receive loop each) and
    /// AF_PACKET sockets per guest port in one fanout group (split by flow, one loop each). 1 is one loop each.
    /// </summary>
    public int Workers { get; init; } = DefaultWorkers;

    /// <summary><c>underlay_io</c>: how the underlay's datagrams are received and sent (default: the UDP socket).</summary>
    public UnderlayIo UnderlayIo { get; init; } = UnderlayIo.Udp;
}

/// <summary>The underlay I/O a config asks for (<c>underlay_io</c>).</summary>
public enum UnderlayIo
{
    /// <summary><c>"udp"</c>: the kernel's UDP socket (recvmmsg/sendmmsg, UDP GSO/GRO).</summary>
    Udp,

    /// <summary>
    /// <c>"af_xdp"</c>: an XDP program on the interface holding the underlay address steers our datagrams into one
    /// AF_XDP socket per RX queue; the UDP socket stays for what the program passes and for sends AF_XDP cannot
    /// make. If it cannot be set up, the UDP socket alone, with the reason logged and in status.
    /// </summary>
    AfXdp,
}

/// <summary><c>[[dataplane.port]]</c>: a guest NIC's host-side interface, attached to the network's TVD.</summary>
public sealed record PortConfig(string Name, string Interface, string Guest, string Network, ConfigLocation Location)
{
    /// <summary><c>io</c>: how frames are read and written (default: AF_PACKET with guest offloads handled).</summary>
    public PortIo Io { get; init; } = PortIo.Auto;
}

/// <summary>The guest port I/O a config asks for.</summary>
public enum PortIo
{
    /// <summary>No <c>io</c> key: AF_PACKET with PACKET_VNET_HDR, whatever offloads the guest uses.</summary>
    Auto,

    /// <summary>
    /// <c>io = "af_xdp"</c>: AF_XDP (the guest must not use TX checksum or segmentation offload); if it
    /// cannot be set up, AF_PACKET with the reason logged.
    /// </summary>
    AfXdp,

    /// <summary><c>io = "af_packet"</c>: AF_PACKET, as the default.</summary>
    AfPacket,
}

/// <summary><c>[[dataplane.peer]]</c>: another host of the overlay, by underlay address.</summary>
public sealed record PeerConfig(string Name, IPAddress Address, int Port, ConfigLocation Location);

/// <summary><c>[[dataplane.sa]]</c>: one manually keyed, unidirectional SA for a (peer, TVD).</summary>
/// <param name="Key">AES key (16 or 32 bytes) followed by the 4-byte salt.</param>
/// <param name="Mode">etherip between TVD Overlay hosts; ip (plain IP packets) with <see cref="LocalTs"/> and <see cref="RemoteTs"/>.</param>
public sealed record StaticSaConfig(
    string Peer,
    string Tvd,
    SaDirection Direction,
    uint Spi,
    byte[] Key,
    InnerMode Mode,
    bool ExtendedSequenceNumbers,
    ConfigLocation Location,
    ConfigLocation PeerLocation,
    ConfigLocation TvdLocation)
{
    public EspCipher Cipher => Key.Length == 36 ? EspCipher.AesGcm256 : EspCipher.AesGcm128;

    /// <summary><c>local_ts</c> (mode ip): our protected prefixes, the ones the peer routes to us.</summary>
    public IReadOnlyList<IpPrefix> LocalTs { get; init; } = [];

    /// <summary><c>remote_ts</c> (mode ip): the peer's protected prefixes; guest packets to them are routed into the tunnel.</summary>
    public IReadOnlyList<IpPrefix> RemoteTs { get; init; } = [];
}
