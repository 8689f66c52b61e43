using System.Buffers.Binary;
using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Tests.Fixtures;

namespace Overlay.Ike.Tests.Encoding.Payloads;

/// <summary>
/// Each payload decoder fed its worst case — count fields at their maximum with the fewest octets
/// behind them, or the largest payload (65535 octets) made of the smallest substructures — allocates at
/// most <see cref="AllocationMeter.BytesPerInputOctet"/> × input + <see cref="AllocationMeter.FixedAllowance"/>
/// bytes, whether the decode succeeds or fails (issue 12, item 1).
/// </summary>
public class PayloadAllocationBoundTests
{
    private const int MaxPayloadLength = ushort.MaxValue;

    /// <summary>One payload: generic header (Next Payload 0, length) followed by <paramref name="body"/>.</summary>
    private static byte[] Payload(byte[] body)
    {
        var bytes = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), checked((ushort)bytes.Length));
        body.CopyTo(bytes, 4);
        return bytes;
    }

    /// <summary>A body of <paramref name="prefix"/> then as many copies of <paramref name="unit"/> as fit one payload.</summary>
    private static byte[] Filled(byte[] prefix, byte[] unit)
    {
        var units = (MaxPayloadLength - 4 - prefix.Length) / unit.Length;
        var body = new byte[prefix.Length + units * unit.Length];
        prefix.CopyTo(body, 0);
        for (var i = 0; i < units; i++)
        {
            unit.CopyTo(body, prefix.Length + i * unit.Length);
        }

        return body;
    }

    private static long Decode(IkePayloadType type, byte[] payload)
        => AllocationMeter.AssertBounded(payload.Length, () => PayloadChain.TryParse(payload, type, [], out _));

    [Fact]
    public void Delete_with_spi_size_0_and_65535_spis_is_rejected_without_sizing_a_list_by_the_count()
    {
        // Protocol IKE, SPI Size 0, Num of SPIs 65535: 0 × 65535 equals the 0 octets present.
        var payload = Payload([1, 0, 0xFF, 0xFF]);
        Assert.False(PayloadChain.TryParse(payload, IkePayloadType.Delete, [], out var error));
        Assert.Equal(NotifyType.InvalidSyntax, error.Notify);
        Assert.True(Decode(IkePayloadType.Delete, payload) < 1024);
    }

    [Fact]
    public void Delete_full_of_esp_spis_allocates_in_proportion_to_them()
    {
        var body = Filled([3, 4, 0, 0], [0, 0, 0, 1]);
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(2), (ushort)((body.Length - 4) / 4));
        var payload = Payload(body);
        Assert.True(PayloadChain.TryParse(payload, IkePayloadType.Delete, [], out var error), error.ToString());
        Decode(IkePayloadType.Delete, payload);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(255)]
    public void Delete_with_an_spi_size_other_than_0_or_4_is_invalid_syntax(byte spiSize)
    {
        var body = new byte[4 + spiSize];
        body[0] = 3;
        body[1] = spiSize;
        body[3] = 1; // Num of SPIs 1, its octets present
        Assert.False(PayloadChain.TryParse(Payload(body), IkePayloadType.Delete, [], out var error));
        Assert.Equal(NotifyType.InvalidSyntax, error.Notify);
    }

    [Fact]
    public void Proposal_claiming_255_transforms_with_none_present_does_not_reserve_room_for_them()
    {
        // SA payload with one 8-octet proposal: Last, length 8, number 1, ESP, SPI size 0, Num Transforms 255.
        var payload = Payload([0, 0, 0, 8, 1, 3, 0, 255]);
        Assert.False(PayloadChain.TryParse(payload, IkePayloadType.SecurityAssociation, [], out _));
        Assert.True(Decode(IkePayloadType.SecurityAssociation, payload) < 1024);
    }

    [Fact]
    public void Sa_payload_of_minimal_proposals_is_bounded()
    {
        // 8-octet proposals (no SPI, no transforms), "more follow" on all: fails only at the end.
        Decode(IkePayloadType.SecurityAssociation, Payload(Filled([], [2, 0, 0, 8, 1, 1, 0, 0])));
    }

    [Fact]
    public void Proposal_of_minimal_transforms_is_bounded()
    {
        var body = Filled([0, 0, 0, 0, 1, 1, 0, 255], [3, 0, 0, 8, 1, 0, 0, 12]);
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(2), (ushort)body.Length);
        Decode(IkePayloadType.SecurityAssociation, Payload(body));
    }

    [Fact]
    public void Transform_of_minimal_attributes_is_bounded()
    {
        // One proposal holding one transform holding 4-octet TV attributes (Key Length).
        var body = Filled([0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 12], [0x80, 14, 0, 128]);
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(2), (ushort)body.Length);
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(10), (ushort)(body.Length - 8));
        Assert.True(PayloadChain.TryParse(Payload(body), IkePayloadType.SecurityAssociation, [], out var error), error.ToString());
        Decode(IkePayloadType.SecurityAssociation, Payload(body));
    }

    [Fact]
    public void Ts_payload_claiming_255_selectors_with_none_present_does_not_reserve_room_for_them()
    {
        var payload = Payload([255, 0, 0, 0]);
        Assert.False(PayloadChain.TryParse(payload, IkePayloadType.TrafficSelectorInitiator, [], out _));
        Assert.True(Decode(IkePayloadType.TrafficSelectorInitiator, payload) < 1024);
    }

    [Fact]
    public void Ts_payload_of_minimal_selectors_is_bounded()
        => Decode(IkePayloadType.TrafficSelectorResponder, Payload(Filled([255, 0, 0, 0], [200, 0, 0, 4])));

    [Fact]
    public void Configuration_payload_of_empty_attributes_is_bounded()
        => Decode(IkePayloadType.Configuration, Payload(Filled([1, 0, 0, 0], [0, 1, 0, 0])));

    [Theory]
    [InlineData(IkePayloadType.KeyExchange)]
    [InlineData(IkePayloadType.IdInitiator)]
    [InlineData(IkePayloadType.Certificate)]
    [InlineData(IkePayloadType.CertificateRequest)]
    [InlineData(IkePayloadType.Authentication)]
    [InlineData(IkePayloadType.Nonce)]
    [InlineData(IkePayloadType.Notify)]
    [InlineData(IkePayloadType.VendorId)]
    [InlineData(IkePayloadType.Encrypted)]
    [InlineData(IkePayloadType.EncryptedFragment)]
    [InlineData((IkePayloadType)200)]
    public void Opaque_payloads_at_the_largest_length_are_bounded(IkePayloadType type)
    {
        // Length-prefixed fields set to their maximum (Notify SPI Size 255, SKF 1/1) over a full payload.
        var body = new byte[MaxPayloadLength - 4];
        body[1] = 255;
        body[3] = 1;
        Decode(type, Payload(body));
    }
}
