using Overlay.DataPlane.Frames;
using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Tests.Fixtures;

namespace Overlay.Ike.Tests.Encoding.Messages;

/// <summary>Our parser against real strongSwan 5.9.8 datagrams (Fixtures/strongswan).</summary>
public class StrongSwanMessageTests
{
    [Theory]
    [MemberData(nameof(StrongSwanCapture.AllMessages), MemberType = typeof(StrongSwanCapture))]
    public void Every_captured_message_parses_validates_and_reserializes_byte_identically(string connection, string file)
    {
        var capture = StrongSwanCapture.Load(connection);
        var bytes = capture.Ike(file);

        Assert.True(IkeMessage.TryParse(bytes, out var message, out var error), error.ToString());
        var validation = MessageValidator.Validate(message);
        Assert.False(validation.IsError, validation.ToString());
        Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(message.ToArray()));
    }

    [Theory]
    [MemberData(nameof(StrongSwanCapture.All), MemberType = typeof(StrongSwanCapture))]
    public void IkeSaInit_request_carries_what_charon_was_configured_with(string connection)
    {
        var capture = StrongSwanCapture.Load(connection);
        Assert.True(IkeMessage.TryParse(capture.InitRequest, out var request, out _));

        Assert.Equal(IkeExchangeType.IkeSaInit, request.Header.ExchangeType);
        Assert.False(request.IsResponse);
        Assert.True(request.Header.IsFromOriginalInitiator);
        Assert.Equal(0u, request.Header.MessageId);
        Assert.Equal(0ul, request.Header.ResponderSpi);
        var proposal = Assert.Single(request.Find<SecurityAssociationPayload>()!.Proposals);
        Assert.Equal(IkeProtocolId.Ike, proposal.Protocol);
        var encr = proposal.Find(TransformType.Encryption)!;
        var ke = request.Find<KeyExchangePayload>()!;
        if (connection == "gcm")
        {
            // aes256gcm16-prfsha384-ecp256
            Assert.Equal((ushort)EncryptionAlgorithm.AesGcm16, encr.Id);
            Assert.Equal(256, encr.KeyLengthBits);
            Assert.Equal((ushort)PrfAlgorithm.HmacSha2_384, proposal.Find(TransformType.Prf)!.Id);
            Assert.Equal(KeyExchangeMethod.Ecp256, ke.Group);
            Assert.Equal(64, ke.Data.Length);
        }
        else
        {
            // aes128-sha256-modp2048
            Assert.Equal((ushort)EncryptionAlgorithm.AesCbc, encr.Id);
            Assert.Equal(128, encr.KeyLengthBits);
            Assert.Equal((ushort)IntegrityAlgorithm.HmacSha2_256_128, proposal.Find(TransformType.Integrity)!.Id);
            Assert.Equal(KeyExchangeMethod.Modp2048, ke.Group);
            Assert.Equal(256, ke.Data.Length);
        }

        Assert.NotNull(request.FindNotify(NotifyType.NatDetectionSourceIp));
        Assert.NotNull(request.FindNotify(NotifyType.NatDetectionDestinationIp));
        Assert.NotNull(request.FindNotify(NotifyType.Ikev2FragmentationSupported));
        Assert.NotNull(request.FindNotify(NotifyType.SignatureHashAlgorithms));
    }

    [Theory]
    [MemberData(nameof(StrongSwanCapture.All), MemberType = typeof(StrongSwanCapture))]
    public void IkeSaInit_response_echoes_the_initiator_spi_and_picks_one_proposal(string connection)
    {
        var capture = StrongSwanCapture.Load(connection);
        Assert.True(IkeMessage.TryParse(capture.InitRequest, out var request, out _));
        Assert.True(IkeMessage.TryParse(capture.InitResponse, out var response, out _));

        Assert.True(response.IsResponse);
        Assert.False(response.Header.IsFromOriginalInitiator);
        Assert.Equal(request.Header.InitiatorSpi, response.Header.InitiatorSpi);
        Assert.NotEqual(0ul, response.Header.ResponderSpi);
        Assert.Single(response.Find<SecurityAssociationPayload>()!.Proposals);
        Assert.InRange(response.Find<NoncePayload>()!.Data.Length, 16, 256);
    }

    [Theory]
    [MemberData(nameof(StrongSwanCapture.All), MemberType = typeof(StrongSwanCapture))]
    public void Our_emission_order_matches_strongswans_for_IkeSaInit(string connection)
    {
        var capture = StrongSwanCapture.Load(connection);
        foreach (var bytes in new[] { capture.InitRequest, capture.InitResponse })
        {
            Assert.True(IkeMessage.TryParse(bytes, out var message, out _));
            // Notifies first (keeping their relative order, which the stable sort preserves), everything else reversed.
            var shuffled = message.Payloads.OfType<NotifyPayload>().Cast<IIkePayload>()
                .Concat(message.Payloads.Where(p => p is not NotifyPayload).Reverse());
            var ordered = MessageValidator.Order(message.Header.ExchangeType, message.IsResponse, shuffled);
            Assert.Equal(Describe(message.Payloads), Describe(ordered));
        }
    }

    internal static string Describe(IEnumerable<IIkePayload> payloads)
        => string.Join(",", payloads.Select(p => p is NotifyPayload n ? $"N({n.Type})" : p.PayloadType.ToString()));

    [Theory]
    [MemberData(nameof(StrongSwanCapture.All), MemberType = typeof(StrongSwanCapture))]
    public void Port_4500_datagrams_start_with_the_non_esp_marker(string connection)
    {
        var capture = StrongSwanCapture.Load(connection);
        var udp = capture.Datagrams.Single(d => d.File.Contains("IKE_AUTH-request", StringComparison.Ordinal)).Udp;

        Assert.Equal(UdpPayloadKind.Ike, UdpEncapsulation.Classify(udp));
        var ike = udp[UdpEncapsulation.NonEspMarkerLength..];
        var rebuilt = new byte[udp.Length];
        Assert.Equal(udp.Length, UdpEncapsulation.WriteIke(ike, rebuilt));
        Assert.Equal(udp, rebuilt);
    }
}
