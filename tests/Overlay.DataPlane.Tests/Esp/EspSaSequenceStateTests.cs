using System.Buffers.Binary;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;
using Overlay.DataPlane.Sequence;
using Overlay.DataPlane.Tests.Sequence;

namespace Overlay.DataPlane.Tests.Esp;

/// <summary>
/// A statically keyed outbound SA restarted with the same key: its packets carry IVs (= sequence numbers) above
/// every one sent before, and the peer's inbound SA, which did not restart, accepts them.
/// </summary>
public sealed class EspSaSequenceStateTests : IDisposable
{
    private const uint Spi = 0x1101;
    private static readonly byte[] KeyMaterial = TestSas.Key(EspCipher.AesGcm128);
    private readonly TestStateDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_restarted_static_sa_never_repeats_an_iv_and_the_peer_keeps_accepting_its_packets()
    {
        using EspSa peer = EspSa.Create(TestSas.Descriptor(SaDirection.Inbound, Spi, key: KeyMaterial));
        var ivs = new HashSet<ulong>();
        for (int run = 0; run < 4; run++)
        {
            // Each run: a new reserver on the same directory (a daemon start), an SA, a few packets, a crash.
            var reserver = new SequenceReserver(SequenceStateDirectory.Open(_dir.Path), block: 16);
            using EspSa sa = EspSa.Create(Static(reserver));
            for (int i = 0; i < 5 + (run * 11); i++)
            {
                byte[] packet = SealOne(sa, reserver);
                Assert.True(ivs.Add(Iv(packet)), $"run {run}: IV {Iv(packet)} sent before");
                Assert.Equal(EspOpenResult.Ok, peer.TryOpen(packet, new byte[packet.Length], out _, out _));
            }
        }

        Assert.Equal(0, peer.Drops[DropReason.Replay]);
    }

    [Fact]
    public void Without_a_reservation_the_sa_drops_and_counts_and_never_sends_an_unreserved_number()
    {
        using var store = new GatedStore(SequenceStateDirectory.Open(_dir.Path));
        using var reserver = new SequenceReserver(store, block: 4);
        var global = new DropCounters();
        using EspSa sa = EspSa.Create(Static(reserver), globalDrops: global);
        store.Failing = true; // the disk is gone; no thread runs the retries here

        var packet = new byte[EspSa.GetSealedLength(10)];
        var results = new List<EspSealStatus>();
        for (int i = 0; i < 6; i++)
        {
            results.Add(sa.Seal(new byte[10], EspConstants.NextHeaderEtherIp, packet, out _));
        }

        Assert.Equal([EspSealStatus.Ok, EspSealStatus.Ok, EspSealStatus.Ok, EspSealStatus.Ok, EspSealStatus.SequenceNotReserved, EspSealStatus.SequenceNotReserved], results);
        Assert.Equal(2, sa.Drops[DropReason.SequenceNotReserved]);
        Assert.Equal(2, global[DropReason.SequenceNotReserved]);
        Assert.Equal(4UL, sa.LastSequence);
        Assert.False(reserver.ReserveRequested());
        Assert.Equal(SaState.Active, sa.State); // it resumes once the disk is back

        store.Failing = false;
        Assert.True(reserver.ReserveRequested());
        Assert.Equal(EspSealStatus.Ok, sa.Seal(new byte[10], EspConstants.NextHeaderEtherIp, packet, out _));
        Assert.Equal(5UL, Iv(packet));
    }

    [Fact]
    public void Sealing_on_a_reserved_counter_allocates_nothing_even_when_it_asks_for_more_or_drops()
    {
        using var store = new GatedStore(SequenceStateDirectory.Open(_dir.Path));
        using var reserver = new SequenceReserver(store, block: 64);
        using EspSa sa = EspSa.Create(Static(reserver));
        var inner = new byte[100];
        var packet = new byte[EspSa.GetSealedLength(inner.Length)];
        sa.Seal(inner, EspConstants.NextHeaderEtherIp, packet, out _); // warm-up
        store.Failing = true;

        long before = GC.GetAllocatedBytesForCurrentThread();
        int ok = 0, dropped = 0;
        for (int i = 0; i < 100; i++) // crosses the request point (32) and the end of the reservation (64)
        {
            if (sa.Seal(inner, EspConstants.NextHeaderEtherIp, packet, out _) == EspSealStatus.Ok)
            {
                ok++;
            }
            else
            {
                dropped++;
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal((63, 37), (ok, dropped));
        Assert.Equal(37, sa.Drops[DropReason.SequenceNotReserved]);
    }

    [Fact]
    public void An_sa_removed_and_installed_again_in_one_run_continues_its_numbers()
    {
        using var reserver = new SequenceReserver(SequenceStateDirectory.Open(_dir.Path), block: 1024);
        using var table = new SaTable();
        SaDescriptor descriptor = Static(reserver);
        var packet = new byte[EspSa.GetSealedLength(10)];

        Assert.Equal(SaInstallResult.Installed, table.Install(descriptor));
        Assert.True(table.TryGetOutbound(TestSas.Peer, descriptor.TvdVlanId, out EspSa first));
        Assert.True(first.TrySeal(new byte[10], 97, packet, out _));
        Assert.True(first.TrySeal(new byte[10], 97, packet, out _));
        Assert.True(table.Remove(Spi, SaDirection.Outbound));

        Assert.Equal(SaInstallResult.Installed, table.Install(Static(reserver)));
        Assert.True(table.TryGetOutbound(TestSas.Peer, descriptor.TvdVlanId, out EspSa second));
        Assert.True(second.TrySeal(new byte[10], 97, packet, out _));
        Assert.Equal(3UL, Iv(packet));
    }

    [Fact]
    public void A_counter_must_match_the_sa_it_is_given_to()
    {
        using var reserver = new SequenceReserver(SequenceStateDirectory.Open(_dir.Path), block: 64);
        OutboundSequence esn = reserver.Open(Spi, KeyMaterial, extendedSequenceNumbers: true);

        Assert.Contains("64-bit", TestSas.Descriptor(SaDirection.Outbound, Spi, key: KeyMaterial, esn: false) with { Sequence = esn } is { } d ? d.Validate() : "", StringComparison.Ordinal);
        Assert.NotNull((TestSas.Descriptor(SaDirection.Inbound, Spi, key: KeyMaterial) with { Sequence = esn }).Validate());
        Assert.Null(Static(reserver).Validate());
    }

    private static SaDescriptor Static(SequenceReserver reserver) =>
        TestSas.Descriptor(SaDirection.Outbound, Spi, key: KeyMaterial) with { Sequence = reserver.Open(Spi, KeyMaterial, true) };

    private static byte[] SealOne(EspSa sa, SequenceReserver reserver)
    {
        var packet = new byte[EspSa.GetSealedLength(10)];
        EspSealStatus status = sa.Seal(new byte[10], EspConstants.NextHeaderEtherIp, packet, out _);
        if (status == EspSealStatus.SequenceNotReserved)
        {
            reserver.ReserveRequested(); // what the reserver's thread does in the background
            status = sa.Seal(new byte[10], EspConstants.NextHeaderEtherIp, packet, out _);
        }

        Assert.Equal(EspSealStatus.Ok, status);
        return packet;
    }

    /// <summary>The 8-byte explicit IV right after SPI and sequence number (RFC 4106 §3.1).</summary>
    private static ulong Iv(byte[] packet) => BinaryPrimitives.ReadUInt64BigEndian(packet.AsSpan(EspConstants.HeaderSize));
}
