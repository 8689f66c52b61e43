using System.Buffers.Binary;
using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Fixtures;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Encoding.Messages;

/// <summary>
/// Whole datagrams of the largest size IKE allows (65535 octets, RFC 7296 §3.1 Length) packed with the
/// smallest payloads a count field can inflate go through the receive path an SA really uses
/// (IkeSaManager.Receive → parse → validate, and for SK the decryption and inner chain) and allocate at
/// most <see cref="AllocationMeter.BytesPerInputOctet"/> × datagram + <see cref="AllocationMeter.FixedAllowance"/>.
/// Before issue 12 a datagram of 8-octet Delete payloads (SPI Size 0, Num of SPIs 65535) reserved
/// 512 KiB per payload, about 4 GiB per datagram.
/// </summary>
public sealed class MessageAllocationBoundTests
{
    private const int DeletePayloadLength = 8;

    /// <summary>Delete payloads (protocol IKE, SPI Size 0, Num of SPIs 65535, no SPI octets) filling <paramref name="room"/> octets.</summary>
    private static byte[] InflatedDeleteChain(int room)
    {
        var count = room / DeletePayloadLength;
        var chain = new byte[count * DeletePayloadLength];
        for (var i = 0; i < count; i++)
        {
            var p = chain.AsSpan(i * DeletePayloadLength, DeletePayloadLength);
            p[0] = i + 1 < count ? (byte)IkePayloadType.Delete : (byte)0;
            BinaryPrimitives.WriteUInt16BigEndian(p[2..], DeletePayloadLength);
            p[4] = (byte)IkeProtocolId.Ike;
            BinaryPrimitives.WriteUInt16BigEndian(p[6..], ushort.MaxValue);
        }

        return chain;
    }

    [Fact]
    public void Plaintext_datagram_of_inflated_deletes_from_the_underlay_is_bounded_and_dropped()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        var r = h.Responder!;
        var chain = InflatedDeleteChain(IkeConstants.MaxMessageLength - IkeConstants.HeaderLength);
        var datagram = new byte[IkeConstants.HeaderLength + chain.Length];
        var header = new IkeHeader(i.InitiatorSpi, i.ResponderSpi, IkePayloadType.Delete, IkeExchangeType.Informational,
            IkeHeaderFlags.Initiator, 2, (uint)datagram.Length);
        var w = new IkeWriter(datagram);
        header.Write(ref w);
        chain.CopyTo(datagram, IkeConstants.HeaderLength);
        Assert.True(datagram.Length > 65000);

        var dropped = r.Tasks.Stats.Dropped;
        AllocationMeter.AssertBounded(datagram.Length, () => h.B.Manager.Receive(datagram, AddressB, AddressA));

        Assert.Equal(dropped + 2, r.Tasks.Stats.Dropped);
        Assert.Contains("delete SPI size", r.Tasks.Stats.LastDropReason);
        Assert.Equal(IkeSaState.Established, r.State);
    }

    [Fact]
    public void Encrypted_message_of_inflated_deletes_from_an_authenticated_peer_is_bounded_and_dropped()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        var r = h.Responder!;
        // The same inflated encoding, written by DeletePayload itself: 65535 zero-length SPIs encode as 4 octets.
        var inflated = new DeletePayload(IkeProtocolId.Ike, 0, Enumerable.Repeat(Array.Empty<byte>(), ushort.MaxValue).ToArray());
        var inner = Enumerable.Repeat<IIkePayload>(inflated, (IkeConstants.MaxMessageLength - 128) / DeletePayloadLength).ToList();
        var header = new IkeHeader(i.InitiatorSpi, i.ResponderSpi, IkePayloadType.Encrypted, IkeExchangeType.Informational,
            IkeHeaderFlags.Initiator, 2, 0);
        var datagram = i.Protector!.Protect(header, inner);
        Assert.True(datagram.Length is > 65000 and <= IkeConstants.MaxMessageLength);

        var dropped = r.Tasks.Stats.Dropped;
        AllocationMeter.AssertBounded(datagram.Length, () => h.B.Manager.Receive(datagram, AddressB, AddressA));

        Assert.True(r.Tasks.Stats.Dropped > dropped);
        Assert.Contains("delete SPI size", r.Tasks.Stats.LastDropReason);
        Assert.Equal(IkeSaState.Established, r.State);
    }

    [Theory]
    [InlineData(IkePayloadType.Delete, new byte[] { 1, 0, 0, 0 })] // IKE SA delete, the smallest valid Delete
    [InlineData((IkePayloadType)200, new byte[0])] // unknown, kept for the round trip
    [InlineData(IkePayloadType.Notify, new byte[] { 0, 0, 0x40, 0x16 })] // empty status notify
    public void Datagram_of_the_smallest_payloads_parses_within_the_bound(IkePayloadType type, byte[] body)
    {
        var unit = 4 + body.Length;
        var count = (IkeConstants.MaxMessageLength - IkeConstants.HeaderLength) / unit;
        var datagram = new byte[IkeConstants.HeaderLength + count * unit];
        var w = new IkeWriter(datagram);
        new IkeHeader(1, 2, type, IkeExchangeType.Informational, IkeHeaderFlags.Initiator, 2, (uint)datagram.Length).Write(ref w);
        for (var k = 0; k < count; k++)
        {
            var p = datagram.AsSpan(IkeConstants.HeaderLength + k * unit, unit);
            p[0] = k + 1 < count ? (byte)type : (byte)0;
            BinaryPrimitives.WriteUInt16BigEndian(p[2..], (ushort)unit);
            body.CopyTo(p[4..]);
        }

        Assert.True(IkeMessage.TryParse(datagram, out var message, out var error), error.ToString());
        Assert.Equal(count, message.Payloads.Count);
        AllocationMeter.AssertBounded(datagram.Length, () => IkeMessage.TryParse(datagram, out _, out _));
    }
}
