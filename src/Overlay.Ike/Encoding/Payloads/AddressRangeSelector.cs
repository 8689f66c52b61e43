using System.Net;

namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// TS_IPV4_ADDR_RANGE (7) and TS_IPV6_ADDR_RANGE (8) traffic selectors (RFC 7296 §3.13.1).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   TS Type     |IP Protocol ID*|       Selector Length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Start Port*         |           End Port*           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                         Starting Address*                     ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                         Ending Address*                       ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Selector Length is 16 for IPv4 and 40 for IPv6.
/// </summary>
public sealed record AddressRangeSelector(
    TrafficSelectorType RangeType, byte IpProtocol, ushort StartPort, ushort EndPort, byte[] StartAddress, byte[] EndAddress)
    : TrafficSelector
{
    public override TrafficSelectorType Type => RangeType;

    /// <summary>All protocols and ports between two addresses of the same family.</summary>
    public static AddressRangeSelector Range(IPAddress start, IPAddress end)
        => new(start.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? TrafficSelectorType.Ipv6AddressRange : TrafficSelectorType.Ipv4AddressRange,
            0, 0, ushort.MaxValue, start.GetAddressBytes(), end.GetAddressBytes());

    public IPAddress Start => new(StartAddress);

    public IPAddress End => new(EndAddress);

    private static int AddressLength(TrafficSelectorType type) => type == TrafficSelectorType.Ipv4AddressRange ? 4 : 16;

    public override int GetEncodedLength() => HeaderLength + 4 + 2 * AddressLength(RangeType);

    internal static bool TryReadBody(ref IkeReader r, TrafficSelectorType type, byte protocol, IkePayloadType payload, out TrafficSelector value)
    {
        value = null!;
        var addressLength = AddressLength(type);
        if (r.Remaining != 4 + 2 * addressLength)
        {
            return r.Fail("address range selector length does not fit its type", payload);
        }

        r.TryReadUInt16(out var startPort);
        r.TryReadUInt16(out var endPort);
        r.TryReadBytes(addressLength, out var start);
        r.TryReadBytes(addressLength, out var end);
        value = new AddressRangeSelector(type, protocol, startPort, endPort, start.ToArray(), end.ToArray());
        return true;
    }

    public override void Write(ref IkeWriter w)
    {
        WriteHeader(ref w, IpProtocol);
        w.WriteUInt16(StartPort);
        w.WriteUInt16(EndPort);
        w.WriteBytes(StartAddress);
        w.WriteBytes(EndAddress);
    }

    public override IkeParseError Validate()
    {
        var n = AddressLength(RangeType);
        var ok = StartAddress.Length == n && EndAddress.Length == n;
        return ok ? IkeParseError.None : IkeParseError.Syntax("address range selector has addresses of the wrong size");
    }

    public override string ToString() => $"{Start}-{End} proto {IpProtocol} ports {StartPort}-{EndPort}";
}
