using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Overlay.Daemon.Hosting;
using Overlay.DataPlane.Esp;

namespace Overlay.Daemon.DataPlaneHost;

/// <summary>
/// Writes Wireshark's <c>esp_sa</c> UAT file (one quoted CSV line per SA) so that a capture of the
/// underlay can be decrypted: a debugging aid, off unless <c>debug_key_export</c> is set, and the file
/// holds live keys (mode 0600). Format (docs/debugging.md):
/// <code>"IPv4","src","dst","0xSPI","AES-GCM with 16 octet ICV [RFC4106]","0x&lt;key&gt;&lt;salt&gt;","NULL",""</code>
/// An outbound SA travels from this host to the peer; an inbound SA from the peer to this host. "IPv6" and this
/// host's IPv6 underlay address for a peer over IPv6.
/// </summary>
public static class EspKeyExport
{
    public const string Encryption = "AES-GCM with 16 octet ICV [RFC4106]";

    public static string Line(BoundSa sa, string localAddress)
    {
        string peer = sa.Peer.Address.ToString();
        (string src, string dst) = sa.Descriptor.Direction == SaDirection.Outbound ? (localAddress, peer) : (peer, localAddress);
        return string.Create(CultureInfo.InvariantCulture,
            $"\"{Protocol(sa.Peer.Address)}\",\"{src}\",\"{dst}\",\"0x{sa.Descriptor.Spi:x8}\",\"{Encryption}\",\"0x{Convert.ToHexStringLower(sa.Config.Key)}\",\"NULL\",\"\"");
    }

    /// <summary>The line of <paramref name="sa"/> from this host's underlay address of the peer's family.</summary>
    public static string Line(BoundSa sa, IReadOnlyList<IPAddress> underlays) => Line(sa, LocalFor(underlays, sa.Peer.Address));

    /// <summary>Writes every line to <paramref name="path"/> (replaced atomically, mode 0600).</summary>
    public static void Write(string path, IEnumerable<BoundSa> sas, string localAddress) =>
        SecretFile.WriteLines(path, sas.Select(sa => Line(sa, localAddress)));

    /// <summary>Writes every line, each from this host's underlay address of its peer's family.</summary>
    public static void Write(string path, IEnumerable<BoundSa> sas, IReadOnlyList<IPAddress> underlays) =>
        SecretFile.WriteLines(path, sas.Select(sa => Line(sa, underlays)));

    /// <summary>The UAT's protocol column: "IPv4" or "IPv6".</summary>
    public static string Protocol(IPAddress peer) => peer.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";

    /// <summary>This host's underlay address of <paramref name="peer"/>'s family (the first when it has none of it).</summary>
    public static string LocalFor(IReadOnlyList<IPAddress> underlays, IPAddress peer) =>
        (underlays.FirstOrDefault(a => a.AddressFamily == peer.AddressFamily) ?? underlays[0]).ToString();
}
