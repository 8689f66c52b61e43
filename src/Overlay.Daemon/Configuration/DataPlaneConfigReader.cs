using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Overlay.Common.Toml;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;

namespace Overlay.Daemon.Configuration;

/// <summary>
/// Reads <c>[dataplane]</c>, <c>[[dataplane.port]]</c>, <c>[[dataplane.peer]]</c> and
/// <c>[[dataplane.sa]]</c> (syntax only: names are checked against the policy later, by
/// <c>DataPlaneHost.DataPlaneBinder</c>). Every problem is a <c>file:line:column</c> error.
/// </summary>
internal static class DataPlaneConfigReader
{
    public const string Table = "dataplane";
    public const string PortTable = "dataplane.port";
    public const string PeerTable = "dataplane.peer";
    public const string SaTable = "dataplane.sa";

    private static readonly string[] TableKeys = ["underlay", "port", "mtu", "debug_key_export", "underlay_io", "workers"];
    private static readonly string[] PortKeys = ["name", "interface", "guest", "network", "io"];
    private static readonly string[] PeerKeys = ["name", "address", "port"];
    private static readonly string[] SaKeys = ["peer", "tvd", "direction", "spi", "key", "mode", "esn", "local_ts", "remote_ts"];

    public static bool IsDataPlaneTable(TomlSection table) =>
        (table.Form == SectionForm.Table && table.Name == Table)
        || (table.Form == SectionForm.ArrayOfTables && table.Name is PortTable or PeerTable or SaTable);

    /// <summary>Null when there is no [dataplane] (the daemon then runs without a data plane).</summary>
    public static DataPlaneConfig? Read(IReadOnlyList<TomlSection> tables, string file, List<ConfigError> errors)
    {
        TomlSection? main = tables.FirstOrDefault(t => t.Name == Table);
        if (main is null)
        {
            foreach (TomlSection table in tables)
            {
                errors.Add(new ConfigError(table.NameLocation.ToConfigLocation(), $"[[{table.Name}]] needs a [dataplane] table with underlay = \"<this host's underlay address>\""));
            }

            return null;
        }

        int before = errors.Count;
        var reader = new ConfigTableReader(main, errors, TableKeys);
        List<IPAddress>? underlays = Underlays(main, reader);
        long? port = reader.Integer("port", 1, 65535, DataPlaneConfig.DefaultPort);
        long? mtu = reader.Integer("mtu", 576, 9000, DataPlaneConfig.DefaultMtu);
        long? workers = reader.Integer("workers", 1, DataPlaneConfig.MaxWorkers, DataPlaneConfig.DefaultWorkers);
        string? export = reader.String("debug_key_export", required: false);
        string? underlayIoText = reader.String("underlay_io", required: false);
        UnderlayIo? underlayIo = underlayIoText switch
        {
            null or "udp" => UnderlayIo.Udp,
            "af_xdp" => UnderlayIo.AfXdp,
            _ => Invalid<UnderlayIo>(reader, "underlay_io", $"underlay_io must be \"udp\" or \"af_xdp\", not \"{underlayIoText}\""),
        };
        string baseDirectory = Path.GetDirectoryName(file) ?? "/";

        var ports = new List<PortConfig>();
        var peers = new List<PeerConfig>();
        var sas = new List<StaticSaConfig>();
        foreach (TomlSection table in tables)
        {
            switch (table.Name)
            {
                case PortTable:
                    AddIfValid(ports, ReadPort(table, errors));
                    break;
                case PeerTable:
                    AddIfValid(peers, ReadPeer(table, errors, (int)(port ?? DataPlaneConfig.DefaultPort), underlays));
                    break;
                case SaTable:
                    AddIfValid(sas, ReadSa(table, errors));
                    break;
            }
        }

        CheckUnique(ports, p => p.Name, p => p.Location, "port name", errors);
        CheckUnique(ports, p => p.Interface, p => p.Location, "port interface", errors);
        CheckUnique(peers, p => p.Name, p => p.Location, "peer name", errors);
        CheckUnique(sas, s => $"{s.Direction} {s.Spi:x8}", s => s.Location, "SPI (per direction)", errors);
        if (errors.Count > before || underlays is null || underlayIo is null)
        {
            return null;
        }

        return new DataPlaneConfig(underlays[0], (int)port!, (int)mtu!, export is null ? null : Path.GetFullPath(export, baseDirectory),
            ports, peers, sas, reader.Location)
        {
            Underlays = underlays,
            UnderlayIo = underlayIo.Value,
            Workers = (int)workers!,
        };
    }

