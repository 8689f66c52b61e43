using Overlay.Ike.Crypto;
using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Tests.Encoding.Messages;
using Overlay.Ike.Tests.Fixtures;

namespace Overlay.Ike.Tests.Crypto;

/// <summary>
/// strongSwan's protected messages opened with keys we derived ourselves: SK decryption (AES-CBC +
/// HMAC-SHA2-256-128 and AES-GCM-16), the RFC 9478 labels inside, and PSK AUTH (RFC 7296 §2.15).
/// </summary>
public class StrongSwanDecryptionTests
{
    private sealed class NoRandom : IIkeRandom
    {
        public void Fill(Span<byte> destination) => destination.Clear();
    }

    /// <summary>Decrypts one captured message as the given side would receive it.</summary>
    private static (IkeMessage Message, List<IIkePayload> Inner) Open(StrongSwanKeyTests.Session s, IkeKeyMaterial keys, byte[] bytes)
    {
        Assert.True(IkeMessage.TryParse(bytes, out var message, out var error), error.ToString());
        // A request from the original initiator is opened by the responder, and vice versa.
        using var receiver = new IkeMessageProtector(s.Suite, keys, isOriginalInitiator: !message.Header.IsFromOriginalInitiator, new NoRandom());
        Assert.True(receiver.TryUnprotect(bytes, message, out var inner, out error), error.ToString());
        var validation = MessageValidator.Validate(message, inner);
        Assert.False(validation.IsError, validation.ToString());
        return (message, inner);
    }

    [Theory]
    [InlineData("cbc")]
    [InlineData("gcm")]
    public void IkeAuth_request_and_response_carry_the_tvd_red_label_in_both_selectors(string connection)
    {
        var s = StrongSwanKeyTests.Open(connection);
        var keys = StrongSwanKeyTests.Derive(s);
        foreach (var bytes in new[] { s.Capture.AuthRequest, s.Capture.AuthResponse })
        {
            var (_, inner) = Open(s, keys, bytes);
            var tsi = inner.OfType<TrafficSelectorPayload>().Single(t => t.IsInitiator);
            var tsr = inner.OfType<TrafficSelectorPayload>().Single(t => !t.IsInitiator);
            Assert.Equal(["tvd:red"], tsi.SecurityLabels);
            Assert.Equal(["tvd:red"], tsr.SecurityLabels);
            // strongSwan sends the label with its NUL terminator, Selector Length 4 + 8
            var label = tsi.Selectors.OfType<SecurityLabelSelector>().Single();
            Assert.Equal("tvd:red\0"u8.ToArray(), label.Label);
            Assert.Equal(12, label.GetEncodedLength());
            Assert.Contains(tsi.Selectors, x => x is AddressRangeSelector r && r.Start.ToString() == (connection == "cbc" ? "10.10.1.0" : "10.11.1.0"));
        }
    }

    [Fact]
    public void Label_mismatch_gives_TS_UNACCEPTABLE_in_the_IkeAuth_response()
    {
        var s = StrongSwanKeyTests.Open("bad");
        var keys = StrongSwanKeyTests.Derive(s);
        var (_, request) = Open(s, keys, s.Capture.AuthRequest);
        Assert.Equal(["tvd:blue"], request.OfType<TrafficSelectorPayload>().First().SecurityLabels);

        var (_, response) = Open(s, keys, s.Capture.AuthResponse);
        Assert.Contains(response, p => p is NotifyPayload { Type: NotifyType.TsUnacceptable });
        Assert.DoesNotContain(response, p => p is TrafficSelectorPayload);
        Assert.Contains(response, p => p is AuthenticationPayload); // the IKE SA itself is established
    }

    [Theory]
    [MemberData(nameof(StrongSwanCapture.All), MemberType = typeof(StrongSwanCapture))]
    public void Decrypted_payloads_reserialize_to_the_same_plaintext_and_in_strongswans_order(string connection)
    {
        var s = StrongSwanKeyTests.Open(connection);
        var keys = StrongSwanKeyTests.Derive(s);
        foreach (var bytes in new[] { s.Capture.AuthRequest, s.Capture.AuthResponse })
        {
            var (message, inner) = Open(s, keys, bytes);
            var ordered = MessageValidator.Order(message.Header.ExchangeType, message.IsResponse,
                inner.OfType<NotifyPayload>().Cast<IIkePayload>().Concat(inner.Where(p => p is not NotifyPayload).Reverse()));
            Assert.Equal(StrongSwanMessageTests.Describe(inner), StrongSwanMessageTests.Describe(ordered));

            // Re-protect with the same keys and open again: same payload bytes.
            var sender = new IkeMessageProtector(s.Suite, keys, message.Header.IsFromOriginalInitiator, new NoRandom());
            var again = sender.Protect(message.Header, inner);
            var (_, reopened) = Open(s, keys, again);
            Assert.Equal(Serialize(inner), Serialize(reopened));
        }
    }

