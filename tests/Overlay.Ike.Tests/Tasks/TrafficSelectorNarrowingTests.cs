using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Tasks;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Tasks;

public sealed class TrafficSelectorNarrowingTests
{
    [Theory]
    [InlineData("10.0.0.0", "10.0.255.255", "10.0.1.0", "10.0.1.255", "10.0.1.0-10.0.1.255")]
    [InlineData("10.0.0.0", "10.0.0.200", "10.0.0.100", "10.0.1.50", "10.0.0.100-10.0.0.200")]
    [InlineData("10.0.0.0", "10.0.0.255", "10.0.1.0", "10.0.1.255", null)]
    [InlineData("2001:db8::", "2001:db8::ffff", "2001:db8::100", "2001:db8:1::", "2001:db8::100-2001:db8::ffff")]
    public void Address_ranges_intersect(string s1, string e1, string s2, string e2, string? expected)
    {
        var i = TrafficSelectorNarrowing.Intersect(Range(s1, e1), Range(s2, e2));
        Assert.Equal(expected, i is null ? null : $"{i.Start}-{i.End}");
    }

    [Fact]
    public void Protocol_and_ports_narrow_and_any_protocol_takes_the_specific_one()
    {
        var tcp = new AddressRangeSelector(TrafficSelectorType.Ipv4AddressRange, 6, 1000, 2000, [10, 0, 0, 0], [10, 0, 0, 255]);
        var i = TrafficSelectorNarrowing.Intersect(Range("10.0.0.0", "10.0.0.255"), tcp)!;
        Assert.Equal((6, 1000, 2000), (i.IpProtocol, i.StartPort, i.EndPort));
        var udp = tcp with { IpProtocol = 17 };
        Assert.Null(TrafficSelectorNarrowing.Intersect(tcp, udp));
        Assert.Null(TrafficSelectorNarrowing.Intersect(Range("10.0.0.0", "10.0.0.255"), Range("2001:db8::", "2001:db8::1")));
    }

    [Fact]
    public void Covered_means_inside_one_allowed_range()
    {
        Assert.True(TrafficSelectorNarrowing.IsCovered(Range("10.1.5.0", "10.1.5.255"), [Range("10.1.0.0", "10.1.255.255")]));
        Assert.False(TrafficSelectorNarrowing.IsCovered(Range("10.1.0.0", "10.2.0.0"), [Range("10.1.0.0", "10.1.255.255")]));
    }
}
