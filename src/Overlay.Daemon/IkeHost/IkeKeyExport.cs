using System.Globalization;
using System.Net;
using Overlay.Daemon.DataPlaneHost;
using Overlay.Daemon.Hosting;
using Overlay.Ike.Debug;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// The IKE part of <c>debug_key_export</c>: the ESP keys of every CHILD_SA IKE installed are appended
/// to the esp_sa file (after the static SAs' lines), and the IKE SA keys go to
/// <c>&lt;debug_key_export&gt;.ikev2</c> as Wireshark <c>ikev2_decryption_table</c> lines. SAs stay in
/// the files after they end (a capture spans rekeys), up to <see cref="MaxLines"/> each. Files are
/// replaced atomically with mode 0600: they hold live keys.
/// </summary>
public sealed class IkeKeyExport
{
    public const int MaxLines = 512;
    private readonly string _espPath;
    private readonly IReadOnlyList<string> _staticLines;
    private readonly IReadOnlyList<IPAddress> _underlays;
    private readonly List<string> _espLines = [];
    private readonly List<string> _ikeLines = [];
    private readonly Lock _lock = new();

    /// <summary>Each SA's lines from this host's underlay address of its peer's family (a dual-stack host has two).</summary>
    public IkeKeyExport(string espPath, IReadOnlyList<BoundSa> staticSas, IReadOnlyList<IPAddress> underlays)
    {
        _espPath = espPath;
        _underlays = underlays;
        _staticLines = [.. staticSas.Select(sa => EspKeyExport.Line(sa, underlays))];
    }

    public string IkePath => _espPath + ".ikev2";

    public int IkeSaCount
    {
        get
        {
            lock (_lock)
            {
                return _ikeLines.Count;
            }
        }
    }

    /// <summary>Adds both directions of a CHILD_SA to the esp_sa file.</summary>
    public void AddChild(ChildSa child, IPAddress peer)
    {
        string protocol = EspKeyExport.Protocol(peer);
        string local = EspKeyExport.LocalFor(_underlays, peer);
        string Line(string src, string dst, uint spi, ReadOnlyMemory<byte> key) => string.Create(CultureInfo.InvariantCulture,
            $"\"{protocol}\",\"{src}\",\"{dst}\",\"0x{spi:x8}\",\"{EspKeyExport.Encryption}\",\"0x{Convert.ToHexStringLower(key.Span)}\",\"NULL\",\"\"");
        lock (_lock)
        {
            Add(_espLines, Line(local, peer.ToString(), child.OutboundSpi, child.OutboundKey));
            Add(_espLines, Line(peer.ToString(), local, child.InboundSpi, child.InboundKey));
            Write(_espPath, [.. _staticLines, .. _espLines]);
        }
    }

    /// <summary>Adds the IKE SAs not exported yet; true when the file changed.</summary>
    public bool AddIkeSas(IEnumerable<IkeSa> sas)
    {
        lock (_lock)
        {
            bool changed = false;
            foreach (IkeSa sa in sas)
            {
                if (IkeDecryptionTable.Line(sa) is { } line && !_ikeLines.Contains(line))
                {
                    Add(_ikeLines, line);
                    changed = true;
                }
            }

            if (changed)
            {
                Write(IkePath, _ikeLines);
            }

            return changed;
        }
    }

    private static void Add(List<string> lines, string line)
    {
        lines.Add(line);
        if (lines.Count > MaxLines)
        {
            lines.RemoveAt(0);
        }
    }

    private static void Write(string path, IEnumerable<string> lines) => SecretFile.WriteLines(path, lines);
}
