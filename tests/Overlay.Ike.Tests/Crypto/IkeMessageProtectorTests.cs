using Overlay.Ike.Crypto;
using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Tests.Crypto;

/// <summary>SK protection between two in-process peers, for both cipher families.</summary>
public class IkeMessageProtectorTests
{
    private sealed class CountingRandom : IIkeRandom
    {
        private byte _next;

        public void Fill(Span<byte> destination)
        {
            foreach (ref var b in destination)
            {
                b = _next++;
            }
        }
    }

    public static IEnumerable<object[]> Suites() =>
    [
        [new IkeCipherSuite(EncryptionAlgorithm.AesGcm16, 256, IkePrf.HmacSha384, IntegrityAlgorithm.None, KeyExchangeMethod.Ecp256)],
        [new IkeCipherSuite(EncryptionAlgorithm.AesGcm16, 128, IkePrf.HmacSha256, IntegrityAlgorithm.None, KeyExchangeMethod.Curve25519)],
        [new IkeCipherSuite(EncryptionAlgorithm.AesCbc, 128, IkePrf.HmacSha256, IntegrityAlgorithm.HmacSha2_256_128, KeyExchangeMethod.Modp2048)],
        [new IkeCipherSuite(EncryptionAlgorithm.AesCbc, 256, IkePrf.HmacSha512, IntegrityAlgorithm.HmacSha2_512_256, KeyExchangeMethod.Ecp384)],
    ];

    private static IkeKeyMaterial Keys(IkeCipherSuite suite)
        => IkeKeyMaterial.Derive(suite, new byte[suite.Prf.OutputLength], new byte[16], new byte[16], 1, 2);

    [Theory]
    [MemberData(nameof(Suites))]
    public void Initiator_protects_and_responder_opens_with_the_tvd_label_intact(IkeCipherSuite suite)
    {
        var keys = Keys(suite);
        using var initiator = new IkeMessageProtector(suite, keys, isOriginalInitiator: true, new CountingRandom());
        using var responder = new IkeMessageProtector(suite, keys, isOriginalInitiator: false, new CountingRandom());
        var header = new IkeHeader(1, 2, IkePayloadType.NoNextPayload, IkeExchangeType.IkeAuth, IkeHeaderFlags.Initiator, 1, 0);
        IIkePayload[] inner =
        [
            IdentificationPayload.Fqdn(true, "hostA"),
            new AuthenticationPayload(AuthMethod.SharedKeyMessageIntegrityCode, new byte[suite.Prf.OutputLength]),
            new TrafficSelectorPayload(true, [SecurityLabelSelector.FromText("tvd:red")]),
            new TrafficSelectorPayload(false, [SecurityLabelSelector.FromText("tvd:red")]),
        ];

        var wire = initiator.Protect(header, inner);
        Assert.True(IkeMessage.TryParse(wire, out var message, out var error), error.ToString());
        Assert.Equal(wire.Length, (int)message.Header.Length);
        Assert.False(MessageValidator.Validate(message).IsError);
        Assert.True(responder.TryUnprotect(wire, message, out var opened, out error), error.ToString());
        Assert.Equal(["tvd:red"], opened.OfType<TrafficSelectorPayload>().First().SecurityLabels);

        // The initiator cannot open its own message: directions use different keys.
        Assert.False(initiator.TryUnprotect(wire, message, out _, out error));
        Assert.False(error.SendsNotify);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Encrypted_part_is_a_multiple_of_the_block_size(IkeCipherSuite suite)
    {
        var keys = Keys(suite);
        using var cipher = SkCipher.Create(suite, keys.SkEi, keys.SkAi);
        for (var plaintext = 0; plaintext < 40; plaintext++)
        {
            var padded = cipher.PaddedLength(plaintext);
            Assert.Equal(0, padded % cipher.BlockSize);
            Assert.InRange(padded - plaintext - 1, 0, cipher.BlockSize - 1);
        }
    }
}
