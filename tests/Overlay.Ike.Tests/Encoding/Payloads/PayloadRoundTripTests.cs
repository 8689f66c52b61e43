using System.Net;
using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Tests.Encoding.Payloads;

/// <summary>Every payload type: write → read → write gives the same octets, and known encodings are exact.</summary>
public class PayloadRoundTripTests
{
    public static IEnumerable<object[]> Payloads()
    {
        IIkePayload[] all =
        [
            new SecurityAssociationPayload([
                new Proposal(1, IkeProtocolId.Ike, [], [
                    new Transform(TransformType.Encryption, (ushort)EncryptionAlgorithm.AesGcm16, [TransformAttribute.KeyLength(256)]),
                    new Transform(TransformType.Prf, (ushort)PrfAlgorithm.HmacSha2_384),
                    new Transform(TransformType.KeyExchange, (ushort)KeyExchangeMethod.Curve25519)]),
                new Proposal(2, IkeProtocolId.Esp, [1, 2, 3, 4], [
                    new Transform(TransformType.Encryption, (ushort)EncryptionAlgorithm.AesCbc, [TransformAttribute.KeyLength(128),
                        new TransformAttribute(0x1234, false, 0, [9, 9, 9])]),
                    new Transform(TransformType.Integrity, (ushort)IntegrityAlgorithm.HmacSha2_256_128),
                    new Transform(TransformType.ExtendedSequenceNumbers, (ushort)EsnValue.NoEsn)])]),
            new KeyExchangePayload(KeyExchangeMethod.Curve25519, Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()),
            IdentificationPayload.Fqdn(true, "hostA"),
            IdentificationPayload.Address(false, IPAddress.Parse("2001:db8::1")),
            new IdentificationPayload(true, IdType.KeyId, [0xAA, 0xBB]),
            new IdentificationPayload(false, IdType.DerAsn1Dn, [0x30, 0x00]),
            new CertificatePayload(CertificateEncoding.X509Signature, [0x30, 0x82, 0x01]),
            new CertificateRequestPayload(CertificateEncoding.X509Signature, new byte[40]),
            new AuthenticationPayload(AuthMethod.SharedKeyMessageIntegrityCode, new byte[32]),
            new NoncePayload(new byte[16]),
            new NotifyPayload(NotifyType.Cookie, [1, 2, 3]),
            new NotifyPayload(IkeProtocolId.Esp, [0, 0, 0, 7], NotifyType.RekeySa, []),
            NotifyPayload.InvalidKe(KeyExchangeMethod.Ecp256),
            new DeletePayload(IkeProtocolId.Esp, 4, [[1, 2, 3, 4], [5, 6, 7, 8]]),
            DeletePayload.IkeSa(),
            new VendorIdPayload([0x88, 0x2f]),
            new TrafficSelectorPayload(true, [
                AddressRangeSelector.Range(IPAddress.Parse("10.0.0.0"), IPAddress.Parse("10.0.0.255")),
                AddressRangeSelector.Range(IPAddress.Parse("fd00::"), IPAddress.Parse("fd00::ffff")),
                SecurityLabelSelector.FromText("tvd:red")]),
            new TrafficSelectorPayload(false, [new UnknownTrafficSelector(200, 0, [1, 2])]),
            new ConfigurationPayload(ConfigurationType.Request, [new ConfigurationAttribute(1, []), new ConfigurationAttribute(0x8003, [1, 2, 3, 4])]),
            new UnknownPayload((IkePayloadType)200, false, [1, 2, 3]),
        ];
        return all.Select(p => new object[] { p });
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Payload_survives_a_write_read_write_round_trip(IIkePayload payload)
    {
        Assert.False(payload.Validate().IsError, payload.Validate().ToString());
        var first = Chain([payload]);

        var parsed = new List<IIkePayload>();
        Assert.True(PayloadChain.TryParse(first, payload.PayloadType, parsed, out var error), error.ToString());
        var again = Assert.Single(parsed);
        Assert.Equal(payload.GetType(), again.GetType());
        Assert.Equal(Convert.ToHexString(first), Convert.ToHexString(Chain([again])));
    }

    internal static byte[] Chain(IReadOnlyList<IIkePayload> payloads)
    {
        var bytes = new byte[PayloadChain.GetEncodedLength(payloads)];
        var w = new IkeWriter(bytes);
        PayloadChain.Write(ref w, payloads);
        return bytes;
    }

    [Fact]
    public void Ts_seclabel_encodes_as_rfc_9478_type_10_with_length_including_the_header()
    {
        var bytes = Chain([new TrafficSelectorPayload(true, [SecurityLabelSelector.FromText("tvd:red")])]);
        // generic header | 1 TS, reserved | type 10, reserved 0, length 12 | "tvd:red\0"
        Assert.Equal("00000014" + "01000000" + "0A00000C" + "7476643A72656400", Convert.ToHexString(bytes));
    }

    [Fact]
    public void Key_length_attribute_is_tv_format_type_14()
    {
        var bytes = Chain([new SecurityAssociationPayload([new Proposal(1, IkeProtocolId.Esp, [0, 0, 0, 1], [
            new Transform(TransformType.Encryption, (ushort)EncryptionAlgorithm.AesCbc, [TransformAttribute.KeyLength(128)])])])]);
        // SA hdr | proposal: last, len 24, #1, ESP, spi 4, 1 transform | spi | transform: last, len 12, ENCR, id 12 | AF|14, 128
        Assert.Equal("0000001C" + "00000018" + "01030401" + "00000001" + "0000000C" + "0100000C" + "800E0080", Convert.ToHexString(bytes));
    }

    [Fact]
    public void Unknown_critical_payload_is_kept_but_rejected_with_unsupported_critical_payload()
    {
        var bytes = Chain([new UnknownPayload((IkePayloadType)200, true, [1])]);
        var parsed = new List<IIkePayload>();
        Assert.False(PayloadChain.TryParse(bytes, (IkePayloadType)200, parsed, out var error));
        Assert.Equal(NotifyType.UnsupportedCriticalPayload, error.Notify);
        Assert.Equal((IkePayloadType)200, error.PayloadType);
        Assert.Single(parsed);
    }
}
