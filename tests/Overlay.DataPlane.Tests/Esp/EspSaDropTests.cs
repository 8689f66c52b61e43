using System.Buffers.Binary;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Tests.Esp;

/// <summary>Each crafted bad packet yields its result, one count on the SA and one globally, and no exception.</summary>
public sealed class EspSaDropTests
{
    private readonly DropCounters _global = new();
    private readonly EspSa _outbound;
    private readonly EspSa _inbound;

    public EspSaDropTests()
    {
        (_outbound, _inbound) = TestSas.Pair(global: _global);
    }

    [Fact]
    public void Truncated_packets_are_dropped()
    {
        byte[] good = Seal(100);
        foreach (int length in new[] { 0, 3, 8, 16, EspConstants.MinPacketSize - 1 })
        {
            AssertDropped(good[..length], EspOpenResult.Truncated);
        }

        Assert.Equal(5, _inbound.Drops[DropReason.Truncated]);
    }

    [Fact]
    public void A_ciphertext_that_is_not_4_byte_aligned_is_malformed()
    {
        byte[] good = Seal(100);
        AssertDropped(good[..^1], EspOpenResult.Malformed);
    }

    [Fact]
    public void A_packet_for_another_SPI_is_dropped_before_decryption()
    {
        byte[] packet = Seal(100);
        BinaryPrimitives.WriteUInt32BigEndian(packet, 0x2000);
        AssertDropped(packet, EspOpenResult.UnknownSpi);
    }

    [Fact]
    public void A_replayed_packet_is_dropped()
    {
        byte[] packet = Seal(100);
        Assert.Equal(EspOpenResult.Ok, Open(packet));
        AssertDropped(packet, EspOpenResult.Replay);
    }

    [Theory]
    [InlineData("ICV", -1)]
    [InlineData("ciphertext", EspConstants.PayloadOffset + 5)]
    [InlineData("IV", EspConstants.HeaderSize + 2)]
    [InlineData("sequence number (in the AAD)", 7)]
    public void A_flipped_bit_fails_authentication_and_leaves_the_window_alone(string where, int offset)
    {
        byte[] packet = Seal(100);
        packet[offset < 0 ? packet.Length + offset : offset] ^= 0x10;
        AssertDropped(packet, EspOpenResult.AuthFailed);
        Assert.Equal(0UL, _inbound.Window!.Top);
        _ = where;
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(16)]
    public void A_packet_whose_ICV_was_cut_short_fails_authentication(int missing)
    {
        // Still 4-byte aligned, so the SA takes the last 16 bytes left as the ICV: part tag, part ciphertext.
        byte[] packet = Seal(100);
        AssertDropped(packet[..^missing], EspOpenResult.AuthFailed);
        Assert.Equal(0UL, _inbound.Window!.Top);
        Assert.Equal(EspOpenResult.Ok, Open(packet)); // the cut copy consumed nothing
    }

    [Fact]
    public void A_forged_ICV_is_counted_once_per_packet_on_the_SA_and_globally()
    {
        byte[] packet = Seal(1400);
        packet[^5] ^= 0xff;
        for (int i = 0; i < 50; i++)
        {
            AssertDropped(packet, EspOpenResult.AuthFailed);
        }

        Assert.Equal(50, _inbound.Drops[DropReason.AuthFailed]);
        Assert.Equal(50, _global[DropReason.AuthFailed]);
        Assert.Equal(50, _inbound.Drops.Total);
    }

    [Fact]
    public void An_authenticated_packet_with_the_wrong_high_sequence_half_fails_authentication()
    {
        // The sender is 2^32 ahead: the low half matches, the AAD's high half does not.
        _outbound.PrimeOutboundSequence(0x1_0000_0000);
        AssertDropped(Seal(20), EspOpenResult.AuthFailed);
    }

    [Theory]
    [InlineData(new byte[] { 1, 3 }, null)] // not monotonic
    [InlineData(new byte[] { 0, 1 }, null)] // starts at 0
    [InlineData(new byte[] { }, 200)] // pad length longer than the payload
    public void Bad_padding_is_dropped_after_authentication(byte[] padBytes, int? padLengthField)
    {
        // Payload + pad + 2-byte trailer stays 4-byte aligned, so only the padding is wrong.
        byte[] plain = EspPacketCrafter.Plaintext(TestSas.Payload(padBytes.Length == 2 ? 40 : 42), 97, padBytes, padLengthField);
        byte[] packet = EspPacketCrafter.Craft(TestSas.Descriptor(SaDirection.Inbound), 1, plain);
        AssertDropped(packet, EspOpenResult.BadPadding);
        Assert.Equal(1UL, _inbound.Window!.Top); // authenticated, so it is consumed
    }

