using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Tests.Encoding.Payloads;
using Overlay.Ike.Tests.Fixtures;

namespace Overlay.Ike.Tests.Encoding.Messages;

/// <summary>Broken datagrams give the right <see cref="IkeParseError"/>, never an exception.</summary>
public class MalformedMessageTests
{
    private static readonly byte[] Init = StrongSwanCapture.Load("cbc").InitRequest;

    private static IkeParseError Fail(byte[] bytes)
    {
        Assert.False(IkeMessage.TryParse(bytes, out _, out var error));
        Assert.True(error.IsError);
        return error;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(27)]
    public void Truncated_header_is_invalid_syntax(int length)
        => Assert.Equal("truncated IKE header", Fail(Init[..length]).Reason);

    [Fact]
    public void Major_version_other_than_2_is_invalid_major_version()
    {
        var bytes = (byte[])Init.Clone();
        bytes[17] = 0x30;
        Assert.Equal(NotifyType.InvalidMajorVersion, Fail(bytes).Notify);
    }

    [Fact]
    public void Header_length_differing_from_the_datagram_is_invalid_syntax()
    {
        Assert.Equal("IKE header length does not match the datagram length", Fail(Init[..^1]).Reason);
        Assert.Equal("IKE header length does not match the datagram length", Fail([.. Init, 0]).Reason);
    }

    [Fact]
    public void Payload_length_past_the_end_is_invalid_syntax()
    {
        var bytes = (byte[])Init.Clone();
        bytes[30] = 0xFF; // SA payload length high octet
        var error = Fail(bytes);
        Assert.Equal(NotifyType.InvalidSyntax, error.Notify);
        Assert.Equal(IkePayloadType.SecurityAssociation, error.PayloadType);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Payload_length_below_four_is_rejected_instead_of_looping(int length)
    {
        var bytes = (byte[])Init.Clone();
        bytes[30] = 0;
        bytes[31] = (byte)length;
        Assert.Equal("payload length smaller than its header", Fail(bytes).Reason);
    }

    [Fact]
    public void A_chain_of_empty_unknown_payloads_terminates()
    {
        // header + 1000 four-octet unknown payloads, each naming the next; the last says "none".
        var bytes = new byte[28 + 4 * 1000];
        Init.AsSpan(0, 28).CopyTo(bytes);
        bytes[16] = 200;
        bytes[24] = (byte)(bytes.Length >> 24); bytes[25] = (byte)(bytes.Length >> 16); bytes[26] = (byte)(bytes.Length >> 8); bytes[27] = (byte)bytes.Length;
        for (var i = 0; i < 1000; i++)
        {
            bytes[28 + 4 * i] = i == 999 ? (byte)0 : (byte)200;
            bytes[28 + 4 * i + 3] = 4;
        }

        Assert.True(IkeMessage.TryParse(bytes, out var message, out _));
        Assert.Equal(1000, message.Payloads.Count);
    }

    [Fact]
    public void Next_payload_pointing_past_the_end_is_invalid_syntax()
    {
        var bytes = (byte[])Init.Clone();
        var last = FindLastPayloadOffset(bytes);
        bytes[last] = (byte)IkePayloadType.Nonce;
        Assert.Equal("truncated generic payload header", Fail(bytes).Reason);
    }

    private static int FindLastPayloadOffset(byte[] message)
    {
        var offset = 28;
        while (message[offset] != 0)
        {
            offset += (message[offset + 2] << 8) | message[offset + 3];
        }

        return offset;
    }

    [Fact]
    public void Sk_payload_not_last_is_invalid_syntax()
    {
        var chain = PayloadRoundTripTests.Chain([new EncryptedPayload(IkePayloadType.NoNextPayload, [1, 2, 3]), new NoncePayload(new byte[16])]);
        // The SK header's next payload names the inner chain; make the parser see more bytes after SK.
        var parsed = new List<IIkePayload>();
        Assert.False(PayloadChain.TryParse(chain, IkePayloadType.Encrypted, parsed, out var error));
        Assert.Equal("SK/SKF payload is not the last payload", error.Reason);
    }

    [Fact]
    public void Nonce_shorter_than_16_octets_is_invalid_syntax()
    {
        var chain = PayloadRoundTripTests.Chain([new NoncePayload(new byte[15])]);
        Assert.False(PayloadChain.TryParse(chain, IkePayloadType.Nonce, [], out var error));
        Assert.Equal("nonce length outside 16..256 octets", error.Reason);
    }

    [Fact]
    public void Validator_rejects_missing_and_unencrypted_payloads()
    {
        Assert.True(IkeMessage.TryParse(Init, out var message, out _));
        var withoutKe = new IkeMessage(message.Header, message.Payloads.Where(p => p is not KeyExchangePayload).ToList());
        var missing = MessageValidator.Validate(withoutKe);
        Assert.Equal(IkePayloadType.KeyExchange, missing.PayloadType);
        Assert.Equal("a required payload is missing", missing.Reason);

        var auth = new IkeMessage(message.Header with { ExchangeType = IkeExchangeType.IkeAuth, MessageId = 1 },
            [IdentificationPayload.Fqdn(true, "hostA")]);
        Assert.Equal("payload must be encrypted", MessageValidator.Validate(auth).Reason);

        var twoNonces = new IkeMessage(message.Header, [.. message.Payloads, new NoncePayload(new byte[16])]);
        Assert.Equal("payload occurs more often than allowed", MessageValidator.Validate(twoNonces).Reason);
    }
}
