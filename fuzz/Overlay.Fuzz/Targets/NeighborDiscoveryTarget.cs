using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Frames;

namespace Overlay.Fuzz.Targets;

/// <summary>
/// An Ethernet frame a guest sends on a port of a TVD with ip-mode tunnels: <see cref="NdResponder"/>'s neighbour
/// solicitation and advertisement parsers (RFC 4861 §7.1.1/§7.1.2 checks), and the proxy's answer. Oracles: nothing
/// allocated; a solicitation that parses gets an advertisement that parses back to the same target at the router MAC,
/// addressed to the asker (or to all-nodes for duplicate address detection) with the flags RFC 4861 §7.2.4/§7.2.8 ask
/// for; an advertisement that parses, written again from what was parsed, parses to the same flags, target and MAC.
/// </summary>
public sealed class NeighborDiscoveryTarget : FuzzTarget
{
    private static readonly MacAddress AllNodes = new(0x3333_0000_0001UL);

    private readonly byte[] _reply = new byte[NdResponder.AdvertisementFrameLength];

    public override string Name => "neighbor-discovery";

    public override string TestProject => "Overlay.DataPlane.Tests";

    public override string Description => "Ethernet frame from a guest: neighbour solicitation/advertisement checks, the proxy's answer round trip, 0 B";

    protected override void Execute(ReadOnlySpan<byte> input)
    {
        var start = Oracles.AllocatedBytes();
        NdResponder.IsNeighborDiscovery(input);
        if (NdResponder.TryParseSolicitation(input, out var asker, out var askerIp, out var target))
        {
            bool dad = askerIp.IndexOfAnyExcept((byte)0) < 0;
            NdResponder.WriteProxyAdvertisement(_reply, IpTunnelRouter.RouterMac, target, asker, askerIp);
            Oracles.Check(NdResponder.TryParseAdvertisement(_reply, out var flags, out var advertised, out var mac), "the proxy's advertisement does not parse");
            Oracles.Check(advertised.SequenceEqual(target) && mac == IpTunnelRouter.RouterMac, "the advertisement names another target or MAC");
            if (flags != (dad ? 0 : NdResponder.FlagSolicited))
            {
                throw new FuzzOracleException($"flags 0x{flags:x8} for a solicitation from {(dad ? "::" : "an address")}");
            }

            Oracles.Check(EthernetFrame.Destination(_reply) == (dad ? AllNodes : asker), "the advertisement goes to another MAC");
        }

        if (NdResponder.TryParseAdvertisement(input, out var inFlags, out var inTarget, out var inMac))
        {
            var destination = input.Slice(EthernetFrame.HeaderLength + 24, 16);
            NdResponder.WriteAdvertisement(_reply, inMac, EthernetFrame.Destination(input), inTarget, destination, inFlags);
            Oracles.Check(NdResponder.TryParseAdvertisement(_reply, out var flags, out var again, out var mac), "a parsed advertisement written again does not parse");
            Oracles.Check(flags == inFlags && again.SequenceEqual(inTarget) && mac == inMac, "a parsed advertisement written again parses differently");
        }

        Oracles.CheckAllocation("NdResponder", start, 0, 0, 0);
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(string repositoryRoot)
    {
        // Captured from Linux 6.18 on a veth (tests/Overlay.DataPlane.Tests/Forwarding/NdResponderTests.cs).
        yield return ("solicitation", Convert.FromHexString(
            "3333ff00001002000000000a86dd6000000000203afffd130001000000000000000000000010ff0200000000000000000001ff000010"
            + "87007d3a00000000fd13000200000000000000000000001001010200000000" + "0a"));
        yield return ("dad", Convert.FromHexString(
            "3333ff00001102000000000a86dd6000000000203aff00000000000000000000000000000000ff0200000000000000000001ff000011"
            + "8700ff1700000000fd1300010000000000000000000000110e01d28cd889c5" + "39"));
        yield return ("advertisement", Convert.FromHexString(
            "02000000000b02000000000a86dd6000000000203afffd130001000000000000000000000010fd130001000000000000000000000020"
            + "88001c1b60000000fd13000100000000000000000000001002010200000000" + "0a"));
    }
}
