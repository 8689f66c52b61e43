using System.Text;
using Overlay.Cli.Capture;
using Overlay.Common.Capture;

namespace Overlay.Cli.Tests.Capture;

/// <summary>The names of ports and peers the daemon tells in endpoint-name records.</summary>
public sealed class EndpointNamesTests
{
    [Fact]
    public void A_told_name_is_used_and_a_newer_one_replaces_it()
    {
        var names = new EndpointNames();
        var port = new CaptureEndpointRef(CaptureEndpointKind.Port, 3);
        Assert.Equal(new CaptureEndpoint("port", "#3"), names[port]);
        names.Learn(Body(port, "h1red"));
        Assert.Equal(new CaptureEndpoint("port", "h1red"), names[port]);
        names.Learn(Body(port, "h1red-2")); // the slot was reused by another port
        Assert.Equal(new CaptureEndpoint("port", "h1red-2"), names[port]);
        Assert.Equal(new CaptureEndpoint("peer", "#3"), names[port with { Kind = CaptureEndpointKind.Peer }]);
    }

    [Theory]
    [InlineData("01000000")] // shorter than kind and id
    [InlineData("0300000001ff")] // an unknown kind
    [InlineData("0100000001c3")] // not UTF-8
    public void A_broken_record_is_an_error(string hex) =>
        Assert.Throws<InvalidDataException>(() => new EndpointNames().Learn(Convert.FromHexString(hex)));

    [Fact]
    public void A_name_longer_than_the_bound_is_refused_and_one_written_is_cut_to_it()
    {
        var port = new CaptureEndpointRef(CaptureEndpointKind.Port, 1);
        byte[] tooLong = [1, 0, 0, 0, 1, .. Encoding.UTF8.GetBytes(new string('a', CaptureEndpointName.MaxNameBytes + 1))];
        Assert.Throws<InvalidDataException>(() => new EndpointNames().Learn(tooLong));

        string name = new string('a', CaptureEndpointName.MaxNameBytes - 1) + "é"; // the 2-octet é would cross the bound
        byte[] written = Body(port, name);
        Assert.Equal(CaptureEndpointName.FixedLength + CaptureEndpointName.MaxNameBytes - 1, written.Length);
        var names = new EndpointNames();
        names.Learn(written);
        Assert.Equal(name[..^1], names[port].Name);
    }

    [Fact]
    public void More_names_than_any_host_has_are_an_error()
    {
        var names = new EndpointNames();
        for (uint id = 0; id < EndpointNames.MaxNames; id++)
        {
            names.Learn(Body(new CaptureEndpointRef(CaptureEndpointKind.Peer, id), "p"));
        }

        names.Learn(Body(new CaptureEndpointRef(CaptureEndpointKind.Peer, 0), "renamed")); // a known one may still change
        Assert.Throws<InvalidDataException>(() => names.Learn(Body(new CaptureEndpointRef(CaptureEndpointKind.Port, 0), "one more")));
    }

    private static byte[] Body(CaptureEndpointRef endpoint, string name)
    {
        var record = new CaptureEndpointName(endpoint, name);
        byte[] body = new byte[record.BodyLength];
        Assert.Equal(body.Length, record.Write(body));
        return body;
    }
}
