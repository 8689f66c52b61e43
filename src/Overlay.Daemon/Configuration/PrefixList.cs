namespace Overlay.Daemon.Configuration;

/// <summary>
/// A comma-separated list of address prefixes (<c>"10.13.1.0/24, 10.13.5.7"</c>), as <c>local_ts</c> and
/// <c>remote_ts</c> are written for ip-mode tunnels. Every part that is no prefix is a located error.
/// </summary>
internal static class PrefixList
{
    public static List<IpPrefix> Read(ConfigTableReader r, string key)
    {
        var list = new List<IpPrefix>();
        foreach (string part in (r.String(key, required: false) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IpPrefix.TryParse(part, out IpPrefix? prefix))
            {
                list.Add(prefix!);
            }
            else
            {
                r.Error(r.LocationOf(key), $"'{key}': \"{part}\" is not an address prefix like 10.13.2.0/24");
            }
        }

        return list;
    }

    /// <summary>True when the two prefixes share an address (same family, one contains the other's start).</summary>
    public static bool Overlap(IpPrefix a, IpPrefix b) =>
        a.Network.AddressFamily == b.Network.AddressFamily
        && Compare(a.First, b.Last) <= 0 && Compare(b.First, a.Last) <= 0;

    private static int Compare(System.Net.IPAddress x, System.Net.IPAddress y) =>
        x.GetAddressBytes().AsSpan().SequenceCompareTo(y.GetAddressBytes());
}