    [Theory]
    [InlineData(4)]
    [InlineData(41)]
    [InlineData(6)]
    [InlineData(255)]
    public void An_EtherIp_SA_drops_other_next_headers(byte nextHeader)
    {
        byte[] plain = EspPacketCrafter.Plaintext(TestSas.Payload(40), nextHeader);
        AssertDropped(EspPacketCrafter.Craft(TestSas.Descriptor(SaDirection.Inbound), 1, plain), EspOpenResult.BadNextHeader);
    }

    [Fact]
    public void A_dummy_packet_is_discarded_silently()
    {
        byte[] plain = EspPacketCrafter.Plaintext(TestSas.Payload(40), EspConstants.NextHeaderNone);
        byte[] packet = EspPacketCrafter.Craft(TestSas.Descriptor(SaDirection.Inbound), 1, plain);
        Assert.Equal(EspOpenResult.Dummy, Open(packet));
        Assert.Equal(0, _inbound.Drops.Total);
    }

    [Fact]
    public void The_crafter_agrees_with_the_SA_for_a_good_packet()
    {
        byte[] payload = TestSas.Payload(41);
        byte[] packet = EspPacketCrafter.Craft(TestSas.Descriptor(SaDirection.Inbound), 7, EspPacketCrafter.Plaintext(payload, 97));
        var inner = new byte[packet.Length];
        Assert.Equal(EspOpenResult.Ok, _inbound.TryOpen(packet, inner, out int length, out _));
        Assert.Equal(payload, inner[..length]);
    }

    [Fact]
    public void Output_buffers_that_are_too_small_are_refused()
    {
        var small = new byte[EspSa.GetSealedLength(100) - 1];
        Assert.Equal(EspSealStatus.BufferTooSmall, _outbound.Seal(new byte[100], 97, small, out int written));
        Assert.Equal(0, written);
        Assert.Equal(0UL, _outbound.LastSequence); // no sequence number burnt

        byte[] packet = Seal(100);
        Assert.Equal(EspOpenResult.BufferTooSmall, _inbound.TryOpen(packet, new byte[50], out _, out _));
        Assert.Equal(EspOpenResult.BufferTooSmall, _inbound.TryOpen(packet, packet.AsSpan(EspConstants.PayloadOffset + 1), out _, out _));
        Assert.Equal(EspOpenResult.Ok, Open(packet)); // not consumed by the refusals
    }

    [Fact]
    public void Random_garbage_never_throws_and_is_always_counted()
    {
        var random = new Random(4303);
        var inner = new byte[2048];
        for (int i = 0; i < 2000; i++)
        {
            var packet = new byte[random.Next(0, 200)];
            random.NextBytes(packet);
            if (packet.Length >= 4 && i % 2 == 0)
            {
                BinaryPrimitives.WriteUInt32BigEndian(packet, 0x1000); // reach the crypto
            }

            EspOpenResult result = _inbound.TryOpen(packet, inner, out _, out _);
            Assert.NotEqual(EspOpenResult.Ok, result);
        }

        Assert.Equal(2000, _inbound.Drops.Total);
        Assert.True(_inbound.Drops[DropReason.AuthFailed] > 0);
    }

    private byte[] Seal(int length)
    {
        var packet = new byte[EspSa.GetSealedLength(length)];
        Assert.True(_outbound.TrySeal(TestSas.Payload(length), 97, packet, out _));
        return packet;
    }

    private EspOpenResult Open(byte[] packet) => _inbound.TryOpen(packet, new byte[packet.Length], out _, out _);

    private void AssertDropped(byte[] packet, EspOpenResult expected)
    {
        long before = _inbound.Drops[expected.ToDropReason()];
        long globalBefore = _global[expected.ToDropReason()];
        Assert.Equal(expected, _inbound.TryOpen(packet, new byte[Math.Max(packet.Length, 1)], out int length, out _));
        Assert.Equal(0, length);
        Assert.Equal(before + 1, _inbound.Drops[expected.ToDropReason()]);
        Assert.Equal(globalBefore + 1, _global[expected.ToDropReason()]);
    }
}
