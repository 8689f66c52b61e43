using Overlay.Ike.Attestation;
using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Tests.Encoding.Payloads;

namespace Overlay.Ike.Tests.Attestation;

/// <summary>
/// Attested IKE's private notifies (docs/protocol.md): each survives the wire (written, parsed back, read), its
/// exact octets are as documented, and every limit refuses what lies outside it.
/// </summary>
public sealed class AttestationNotifiesTests
{
    private static readonly byte[] Challenge32 = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    /// <summary>The notify as it arrives: encoded in a payload chain and parsed back.</summary>
    private static NotifyPayload OverTheWire(NotifyPayload notify)
    {
        byte[] octets = PayloadRoundTripTests.Chain([notify]);
        var parsed = new List<IIkePayload>();
        Assert.True(PayloadChain.TryParse(octets, IkePayloadType.Notify, parsed, out var error), error.ToString());
        return Assert.IsType<NotifyPayload>(Assert.Single(parsed));
    }

    [Fact]
    public void Supported_carries_version_1_and_the_challenge()
    {
        NotifyPayload notify = OverTheWire(AttestationNotifies.Supported(Challenge32));
        Assert.Equal(40961, (int)notify.Type);
        Assert.Equal("01" + Convert.ToHexString(Challenge32), Convert.ToHexString(notify.Data));
        Assert.True(AttestationNotifies.TryReadSupported(notify, out byte[] challenge));
        Assert.Equal(Challenge32, challenge);
    }

    [Theory]
    [InlineData(2, 32)]  // another version
    [InlineData(1, 15)]  // challenge too short
    [InlineData(1, 65)]  // challenge too long
    public void Supported_outside_its_format_is_no_announcement(byte version, int challengeLength)
    {
        var notify = new NotifyPayload(NotifyType.TvdAttestationSupported, [version, .. new byte[challengeLength]]);
        Assert.False(AttestationNotifies.TryReadSupported(OverTheWire(notify), out byte[] challenge));
        Assert.Empty(challenge);
    }

    [Fact]
    public void Challenge_binding_and_checkpoint_round_trip_within_their_limits()
    {
        Assert.True(AttestationNotifies.TryReadChallenge(OverTheWire(AttestationNotifies.Challenge(Challenge32)), out byte[] challenge));
        Assert.Equal(Challenge32, challenge);

        byte[] signature = new byte[AttestationNotifies.MaxBindingLength];
        Random.Shared.NextBytes(signature);
        Assert.Equal(signature, AttestationNotifies.ReadBinding(OverTheWire(AttestationNotifies.Binding(signature))));
        Assert.Null(AttestationNotifies.ReadBinding(new NotifyPayload(NotifyType.TvdAttestationBinding, new byte[AttestationNotifies.MaxBindingLength + 1])));
        Assert.Null(AttestationNotifies.ReadBinding(new NotifyPayload(NotifyType.TvdAttestationBinding, [])));

        byte[] checkpoint = [1, 2, 3, 4, 5];
        Assert.Equal(checkpoint, AttestationNotifies.ReadCheckpoint(OverTheWire(AttestationNotifies.Checkpoint(checkpoint))));
        Assert.Null(AttestationNotifies.ReadCheckpoint(new NotifyPayload(NotifyType.TvdAttestationCheckpoint, new byte[AttestationNotifies.MaxCheckpointLength + 1])));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(AttestationNotifies.MaxChunk)]
    [InlineData(AttestationNotifies.MaxChunk + 1)]
    [InlineData(700_000)]
    public void Evidence_splits_into_numbered_parts_and_assembles_in_any_order(int size)
    {
        byte[] bundle = new byte[size];
        Random.Shared.NextBytes(bundle);
        IReadOnlyList<NotifyPayload> parts = AttestationNotifies.Evidence(bundle)!;
        Assert.Equal((size + AttestationNotifies.MaxChunk - 1) / AttestationNotifies.MaxChunk, parts.Count);
        Assert.Equal($"0000{parts.Count:X4}", Convert.ToHexString(parts[0].Data, 0, 4)); // part 0 of N, big-endian

        NotifyPayload[] received = [.. parts.Select(OverTheWire).Reverse()];
        Assert.True(AttestationNotifies.TryAssembleEvidence(received, out byte[] assembled, out string error), error);
        Assert.Equal(bundle, assembled);
    }

