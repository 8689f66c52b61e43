using System.Globalization;
using Overlay.Daemon.Hosting;
using Overlay.DataPlane.Esp;

namespace Overlay.Daemon.DataPlaneHost;

/// <summary>
/// Writes Wireshark's <c>esp_sa</c> UAT file (one quoted CSV line per SA) so that a capture of the
/// underlay can be decrypted: a debugging aid, off unless <c>debug_key_export</c> is set, and the file
/// holds live keys (mode 0600). Format (docs/debugging.md):
/// <code>"IPv4","src","dst","0xSPI","AES-GCM with 16 octet ICV [RFC4106]","0x&lt;key&gt;&lt;salt&gt;","NULL",""</code>
/// An outbound SA travels from this host to the peer; an inbound SA from the peer to this host.
/// </summary>
public static class EspKeyExport
{
    public const string Encryption = "AES-GCM with 16 octet ICV [RFC4106]";

    public static string Line(BoundSa sa, string localAddress)
    {
        string peer = sa.Peer.Address.ToString();
        (string src, string dst) = sa.Descriptor.Direction == SaDirection.Outbound ? (localAddress, peer) : (peer, localAddress);
        return string.Create(CultureInfo.InvariantCulture,
            $"\"IPv4\",\"{src}\",\"{dst}\",\"0x{sa.Descriptor.Spi:x8}\",\"{Encryption}\",\"0x{Convert.ToHexStringLower(sa.Config.Key)}\",\"NULL\",\"\"");
    }

    /// <summary>Writes every line to <paramref name="path"/> (replaced atomically, mode 0600).</summary>
    public static void Write(string path, IEnumerable<BoundSa> sas, string localAddress) =>
        SecretFile.WriteLines(path, sas.Select(sa => Line(sa, localAddress)));
}
