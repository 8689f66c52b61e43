using Microsoft.Extensions.Time.Testing;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Tests.Esp;

public sealed class EspSaLifetimeTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Soft_time_requests_one_rekey_and_hard_time_expires_both_directions()
    {
        var lifetime = new SaLifetime(0, 0, 0, 0, TimeSpan.FromMinutes(50), TimeSpan.FromMinutes(60));
        (EspSa outbound, EspSa inbound) = TestSas.Pair(lifetime: lifetime, time: _time);
        var rekeys = new List<SaLimit>();
        var expiries = new List<SaLimit>();
        outbound.RekeyRequested += (_, limit) => rekeys.Add(limit);
        outbound.Expired += (_, limit) => expiries.Add(limit);

        _time.Advance(TimeSpan.FromMinutes(49));
        Assert.Equal(SaState.Active, outbound.State);
        byte[] early = Seal(outbound);

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal([SaLimit.Time], rekeys);
        Assert.Equal(SaState.RekeyRequested, outbound.State);
        Assert.Equal(EspOpenResult.Ok, inbound.TryOpen(early, new byte[early.Length], out _, out _)); // still flows

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal([SaLimit.Time], expiries);
        Assert.Equal(SaState.Expired, outbound.State);
        Assert.Equal(SaState.Expired, inbound.State);
        Assert.Single(rekeys);

        var packet = new byte[200];
        Assert.Equal(EspSealStatus.SaExpired, outbound.Seal(new byte[10], 97, packet, out _));
        Assert.Equal(EspOpenResult.SaExpired, inbound.TryOpen(early, packet, out _, out _));
        Assert.Equal(1, outbound.Drops[DropReason.SaExpired]);
        Assert.Equal(1, inbound.Drops[DropReason.SaExpired]);
    }

    [Fact]
    public void Packet_limits_rekey_once_then_expire_after_the_last_allowed_packet()
    {
        (EspSa outbound, _) = TestSas.Pair(lifetime: new SaLifetime(3, 5, 0, 0, default, default), time: _time);
        int rekeys = 0;
        outbound.RekeyRequested += (_, limit) => { rekeys++; Assert.Equal(SaLimit.Packets, limit); };

        var packet = new byte[100];
        var results = new List<EspSealStatus>();
        for (int i = 0; i < 7; i++)
        {
            results.Add(outbound.Seal(new byte[10], 97, packet, out _));
        }

        Assert.Equal(
            [EspSealStatus.Ok, EspSealStatus.Ok, EspSealStatus.Ok, EspSealStatus.Ok, EspSealStatus.Ok, EspSealStatus.SaExpired, EspSealStatus.SaExpired],
            results);
        Assert.Equal(1, rekeys);
        Assert.Equal(SaLimit.Packets, outbound.ExpiredBy);
        Assert.Equal(5, outbound.Traffic.Packets);
    }

    [Fact]
    public void Byte_limits_count_inner_bytes_on_the_receive_side_too()
    {
        var lifetime = new SaLifetime(0, 0, 1000, 2000, default, default);
        (EspSa outbound, EspSa inbound) = TestSas.Pair(lifetime: lifetime with { SoftBytes = 0, HardBytes = 0 }, time: _time);
        inbound.Dispose();
        inbound = EspSa.Create(TestSas.Descriptor(SaDirection.Inbound, lifetime: lifetime), _time);
        SaLimit? rekey = null;
        inbound.RekeyRequested += (_, limit) => rekey = limit;

        var results = new List<EspOpenResult>();
        for (int i = 0; i < 5; i++)
        {
            byte[] packet = Seal(outbound, 600);
            results.Add(inbound.TryOpen(packet, new byte[packet.Length], out _, out _));
            if (i == 1)
            {
                Assert.Equal(SaLimit.Bytes, rekey); // 1200 bytes passed the soft 1000
            }
        }

        // 600, 1200, 1800 are fine; 2400 crosses the hard limit after delivery; then refused.
        Assert.Equal([EspOpenResult.Ok, EspOpenResult.Ok, EspOpenResult.Ok, EspOpenResult.Ok, EspOpenResult.SaExpired], results);
        Assert.Equal(SaLimit.Bytes, inbound.ExpiredBy);
    }

    [Fact]
    public void Nearing_the_end_of_the_32_bit_sequence_space_requests_a_rekey()
    {
        (EspSa outbound, _) = TestSas.Pair(esn: false, time: _time);
        SaLimit? rekey = null;
        outbound.RekeyRequested += (_, limit) => rekey = limit;
        outbound.PrimeOutboundSequence(EspSa.RekeyAfterSequence32 - 2);

        Seal(outbound);
        Assert.Null(rekey);
        Seal(outbound);
        Assert.Equal(SaLimit.SequenceSpace, rekey);
        Assert.Equal(SaState.RekeyRequested, outbound.State);
    }

    [Fact]
    public void Removal_expires_the_SA_and_disposes_its_timers()
    {
        (EspSa outbound, _) = TestSas.Pair(lifetime: new SaLifetime(0, 0, 0, 0, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)), time: _time);
        var events = new List<SaLimit>();
        outbound.RekeyRequested += (_, limit) => events.Add(limit);
        outbound.Expired += (_, limit) => events.Add(limit);

        outbound.Dispose();
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal([SaLimit.Removed], events);
        Assert.Equal(EspSealStatus.SaExpired, outbound.Seal(new byte[4], 97, new byte[64], out _));
    }

    [Fact]
    public void Inconsistent_lifetimes_are_refused_at_creation()
    {
        var bad = new SaLifetime(10, 5, 0, 0, default, default);
        Assert.NotNull(bad.Validate());
        Assert.Throws<ArgumentException>(() => EspSa.Create(TestSas.Descriptor(SaDirection.Outbound, lifetime: bad)));
    }

    private static byte[] Seal(EspSa sa, int length = 10)
    {
        var packet = new byte[EspSa.GetSealedLength(length)];
        Assert.Equal(EspSealStatus.Ok, sa.Seal(TestSas.Payload(length), 97, packet, out _));
        return packet;
    }
}