    [Fact]
    public void Evidence_beyond_the_part_limit_is_not_encoded()
    {
        Assert.Null(AttestationNotifies.Evidence(new byte[(AttestationNotifies.MaxParts * AttestationNotifies.MaxChunk) + 1]));
    }

    public static IEnumerable<object[]> BrokenEvidence()
    {
        static NotifyPayload Part(int part, int parts, int length = 10) =>
            new(NotifyType.TvdAttestationEvidence, [(byte)(part >> 8), (byte)part, (byte)(parts >> 8), (byte)parts, .. new byte[length]]);
        return
        [
            [new[] { Part(0, 2) }, "1 of its 2 parts"],                             // a part missing
            [new[] { Part(0, 2), Part(0, 2) }, "does not fit"],                     // a part twice
            [new[] { Part(0, 2), Part(1, 3) }, "does not fit"],                     // counts disagree
            [new[] { Part(2, 2) }, "does not fit"],                                 // part beyond the count
            [new[] { Part(0, AttestationNotifies.MaxParts + 1) }, "does not fit"],  // a count past the limit
            [new[] { Part(0, 0) }, "does not fit"],                                 // zero parts
            [new[] { Part(0, 1, length: 0) }, "holds no evidence"],                 // a header without a chunk
            [Array.Empty<NotifyPayload>(), "no evidence"],
        ];
    }

    [Theory]
    [MemberData(nameof(BrokenEvidence))]
    public void Evidence_whose_parts_do_not_fit_together_is_refused(NotifyPayload[] parts, string expected)
    {
        Assert.False(AttestationNotifies.TryAssembleEvidence(parts, out byte[] bundle, out string error));
        Assert.Empty(bundle);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void A_count_field_allocates_nothing_beyond_the_chunks_present()
    {
        // 48 parts claimed, one present: the refusal must not reserve 48 chunks' worth.
        var lone = new NotifyPayload(NotifyType.TvdAttestationEvidence, [0, 0, 0, AttestationNotifies.MaxParts, 1]);
        AttestationNotifies.TryAssembleEvidence([lone], out _, out _); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(AttestationNotifies.TryAssembleEvidence([lone], out _, out _));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4096);
    }

    [Fact]
    public void Refused_is_cut_on_a_character_boundary_and_read_without_control_characters()
    {
        string reason = "ref.unknown /usr/bin/evil sha256:0badc0de";
        Assert.Equal(reason, AttestationNotifies.ReadRefused(OverTheWire(AttestationNotifies.Refused(reason))));

        string long_ = new('é', AttestationNotifies.MaxReasonLength); // 2 octets each
        NotifyPayload cut = AttestationNotifies.Refused(long_);
        Assert.True(cut.Data.Length <= AttestationNotifies.MaxReasonLength);
        Assert.Equal(new string('é', cut.Data.Length / 2), AttestationNotifies.ReadRefused(cut));

        // A peer's reason goes into our log: a forged line break must not start a line of its own.
        var forged = new NotifyPayload(NotifyType.TvdAttestationRefused, "quote.nonce\naudit join allow peer=h3\u001b[0m"u8.ToArray());
        Assert.Equal("quote.nonce\uFFFDaudit join allow peer=h3\uFFFD[0m", AttestationNotifies.ReadRefused(forged));
        Assert.Null(AttestationNotifies.ReadRefused(new NotifyPayload(NotifyType.TvdAttestationRefused, new byte[AttestationNotifies.MaxReasonLength + 1])));
    }
}