    private static string Serialize(IReadOnlyList<IIkePayload> payloads)
    {
        var bytes = new byte[PayloadChain.GetEncodedLength(payloads)];
        var w = new IkeWriter(bytes);
        PayloadChain.Write(ref w, payloads);
        return Convert.ToHexString(bytes);
    }

    [Theory]
    [MemberData(nameof(StrongSwanCapture.All), MemberType = typeof(StrongSwanCapture))]
    public void Psk_auth_we_compute_equals_the_auth_strongswan_sent(string connection)
    {
        var s = StrongSwanKeyTests.Open(connection);
        var keys = StrongSwanKeyTests.Derive(s);
        var psk = s.Capture.Keys["psk"];
        var (_, request) = Open(s, keys, s.Capture.AuthRequest);
        var (_, response) = Open(s, keys, s.Capture.AuthResponse);

        // Initiator: RealMessage1 | Nr | prf(SK_pi, IDi body)
        var idi = request.OfType<IdentificationPayload>().Single(i => i.IsInitiator);
        Assert.Equal("Fqdn:hostA", idi.ToString());
        var octetsI = PskAuthentication.SignedOctets(s.Suite.Prf, s.Capture.InitRequest, s.Nr, keys.SkPi, idi);
        var authI = request.OfType<AuthenticationPayload>().Single();
        Assert.Equal(AuthMethod.SharedKeyMessageIntegrityCode, authI.Method);
        Assert.Equal(Convert.ToHexString(authI.Data), Convert.ToHexString(PskAuthentication.Compute(s.Suite.Prf, psk, octetsI)));

        // Responder: RealMessage2 | Ni | prf(SK_pr, IDr body)
        var idr = response.OfType<IdentificationPayload>().Single(i => !i.IsInitiator);
        var octetsR = PskAuthentication.SignedOctets(s.Suite.Prf, s.Capture.InitResponse, s.Ni, keys.SkPr, idr);
        var authR = response.OfType<AuthenticationPayload>().Single();
        Assert.True(PskAuthentication.Verify(s.Suite.Prf, psk, octetsR, authR.Data));
        Assert.False(PskAuthentication.Verify(s.Suite.Prf, "wrong"u8, octetsR, authR.Data));
    }

    [Theory]
    [MemberData(nameof(StrongSwanCapture.All), MemberType = typeof(StrongSwanCapture))]
    public void Informational_delete_of_the_ike_sa_decrypts(string connection)
    {
        var s = StrongSwanKeyTests.Open(connection);
        var keys = StrongSwanKeyTests.Derive(s);
        var (message, inner) = Open(s, keys, s.Capture.Ike("05-INFORMATIONAL-request"));
        Assert.Equal(IkeExchangeType.Informational, message.Header.ExchangeType);
        var delete = Assert.IsType<DeletePayload>(Assert.Single(inner));
        Assert.Equal(IkeProtocolId.Ike, delete.Protocol);
        var (_, response) = Open(s, keys, s.Capture.Ike("06-INFORMATIONAL-response"));
        Assert.Empty(response);
    }

    [Theory]
    [MemberData(nameof(StrongSwanCapture.All), MemberType = typeof(StrongSwanCapture))]
    public void A_flipped_bit_anywhere_in_a_protected_message_is_dropped_silently(string connection)
    {
        var s = StrongSwanKeyTests.Open(connection);
        var keys = StrongSwanKeyTests.Derive(s);
        var original = s.Capture.AuthRequest;
        using var receiver = new IkeMessageProtector(s.Suite, keys, isOriginalInitiator: false, new NoRandom());
        // Header (message id), SK header, IV, ciphertext, ICV
        foreach (var offset in new[] { 20, 29, 33, original.Length / 2, original.Length - 1 })
        {
            var tampered = (byte[])original.Clone();
            tampered[offset] ^= 0x01;
            Assert.True(IkeMessage.TryParse(tampered, out var message, out _));
            Assert.False(receiver.TryUnprotect(tampered, message, out _, out var error));
            Assert.Equal(NotifyType.None, error.Notify);
            Assert.False(error.SendsNotify);
        }
    }
}
