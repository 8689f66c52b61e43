using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Tasks;

/// <summary>
/// Traffic selector narrowing (RFC 7296 §2.9): the responder answers with the intersection of
/// what the initiator asked for and what its policy allows; the initiator checks that every
/// answered selector lies inside what it asked for. Address ranges only; the label selector
/// (RFC 9478) is handled by the CHILD_SA task.
/// </summary>
public static class TrafficSelectorNarrowing
{
    /// <summary>Every non-empty intersection of a requested range with an allowed range.</summary>
    public static List<AddressRangeSelector> Narrow(IEnumerable<AddressRangeSelector> requested, IEnumerable<AddressRangeSelector> allowed)
    {
        var result = new List<AddressRangeSelector>();
        foreach (var r in requested)
        {
            foreach (var a in allowed)
            {
                if (Intersect(r, a) is { } i && !result.Contains(i, SelectorComparer.Instance))
                {
                    result.Add(i);
                }
            }
        }

        return result;
    }

    /// <summary>True when <paramref name="inner"/> lies entirely inside one of <paramref name="outer"/>.</summary>
    public static bool IsCovered(AddressRangeSelector inner, IEnumerable<AddressRangeSelector> outer)
        => outer.Any(o => Intersect(inner, o) is { } i && SelectorComparer.Instance.Equals(i, inner));

    public static AddressRangeSelector? Intersect(AddressRangeSelector a, AddressRangeSelector b)
    {
        if (a.RangeType != b.RangeType)
        {
            return null;
        }
        // IP protocol 0 means any (§3.13.1).
        if (a.IpProtocol != 0 && b.IpProtocol != 0 && a.IpProtocol != b.IpProtocol)
        {
            return null;
        }

        var protocol = a.IpProtocol != 0 ? a.IpProtocol : b.IpProtocol;
        var startPort = Math.Max(a.StartPort, b.StartPort);
        var endPort = Math.Min(a.EndPort, b.EndPort);
        var start = Max(a.StartAddress, b.StartAddress);
        var end = Min(a.EndAddress, b.EndAddress);
        if (startPort > endPort || start.AsSpan().SequenceCompareTo(end) > 0)
        {
            return null;
        }

        return new AddressRangeSelector(a.RangeType, protocol, startPort, endPort, start, end);
    }

    // Addresses are big-endian octet strings of equal length, so lexicographic order is numeric order.
    private static byte[] Max(byte[] x, byte[] y) => x.AsSpan().SequenceCompareTo(y) >= 0 ? x : y;

    private static byte[] Min(byte[] x, byte[] y) => x.AsSpan().SequenceCompareTo(y) <= 0 ? x : y;

    private sealed class SelectorComparer : IEqualityComparer<AddressRangeSelector>
    {
        public static readonly SelectorComparer Instance = new();

        public bool Equals(AddressRangeSelector? x, AddressRangeSelector? y)
            => x is not null && y is not null && x.RangeType == y.RangeType && x.IpProtocol == y.IpProtocol
               && x.StartPort == y.StartPort && x.EndPort == y.EndPort
               && x.StartAddress.AsSpan().SequenceEqual(y.StartAddress) && x.EndAddress.AsSpan().SequenceEqual(y.EndAddress);

        public int GetHashCode(AddressRangeSelector obj) => HashCode.Combine(obj.RangeType, obj.StartPort, obj.EndPort);
    }
}
