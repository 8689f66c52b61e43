using System.Net;
using Overlay.Daemon.IkeHost;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Daemon.Tests.IkeHost;

public sealed class ChildRecordTests
{
    [Theory]
    [InlineData("fd13:1::", "fd13:1::ffff:ffff:ffff:ffff", "fd13:1::/64")]
    [InlineData("10.13.1.0", "10.13.1.255", "10.13.1.0/24")]
    [InlineData("10.13.1.5", "10.13.1.5", "10.13.1.5/32")]
    [InlineData("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0")]
    [InlineData("fd13:1::10", "fd13:1::1f", "fd13:1::10/124")]
    [InlineData("fd13:1::10", "fd13:1::20", "fd13:1::10-fd13:1::20")]
    [InlineData("10.13.1.1", "10.13.1.255", "10.13.1.1-10.13.1.255")]
    public void A_negotiated_range_is_shown_as_a_prefix_when_it_is_one(string start, string end, string expected) =>
        Assert.Equal(expected, ChildRecord.Describe(AddressRangeSelector.Range(IPAddress.Parse(start), IPAddress.Parse(end))));
}
