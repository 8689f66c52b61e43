using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Tests.Esp;

public sealed class EspSaRoundTripTests
{
    [Theory]
    [InlineData(EspCipher.AesGcm128, true)]
    [InlineData(EspCipher.AesGcm128, false)]
    [InlineData(EspCipher.AesGcm256, true)]
    [InlineData(EspCipher.AesGcm256, false)]
    public void Payloads_of_every_padding_length_come_back_unchanged(EspCipher cipher, bool esn)
    {
        (EspSa outbound, EspSa inbound) = TestSas.Pair(cipher, esn);
        using (outbound)
        using (inbound)
        {
            for (int length = 0; length <= 1420; length += length < 40 ? 1 : 97)
            {
                byte[] payload = TestSas.Payload(length);
                var packet = new byte[EspSa.GetSealedLength(length)];
                Assert.True(outbound.TrySeal(payload, EspConstants.NextHeaderEtherIp, packet, out int written));
                Assert.Equal(packet.Length, written);
                Assert.Equal(0, written % 4);

                var inner = new byte[written];
                Assert.Equal(EspOpenResult.Ok, inbound.TryOpen(packet, inner, out int innerLength, out byte nextHeader));
                Assert.Equal(payload, inner[..innerLength]);
                Assert.Equal(EspConstants.NextHeaderEtherIp, nextHeader);
            }
        }
    }

    [Fact]
    public void Sequence_numbers_start_at_1_and_the_IV_is_the_sequence_number()
    {
        (EspSa outbound, _) = TestSas.Pair();
        var packet = new byte[EspSa.GetSealedLength(10)];
        for (ulong expected = 1; expected <= 3; expected++)
        {
            Assert.True(outbound.TrySeal(new byte[10], 97, packet, out _));
            Assert.True(EspHeader.TryParse(packet, out EspHeader header));
            Assert.Equal(0x1000u, header.Spi);
            Assert.Equal((uint)expected, header.SequenceLow);
            Assert.Equal(expected, System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(packet.AsSpan(8)));
        }
    }

