using Overlay.DataPlane.Frames;
using Overlay.Ike.Encoding.Messages;

namespace Overlay.Ike.Tests.Fixtures;

/// <summary>
/// Reads the strongSwan 5.9.8 captures under Fixtures/strongswan (see its README): one folder
/// per IKE SA with the UDP payloads as hex and the keys charon logged.
/// </summary>
public sealed class StrongSwanCapture
{
    public static readonly string[] Connections = ["cbc", "gcm", "bad"];

    private StrongSwanCapture(string name, IReadOnlyDictionary<string, byte[]> keys, IReadOnlyList<(string File, byte[] Udp)> datagrams)
    {
        Name = name;
        Keys = keys;
        Datagrams = datagrams;
    }

    public string Name { get; }

    /// <summary>Keys charon logged at ike/chd level 4: dh_shared_secret, skeyseed, sk_d … psk, child_*.</summary>
    public IReadOnlyDictionary<string, byte[]> Keys { get; }

    /// <summary>UDP payloads in capture order (port 4500 ones still carry the non-ESP marker).</summary>
    public IReadOnlyList<(string File, byte[] Udp)> Datagrams { get; }

    public static StrongSwanCapture Load(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "strongswan", name);
        var keys = File.ReadAllLines(Path.Combine(dir, "keys.txt"))
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split(" = "))
            .ToDictionary(p => p[0], p => Convert.FromHexString(p[1]));
        var datagrams = Directory.GetFiles(dir, "*.hex").Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), Convert.FromHexString(File.ReadAllText(f).Trim())))
            .ToList();
        return new StrongSwanCapture(name, keys, datagrams);
    }

    /// <summary>The IKE message bytes of the datagram whose file name contains <paramref name="tag"/> (marker stripped).</summary>
    public byte[] Ike(string tag)
    {
        var udp = Datagrams.Single(d => d.File.Contains(tag, StringComparison.Ordinal)).Udp;
        return UdpEncapsulation.Classify(udp) == UdpPayloadKind.Ike ? udp[UdpEncapsulation.NonEspMarkerLength..] : udp;
    }

    public byte[] InitRequest => Ike("01-IKE_SA_INIT-request");
    public byte[] InitResponse => Ike("02-IKE_SA_INIT-response");
    public byte[] AuthRequest => Ike("03-IKE_AUTH-request");
    public byte[] AuthResponse => Ike("04-IKE_AUTH-response");

    public static IEnumerable<object[]> All() => Connections.Select(c => new object[] { c });

    public static IEnumerable<object[]> AllMessages()
        => Connections.SelectMany(c => Load(c).Datagrams.Select(d => new object[] { c, d.File }));
}