    /// <summary>
    /// <c>underlay</c>: one address (IPv4 or IPv6), or a list of one address per family for a host on both
    /// (<c>["192.0.2.1", "2001:db8::1"]</c>). Null (with located errors) when written wrong.
    /// </summary>
    private static List<IPAddress>? Underlays(TomlSection main, ConfigTableReader r)
    {
        if (main.Entries.FirstOrDefault(e => e.Key == "underlay")?.Value is not Tomlyn.Syntax.ArraySyntax)
        {
            return Address(r, "underlay", required: true) is { } single ? [single] : null;
        }

        var list = new List<IPAddress>();
        int before = r.ErrorCount;
        IReadOnlyList<Located<string>> items = r.StringList("underlay", required: true)?.Value ?? [];
        foreach (Located<string> item in items)
        {
            ConfigLocation at = item.Location.ToConfigLocation();
            if (ParseAddress(item.Value) is not { } address)
            {
                r.Error(at, $"'underlay' must list IPv4 or IPv6 addresses, not \"{item.Value}\"");
            }
            else if (list.FirstOrDefault(a => a.AddressFamily == address.AddressFamily) is { } other)
            {
                r.Error(at, $"'underlay' lists two {FamilyName(address.AddressFamily)} addresses ({other}, {address}): one per family");
            }
            else
            {
                list.Add(address);
            }
        }

        if (items.Count == 0 && r.ErrorCount == before)
        {
            r.Error(r.LocationOf("underlay"), "'underlay' must list at least one address");
        }

        return r.ErrorCount > before ? null : list;
    }

