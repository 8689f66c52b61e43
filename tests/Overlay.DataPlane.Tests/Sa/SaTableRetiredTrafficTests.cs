using System.Net;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Tests.Sa;

/// <summary>What removed SAs carried stays countable per (peer, TVD, direction), so a tunnel's totals survive rekeys.</summary>
public sealed class SaTableRetiredTrafficTests
{
    private static readonly IPEndPoint Peer = new(IPAddress.Parse("10.200.0.2"), 4500);

    private static SaDescriptor Sa(SaDirection direction, uint spi, string label = "tvd:red") =>
        new(Peer, 101, label, direction, spi, EspCipher.AesGcm128, new byte[20]);

    [Fact]
    public void A_removed_sa_leaves_its_packets_bytes_and_drops_behind()
    {
        using var table = new SaTable();
        Assert.Equal(SaInstallResult.Installed, table.Install(Sa(SaDirection.Inbound, 0x1001)));
        Assert.True(table.TryGetInbound(0x1001, out EspSa sa));
        sa.Traffic.Add(100);
        sa.Traffic.Add(50);
        sa.Drops.Increment(DropReason.ForeignTag);

        Assert.Empty(table.RetiredSnapshot());
        Assert.True(table.Remove(0x1001, SaDirection.Inbound));

        RetiredTraffic retired = Assert.Single(table.RetiredSnapshot());
        Assert.Equal((Peer, "tvd:red", SaDirection.Inbound, 2L, 150L), (retired.Peer, retired.TvdLabel, retired.Direction, retired.Packets, retired.Bytes));
        Assert.Equal(1, retired.Drops[DropReason.ForeignTag]);
    }

    [Fact]
    public void Successive_sas_of_one_tunnel_add_up_and_other_keys_stay_apart()
    {
        using var table = new SaTable();
        foreach ((uint spi, int bytes) in new[] { (0x2001u, 10), (0x2002u, 20) })
        {
            table.Install(Sa(SaDirection.Outbound, spi));
            Assert.True(table.TryGetOutbound(Peer, 101, out EspSa sa));
            sa.Traffic.Add(bytes);
            table.Remove(spi, SaDirection.Outbound);
        }

        table.Install(Sa(SaDirection.Inbound, 0x3001, "tvd:blue"));
        table.Remove(0x3001, SaDirection.Inbound);

        var byKey = table.RetiredSnapshot().ToDictionary(r => (r.TvdLabel, r.Direction));
        Assert.Equal(2, byKey.Count);
        Assert.Equal((2L, 30L), (byKey[("tvd:red", SaDirection.Outbound)].Packets, byKey[("tvd:red", SaDirection.Outbound)].Bytes));
        Assert.Equal(0, byKey[("tvd:blue", SaDirection.Inbound)].Packets);
    }
}
