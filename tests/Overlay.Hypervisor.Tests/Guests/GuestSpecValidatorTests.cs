using Overlay.Hypervisor.Guests;

namespace Overlay.Hypervisor.Tests.Guests;

public sealed class GuestSpecValidatorTests
{
    [Fact]
    public void A_derived_guest_is_valid_and_its_ports_fit_ifnamsiz()
    {
        var g = GuestSpec.Create("a-very-long-guest-name-that-is-still-a-valid-policy-name", ["red-net", "blue-net"]);

        Assert.Empty(GuestSpecValidator.Problems(g));
        Assert.All(g.Nics, n => Assert.True(n.PortName.Length <= 15, n.PortName));
        Assert.Equal(PortNames.For(g.Name, 0), g.Nics[0].PortName);
        Assert.NotEqual(g.Nics[0].PortName, g.Nics[1].PortName);
        Assert.NotEqual(g.Nics[0].MacAddress, g.Nics[1].MacAddress);
        Assert.StartsWith("52:54:00:", g.Nics[0].MacAddress);
    }

    [Theory]
    [InlineData("../x", "guest name")]
    [InlineData("", "guest name")]
    [InlineData("a b", "guest name")]
    public void Unsafe_names_are_refused(string name, string expected)
    {
        Assert.Contains(GuestSpecValidator.Problems(GuestSpec.Create(name, ["red-net"])), p => p.Contains(expected));
    }

    [Fact]
    public void Each_problem_is_reported()
    {
        var g = new GuestSpec(
            "g",
            [new GuestNic("red-net", "vnet0", "52:54:00:00:00:01"), new GuestNic("red-net", "vnet0", "zz")],
            [new GuestVolume("v", "relative.img")],
            Image: "disk.img",
            Initrd: "/boot/initrd",
            VCpus: 0,
            MemoryMiB: 1);

        var problems = GuestSpecValidator.Problems(g);

        Assert.Contains(problems, p => p.Contains("vcpus = 0"));
        Assert.Contains(problems, p => p.Contains("memory = 1 MiB"));
        Assert.Contains(problems, p => p.Contains("initrd needs a kernel"));
        Assert.Contains(problems, p => p.Contains("reserves"));
        Assert.Contains(problems, p => p.Contains("used twice"));
        Assert.Contains(problems, p => p.Contains("one vNIC per TVD network"));
        Assert.Contains(problems, p => p.Contains("'zz'"));
        Assert.Contains(problems, p => p.Contains("image path 'disk.img' must be absolute"));
        Assert.Contains(problems, p => p.Contains("volume 'v'"));
    }
}