    internal static string FamilyName(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";

    private static PortConfig? ReadPort(TomlSection table, List<ConfigError> errors)
    {
        var r = new ConfigTableReader(table, errors, PortKeys);
        string? name = r.String("name", true);
        string? ifname = r.String("interface", true);
        string? guest = r.String("guest", true);
        string? network = r.String("network", true);
        string? ioText = r.String("io", false);
        PortIo? io = ioText switch
        {
            null => PortIo.Auto,
            "af_xdp" => PortIo.AfXdp,
            "af_packet" => PortIo.AfPacket,
            _ => Invalid<PortIo>(r, "io", $"io must be \"af_xdp\" or \"af_packet\", not \"{ioText}\""),
        };
        if (ifname is { Length: > 15 })
        {
            r.Error(r.LocationOf("interface"), $"interface name '{ifname}' is longer than 15 characters (IFNAMSIZ)");
            return null;
        }

        return name is null || ifname is null || guest is null || network is null || io is null
            ? null
            : new PortConfig(name, ifname, guest, network, r.Location) { Io = io.Value };
    }

    private static PeerConfig? ReadPeer(TomlSection table, List<ConfigError> errors, int defaultPort, List<IPAddress>? underlays)
    {
        var r = new ConfigTableReader(table, errors, PeerKeys);
        string? name = r.String("name", true);
        IPAddress? address = Address(r, "address", required: true);
        if (address is not null && underlays is not null && !underlays.Any(u => u.AddressFamily == address.AddressFamily))
        {
            r.Error(r.LocationOf("address"), $"peer address {address} is {FamilyName(address.AddressFamily)} but this host has no {FamilyName(address.AddressFamily)} "
                + $"underlay (underlay = {string.Join(", ", underlays)}); add one: underlay = [\"{underlays[0]}\", \"<this host's {FamilyName(address.AddressFamily)} address>\"]");
            return null;
        }

        long? port = r.Integer("port", 1, 65535, defaultPort);
        return name is null || address is null || port is null ? null : new PeerConfig(name, address, (int)port, r.Location);
    }

    private static StaticSaConfig? ReadSa(TomlSection table, List<ConfigError> errors)
    {
        var r = new ConfigTableReader(table, errors, SaKeys);
        string? peer = r.String("peer", true);
        string? tvd = r.String("tvd", true);
        string? direction = r.String("direction", true);
        long? spi = r.Integer("spi", EspConstants.MinAssignableSpi, uint.MaxValue, null, required: true);
        string? keyText = r.String("key", true);
        string mode = r.String("mode", false) ?? "etherip";
        bool? esn = r.Boolean("esn", true);

        SaDirection? dir = direction switch
        {
            "out" => SaDirection.Outbound,
            "in" => SaDirection.Inbound,
            null => null,
            _ => Invalid<SaDirection>(r, "direction", $"direction must be \"out\" or \"in\", not \"{direction}\""),
        };
        InnerMode? inner = mode switch
        {
            "etherip" => InnerMode.EtherIp,
            "ip" => InnerMode.Ip,
            _ => Invalid<InnerMode>(r, "mode", $"mode must be \"etherip\" or \"ip\", not \"{mode}\""),
        };
        byte[]? key = keyText is null ? null : ParseKey(r, keyText);
        int before = errors.Count;
        (List<IpPrefix> local, List<IpPrefix> remote) = ReadSelectors(r, inner);
        if (peer is null || tvd is null || dir is null || spi is null || key is null || inner is null || esn is null || errors.Count > before)
        {
            return null;
        }

        return new StaticSaConfig(peer, tvd, dir.Value, (uint)spi.Value, key, inner.Value, esn.Value, r.Location, r.LocationOf("peer"), r.LocationOf("tvd"))
        {
            LocalTs = local,
            RemoteTs = remote,
        };
    }

    /// <summary>
    /// <c>local_ts</c> / <c>remote_ts</c>, as in <c>[[ike.peer]]</c> (the selectors of an <c>ip xfrm policy</c>):
    /// required in mode ip, where remote_ts is what gets routed into the tunnel, and refused in mode etherip,
    /// which carries whole Ethernet frames and routes nothing. A remote prefix that overlaps a local one would
    /// send our own guests' traffic into the tunnel, so it is an error too.
    /// </summary>
    private static (List<IpPrefix> Local, List<IpPrefix> Remote) ReadSelectors(ConfigTableReader r, InnerMode? mode)
    {
        List<IpPrefix> local = PrefixList.Read(r, "local_ts");
        List<IpPrefix> remote = PrefixList.Read(r, "remote_ts");
        if (mode == InnerMode.Ip && (local.Count == 0 || remote.Count == 0))
        {
            r.Error(r.Location, "mode \"ip\" needs local_ts and remote_ts (the protected prefixes on each side, e.g. \"10.13.1.0/24\")");
        }
        else if (mode == InnerMode.EtherIp)
        {
            foreach (string key in new[] { "local_ts", "remote_ts" }.Where(k => r.LocationOf(k) != r.Location))
            {
                r.Error(r.LocationOf(key), $"'{key}' applies to mode \"ip\" only (etherip carries Ethernet frames and routes nothing)");
            }
        }

        foreach (IpPrefix prefix in remote.Where(p => local.Any(l => PrefixList.Overlap(l, p))))
        {
            r.Error(r.LocationOf("remote_ts"), $"'remote_ts': {prefix} overlaps local_ts (our own prefixes would be routed into the tunnel)");
        }

        return (local, remote);
    }

    /// <summary>Hex (optionally 0x-prefixed) of an AES-128 or AES-256 key followed by the 4-byte salt (RFC 4106 §8.1).</summary>
    private static byte[]? ParseKey(ConfigTableReader r, string text)
    {
        string hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        byte[] key;
        try
        {
            key = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            r.Error(r.LocationOf("key"), "key must be hexadecimal (AES key followed by the 4-byte salt)");
            return null;
        }

        if (key.Length is not (16 + EspConstants.GcmSaltSize) and not (32 + EspConstants.GcmSaltSize))
        {
            r.Error(r.LocationOf("key"), $"key must be 20 bytes (AES-128 + salt) or 36 bytes (AES-256 + salt), got {key.Length}");
            return null;
        }

        return key;
    }

    private static IPAddress? Address(ConfigTableReader r, string key, bool required)
    {
        string? text = r.String(key, required);
        if (text is null)
        {
            return null;
        }

        if (ParseAddress(text) is { } address)
        {
            return address;
        }

        r.Error(r.LocationOf(key), $"'{key}' must be an IPv4 address (dotted quad) or a global IPv6 address (not link-local), not \"{text}\"");
        return null;
    }

    /// <summary>
    /// A dotted-quad IPv4 or a global (or unique local) IPv6 address: link-local (needs a scope), multicast and
    /// IPv4-mapped (write the IPv4 address) are refused.
    /// </summary>
    private static IPAddress? ParseAddress(string text)
    {
        if (!IPAddress.TryParse(text, out IPAddress? address))
        {
            return null;
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork when text.Count(c => c == '.') == 3 => address,
            AddressFamily.InterNetworkV6 when address.ScopeId == 0 && !address.IsIPv4MappedToIPv6 && !address.IsIPv6LinkLocal && !address.IsIPv6Multicast
                && !text.Contains('%') => address,
            _ => null,
        };
    }

    private static T? Invalid<T>(ConfigTableReader r, string key, string message)
        where T : struct
    {
        r.Error(r.LocationOf(key), message);
        return null;
    }

    private static void AddIfValid<T>(List<T> list, T? item)
        where T : class
    {
        if (item is not null)
        {
            list.Add(item);
        }
    }

    private static void CheckUnique<T>(List<T> items, Func<T, string> key, Func<T, ConfigLocation> where, string what, List<ConfigError> errors)
    {
        foreach (IGrouping<string, T> group in items.GroupBy(key, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            foreach (T duplicate in group.Skip(1))
            {
                errors.Add(new ConfigError(where(duplicate), string.Create(CultureInfo.InvariantCulture, $"duplicate {what} '{group.Key}'")));
            }
        }
    }
}
