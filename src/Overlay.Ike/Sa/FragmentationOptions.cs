using System.Net;

namespace Overlay.Ike.Sa;

/// <summary>
/// IKE fragmentation tunables (RFC 7383). The RFC leaves sizes and limits to the implementation;
/// these defaults fit every path with an IPv6-minimum MTU (§2.5.1) and bound what one peer can make
/// us hold while a message is reassembled (§2.6, §5).
/// </summary>
/// <param name="MaxDatagramSizeIpv4">Largest IPv4 datagram (IP + UDP headers + IKE) we send before fragmenting.</param>
/// <param name="MaxDatagramSizeIpv6">The same for IPv6 (1280 is the IPv6 minimum MTU).</param>
/// <param name="MaxFragments">Most fragments one received message may have (checked against Total Fragments before decrypting).</param>
/// <param name="MaxReassembledLength">Most decrypted octets kept for one message being reassembled.</param>
/// <param name="ReassemblyTimeout">A message whose fragments do not all arrive within this is forgotten (default 30 s).</param>
public sealed record FragmentationOptions(
    int MaxDatagramSizeIpv4 = 1280,
    int MaxDatagramSizeIpv6 = 1280,
    int MaxFragments = IkeConstants.MaxFragments,
    int MaxReassembledLength = 64 * 1024,
    TimeSpan? ReassemblyTimeout = null)
{
    public static FragmentationOptions Default { get; } = new();

    private const int Ipv4HeaderLength = 20;
    private const int Ipv6HeaderLength = 40;
    private const int UdpHeaderLength = 8;

    public TimeSpan Timeout => ReassemblyTimeout ?? TimeSpan.FromSeconds(30);

    /// <summary>
    /// Octets left for the IKE message itself towards <paramref name="remote"/>: the datagram size
    /// minus the IP and UDP headers and, on the NAT-T port, the non-ESP marker (RFC 3948 §2.2).
    /// </summary>
    public int MaxIkeMessageLength(IPEndPoint remote)
    {
        var v6 = remote.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var size = v6 ? MaxDatagramSizeIpv6 - Ipv6HeaderLength : MaxDatagramSizeIpv4 - Ipv4HeaderLength;
        size -= UdpHeaderLength;
        return remote.Port == IkeConstants.NatTraversalPort ? size - IkeConstants.NonEspMarkerLength : size;
    }
}
