using System.Net;
using Microsoft.Extensions.Time.Testing;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Tests.Sa;

public sealed class SaTableTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly SaTable _table;

    public SaTableTests()
    {
        _table = new SaTable(_time);
    }

    [Fact]
    public void Installed_SAs_are_found_by_SPI_and_by_tunnel()
    {
        Assert.Equal(SaInstallResult.Installed, _table.Install(TestSas.Descriptor(SaDirection.Inbound, spi: 0x1111)));
        Assert.Equal(SaInstallResult.Installed, _table.Install(TestSas.Descriptor(SaDirection.Outbound, spi: 0x1111)));
        Assert.Equal(SaInstallResult.DuplicateSpi, _table.Install(TestSas.Descriptor(SaDirection.Inbound, spi: 0x1111)));

        Assert.True(_table.TryGetInbound(0x1111, out EspSa inbound));
        Assert.Equal(SaDirection.Inbound, inbound.Direction);
        Assert.True(_table.TryGetOutbound(new IPEndPoint(IPAddress.Parse("192.0.2.2"), 4500), 10, out EspSa outbound));
        Assert.Equal(SaDirection.Outbound, outbound.Direction);
        Assert.False(_table.TryGetOutbound(TestSas.Peer, 11, out _));
        Assert.Equal((1, 1), (_table.InboundCount, _table.OutboundCount));
    }

    [Fact]
    public void Invalid_descriptors_are_refused()
    {
        Assert.Equal(SaInstallResult.Invalid, _table.Install(TestSas.Descriptor(SaDirection.Inbound, spi: 255)));
        Assert.Equal(SaInstallResult.Invalid, _table.Install(TestSas.Descriptor(SaDirection.Inbound, vlanId: 0)));
        Assert.Equal(SaInstallResult.Invalid, _table.Install(TestSas.Descriptor(SaDirection.Inbound, key: new byte[16])));
        Assert.Equal(SaInstallResult.Invalid, _table.Install(TestSas.Descriptor(SaDirection.Inbound, window: 512)));
        Assert.Equal(SaInstallResult.Invalid, _table.Install(TestSas.Descriptor(SaDirection.Inbound) with { TvdLabel = " " }));
        Assert.Equal(0, _table.InboundCount);
    }

    [Fact]
    public void Lookup_counts_unknown_SPIs_and_runts()
    {
        _table.Install(TestSas.Descriptor(SaDirection.Inbound, spi: 0x1111));
        Assert.Equal(DropReason.None, _table.LookupInbound(Convert.FromHexString("00001111000000010000"), out EspSa? sa));
        Assert.Equal(0x1111u, sa!.Spi);
        Assert.Equal(DropReason.UnknownSpi, _table.LookupInbound(Convert.FromHexString("00002222000000010000"), out _));
        Assert.Equal(DropReason.Runt, _table.LookupInbound(new byte[3], out _));
        Assert.Equal(1, _table.GlobalDrops[DropReason.UnknownSpi]);
        Assert.Equal(1, _table.GlobalDrops[DropReason.Runt]);
    }

    [Fact]
    public void Removed_SAs_stop_at_once_and_are_gone_from_lookups()
    {
        _table.Install(TestSas.Descriptor(SaDirection.Outbound, spi: 0x1111));
        Assert.True(_table.TryGetOutbound(TestSas.Peer, 10, out EspSa sa));
        SaLimit? expired = null;
        _table.Expired += (_, limit) => expired = limit;

        Assert.True(_table.Remove(0x1111, SaDirection.Outbound));
        Assert.False(_table.Remove(0x1111, SaDirection.Outbound));
        Assert.False(_table.TryGetOutbound(TestSas.Peer, 10, out _));
        Assert.Equal(SaLimit.Removed, expired);
        Assert.Equal(EspSealStatus.SaExpired, sa.Seal(new byte[4], 97, new byte[64], out _));
    }

    [Fact]
    public void A_rekeyed_outbound_SA_waits_until_the_peer_sends_on_the_new_pair()
    {
        // Make-before-break (RFC 7296 §2.8): as rekey responder we install the new pair before the initiator
        // has its inbound side; sending on it at once would lose packets. Old pair 0x1111/0x5555.
        _table.Install(TestSas.Descriptor(SaDirection.Outbound, spi: 0x1111));
        _table.Install(TestSas.Descriptor(SaDirection.Inbound, spi: 0x5555));
        _table.Install(TestSas.Descriptor(SaDirection.Inbound, spi: 0x6666)); // new pair, inbound first
        _table.Install(TestSas.Descriptor(SaDirection.Outbound, spi: 0x2222));
        Assert.True(_table.TryGetInbound(0x5555, out EspSa oldIn));
        Assert.True(_table.TryGetInbound(0x6666, out EspSa newIn));

        Assert.True(_table.TryGetOutbound(TestSas.Peer, 10, out EspSa beforePeerSwitched));
        _table.OnAuthenticated(oldIn);
        Assert.True(_table.TryGetOutbound(TestSas.Peer, 10, out EspSa afterOldTraffic));
        _table.OnAuthenticated(newIn);
        Assert.True(_table.TryGetOutbound(TestSas.Peer, 10, out EspSa afterNewTraffic));

        Assert.Equal(0x1111u, beforePeerSwitched.Spi);
        Assert.Equal(0x1111u, afterOldTraffic.Spi);
        Assert.Equal(0x2222u, afterNewTraffic.Spi);
    }

    [Fact]
    public void A_rekeyed_outbound_SA_takes_over_when_the_old_one_is_deleted()
    {
        _table.Install(TestSas.Descriptor(SaDirection.Outbound, spi: 0x1111));
        _table.Install(TestSas.Descriptor(SaDirection.Outbound, spi: 0x2222));
        Assert.True(_table.TryGetOutbound(TestSas.Peer, 10, out EspSa current));
        Assert.Equal(0x1111u, current.Spi);

        _table.Remove(0x1111, SaDirection.Outbound); // the old CHILD_SA's DELETE
        Assert.True(_table.TryGetOutbound(TestSas.Peer, 10, out current));
        Assert.Equal(0x2222u, current.Spi);
    }

    [Fact]
    public void When_the_current_SA_of_a_tunnel_is_removed_the_newest_remaining_one_takes_over()
    {
        _table.Install(TestSas.Descriptor(SaDirection.Outbound, spi: 0x3333));
        _table.Install(TestSas.Descriptor(SaDirection.Outbound, spi: 0x1111));
        _table.Install(TestSas.Descriptor(SaDirection.Outbound, spi: 0x4444, vlanId: 11));
        _table.Install(TestSas.Descriptor(SaDirection.Outbound, spi: 0x2222));

        _table.Remove(0x3333, SaDirection.Outbound);
        Assert.True(_table.TryGetOutbound(TestSas.Peer, 10, out EspSa current));
        Assert.Equal(0x2222u, current.Spi);

        _table.Remove(0x2222, SaDirection.Outbound); // e.g. a rekey that failed after install
        Assert.True(_table.TryGetOutbound(TestSas.Peer, 10, out current));
        Assert.Equal(0x1111u, current.Spi);

        _table.Remove(0x1111, SaDirection.Outbound);
        Assert.False(_table.TryGetOutbound(TestSas.Peer, 10, out _));
        Assert.True(_table.TryGetOutbound(TestSas.Peer, 11, out _));
    }

    [Fact]
    public void A_port_thread_never_finds_a_tunnel_without_an_SA_while_rekeys_replace_it()
    {
        // What a rekey under load does: install the new SA, delete the old one, again and again, while
        // port threads look the tunnel up for every frame.
        _table.Install(TestSas.Descriptor(SaDirection.Outbound, spi: 0x1000));
        long misses = 0;
        using var stop = new CancellationTokenSource();
        var lookups = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (!_table.TryGetOutbound(TestSas.Peer, 10, out _))
                {
                    Interlocked.Increment(ref misses);
                }
            }
        });
        lookups.Start();
        for (uint spi = 0x1001; spi < 0x1001 + 2000; spi++)
        {
            _table.Install(TestSas.Descriptor(SaDirection.Outbound, spi: spi));
            _table.Remove(spi - 1, SaDirection.Outbound);
        }

        stop.Cancel();
        Assert.True(lookups.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, Interlocked.Read(ref misses));
        Assert.True(_table.TryGetOutbound(TestSas.Peer, 10, out EspSa last));
        Assert.Equal(0x1001u + 1999, last.Spi);
    }

    [Fact]
    public void A_retired_inbound_SA_opens_packets_until_its_grace_ends()
    {
        _table.Install(TestSas.Descriptor(SaDirection.Inbound, spi: 0x1111));
        _table.Install(TestSas.Descriptor(SaDirection.Inbound, spi: 0x2222)); // the rekeyed pair's inbound SA
        Assert.True(_table.RetireInbound(0x1111, TimeSpan.FromSeconds(5)));
        Assert.False(_table.RetireInbound(0x9999, TimeSpan.FromSeconds(5)));

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.True(_table.TryGetInbound(0x1111, out EspSa old));
        Assert.False(old.IsExpired);
        Assert.Equal(1, _table.RetiringCount);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(_table.TryGetInbound(0x1111, out _));
        Assert.True(old.IsExpired);
        Assert.True(_table.TryGetInbound(0x2222, out _));
        Assert.Equal(0, _table.RetiringCount);
    }

    [Fact]
    public void Removing_the_last_live_inbound_SA_of_a_tunnel_ends_its_retiring_ones_at_once()
    {
        _table.Install(TestSas.Descriptor(SaDirection.Inbound, spi: 0x1111));
        _table.Install(TestSas.Descriptor(SaDirection.Inbound, spi: 0x2222));
        _table.Install(TestSas.Descriptor(SaDirection.Inbound, spi: 0x3333, vlanId: 11)); // another TVD
        _table.RetireInbound(0x1111, TimeSpan.FromSeconds(5));
        _table.RetireInbound(0x3333, TimeSpan.FromSeconds(5));

        _table.Remove(0x2222, SaDirection.Inbound); // the peer or the TVD goes: no grace for anything of it
        Assert.False(_table.TryGetInbound(0x1111, out _));
        Assert.True(_table.TryGetInbound(0x3333, out _)); // not this tunnel's: keeps its grace
        Assert.Equal(1, _table.RetiringCount);
    }

    [Fact]
    public void SA_events_reach_the_table_and_drops_reach_the_global_counters()
    {
        var lifetime = new SaLifetime(0, 0, 0, 0, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20));
        _table.Install(TestSas.Descriptor(SaDirection.Inbound, spi: 0x1111, lifetime: lifetime));
        var events = new List<(uint, SaLimit)>();
        _table.RekeyRequested += (sa, limit) => events.Add((sa.Spi, limit));

        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal([(0x1111u, SaLimit.Time)], events);

        Assert.True(_table.TryGetInbound(0x1111, out EspSa inbound));
        inbound.TryOpen(new byte[10], new byte[10], out _, out _);
        Assert.Equal(1, _table.GlobalDrops[DropReason.Truncated]);

        EspSaStatus status = Assert.Single(_table.Snapshot());
        Assert.Equal((0x1111u, SaState.RekeyRequested, "red"), (status.Spi, status.State, status.TvdLabel));
        Assert.Equal(1, status.Drops[DropReason.Truncated]);
    }
}