    [Fact]
    public void Seal_and_open_work_in_place_in_one_buffer()
    {
        (EspSa outbound, EspSa inbound) = TestSas.Pair();
        byte[] payload = TestSas.Payload(1400);
        var buffer = new byte[EspSa.GetSealedLength(payload.Length)];
        payload.CopyTo(buffer, EspConstants.PayloadOffset);

        Assert.True(outbound.TrySeal(buffer.AsSpan(EspConstants.PayloadOffset, payload.Length), 97, buffer, out int written));
        Assert.NotEqual(payload, buffer.AsSpan(EspConstants.PayloadOffset, payload.Length).ToArray());

        Assert.Equal(EspOpenResult.Ok, inbound.TryOpen(buffer.AsSpan(0, written), buffer.AsSpan(EspConstants.PayloadOffset), out int length, out _));
        Assert.Equal(payload, buffer.AsSpan(EspConstants.PayloadOffset, length).ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(30)]
    public void Seal_accepts_a_payload_anywhere_in_the_output_buffer(int payloadOffset)
    {
        (EspSa outbound, EspSa inbound) = TestSas.Pair();
        byte[] payload = TestSas.Payload(200);
        var buffer = new byte[300];
        payload.CopyTo(buffer, payloadOffset);

        Assert.True(outbound.TrySeal(buffer.AsSpan(payloadOffset, payload.Length), 97, buffer, out int written));

        var inner = new byte[written];
        Assert.Equal(EspOpenResult.Ok, inbound.TryOpen(buffer.AsSpan(0, written), inner, out int length, out _));
        Assert.Equal(payload, inner[..length]);
    }

    [Fact]
    public void Ip_mode_carries_IPv4_and_IPv6_and_refuses_EtherIp()
    {
        (EspSa outbound, EspSa inbound) = TestSas.Pair(mode: InnerMode.Ip);
        foreach ((byte nh, EspOpenResult expected) in new[]
        {
            (EspConstants.NextHeaderIPv4, EspOpenResult.Ok),
            (EspConstants.NextHeaderIPv6, EspOpenResult.Ok),
            (EspConstants.NextHeaderEtherIp, EspOpenResult.BadNextHeader),
        })
        {
            var packet = new byte[EspSa.GetSealedLength(40)];
            Assert.True(outbound.TrySeal(TestSas.Payload(40), nh, packet, out int written));
            Assert.Equal(expected, inbound.TryOpen(packet.AsSpan(0, written), new byte[written], out _, out byte got));
            Assert.Equal(expected == EspOpenResult.Ok ? nh : (byte)0, got);
        }
    }

    [Fact]
    public void ESN_traffic_crosses_the_2_pow_32_boundary_and_the_receiver_infers_the_high_half()
    {
        (EspSa outbound, EspSa inbound) = TestSas.Pair(esn: true);
        outbound.PrimeOutboundSequence(0xFFFF_FFF0);
        inbound.PrimeReplayWindow(0xFFFF_FFF0);
        var packets = new List<byte[]>();
        for (int i = 0; i < 32; i++)
        {
            var packet = new byte[EspSa.GetSealedLength(64)];
            Assert.True(outbound.TrySeal(TestSas.Payload(64, (byte)i), 97, packet, out _));
            packets.Add(packet);
        }

        Assert.Equal(0x1_0000_0010UL, outbound.LastSequence);

        // Deliver out of order across the wrap: the last 16 (high half 1) before the first 16.
        foreach (byte[] packet in packets.Skip(16).Concat(packets.Take(16)))
        {
            Assert.Equal(EspOpenResult.Ok, inbound.TryOpen(packet, new byte[packet.Length], out _, out _));
        }

        Assert.Equal(0x1_0000_0010UL, inbound.Window!.Top);
    }

    [Fact]
    public void Without_ESN_a_sender_expires_after_sequence_2_pow_32_minus_1()
    {
        (EspSa outbound, EspSa inbound) = TestSas.Pair(esn: false);
        outbound.PrimeOutboundSequence(uint.MaxValue - 1);
        inbound.PrimeReplayWindow(uint.MaxValue - 1);
        var packet = new byte[EspSa.GetSealedLength(8)];

        Assert.Equal(EspSealStatus.Ok, outbound.Seal(new byte[8], 97, packet, out _));
        Assert.Equal(EspOpenResult.Ok, inbound.TryOpen(packet, new byte[packet.Length], out _, out _));
        Assert.Equal(EspSealStatus.SaExpired, outbound.Seal(new byte[8], 97, packet, out _));
        Assert.Equal(SaState.Expired, outbound.State);
        Assert.Equal(SaLimit.SequenceSpace, outbound.ExpiredBy);
        Assert.Equal(1, outbound.Drops[Overlay.DataPlane.Counters.DropReason.SaExpired]);
    }

    [Fact]
    public void With_ESN_the_sender_never_sends_2_pow_64_minus_1()
    {
        (EspSa outbound, _) = TestSas.Pair(esn: true);
        outbound.PrimeOutboundSequence(ulong.MaxValue - 2);
        var packet = new byte[EspSa.GetSealedLength(8)];

        Assert.Equal(EspSealStatus.Ok, outbound.Seal(new byte[8], 97, packet, out _)); // 2^64 - 2
        Assert.Equal(EspSealStatus.SaExpired, outbound.Seal(new byte[8], 97, packet, out _));
        Assert.Equal(EspSealStatus.SaExpired, outbound.Seal(new byte[8], 97, packet, out _));
    }

    [Fact]
    public void Wrong_direction_is_refused_without_counting()
    {
        (EspSa outbound, EspSa inbound) = TestSas.Pair();
        var packet = new byte[EspSa.GetSealedLength(8)];
        Assert.Equal(EspSealStatus.WrongDirection, inbound.Seal(new byte[8], 97, packet, out _));
        Assert.Equal(EspOpenResult.WrongDirection, outbound.TryOpen(packet, packet, out _, out _));
        Assert.Equal(0, inbound.Drops.Total + outbound.Drops.Total);
    }
}
