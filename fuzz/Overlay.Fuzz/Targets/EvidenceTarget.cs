using Overlay.Attest.Handshake;
using Overlay.Attest.Quote;
using Overlay.Attest.Verify;
using Overlay.Ike;
using Overlay.Ike.Attestation;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Fuzz.Targets;

/// <summary>
/// Evidence as a peer sends it in attested IKE (docs/attestation.md): the private notifies' data, the evidence
/// bundle, a quote's evidence encoding and the list checkpoint, each on the whole input; what decodes is verified
/// (signature, nonce, PCR digest, lists) as the verifier would. Oracles: decode → encode → decode → encode gives the
/// same octets; the evidence and checkpoint decoders stay within an allocation bound (the bundle's lists are Brotli-
/// compressed, so its decoder is bounded by its own decompressed-size limit, not by the input).
/// </summary>
public sealed class EvidenceTarget : FuzzTarget
{
    public const int AllocationPerByte = 8;
    public const int AllocationFixed = 16 * 1024;

    private static readonly byte[] Nonce = new byte[32];

    public override string Name => "evidence";

    public override string TestProject => "Overlay.Attest.Tests";

    public override string Description => "attestation notifies, evidence bundle, quote evidence, checkpoint: decode, verify, round trip, allocation bound";

    protected override void Execute(ReadOnlySpan<byte> input)
    {
        // A verifier per input: its key cache would make one input's path depend on the inputs before it.
        var verifier = new QuoteVerifier();
        var data = input.ToArray();
        AttestationNotifies.TryReadSupported(new NotifyPayload(NotifyType.TvdAttestationSupported, data), out _);
        AttestationNotifies.TryReadChallenge(new NotifyPayload(NotifyType.TvdAttestationChallenge, data), out _);
        AttestationNotifies.TryAssembleEvidence([new NotifyPayload(NotifyType.TvdAttestationEvidence, data)], out _, out _);
        AttestationNotifies.ReadRefused(new NotifyPayload(NotifyType.TvdAttestationRefused, data));

        var start = Oracles.AllocatedBytes();
        var decoded = EvidenceCodec.TryDecode(input, out var evidence, out _);
        Oracles.CheckAllocation("EvidenceCodec.TryDecode", start, input.Length, AllocationPerByte, AllocationFixed);
        if (decoded)
        {
            var encoded = EvidenceCodec.Encode(evidence);
            Oracles.Check(EvidenceCodec.TryDecode(encoded, out var again, out var error), $"decoded evidence re-encodes to octets that do not decode: {error}");
            Oracles.SameBytes("evidence", encoded, EvidenceCodec.Encode(again));
            verifier.Verify(evidence, Nonce, new VerifierPolicy());
        }

        if (EvidenceBundleCodec.TryDecode(input, out var bundle, out _))
        {
            var encoded = EvidenceBundleCodec.Encode(bundle);
            Oracles.Check(EvidenceBundleCodec.TryDecode(encoded, out var again, out var error), $"a decoded bundle re-encodes to octets that do not decode: {error}");
            Oracles.SameBytes("evidence bundle", encoded, EvidenceBundleCodec.Encode(again));
            verifier.Verify(bundle.Quote, Nonce, new VerifierPolicy());
        }

        start = Oracles.AllocatedBytes();
        var checkpoint = ListCheckpoint.TryDecode(input, out var point, out _);
        Oracles.CheckAllocation("ListCheckpoint.TryDecode", start, input.Length, AllocationPerByte, AllocationFixed);
        if (checkpoint)
        {
            var encoded = point.Encode();
            Oracles.Check(ListCheckpoint.TryDecode(encoded, out var again, out var error), $"a decoded checkpoint re-encodes to octets that do not decode: {error}");
            Oracles.SameBytes("list checkpoint", encoded, again.Encode());
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(string repositoryRoot)
    {
        // A bundle from the attested-ike lab (swtpm quote, ima-ng lists), its quote's evidence, and a checkpoint.
        var file = Path.Combine(repositoryRoot, "tests", "Overlay.Attest.Tests", "Fixtures", "handshake", "bundle-lab-h2.hex");
        var bundle = Convert.FromHexString(string.Concat(File.ReadAllText(file).Where(char.IsAsciiHexDigit)));
        yield return ("bundle-lab-h2", bundle);
        if (EvidenceBundleCodec.TryDecode(bundle, out var decoded, out _))
        {
            yield return ("evidence-lab-h2", EvidenceCodec.Encode(decoded.Quote));
            var counts = decoded.Lists.ToDictionary(l => l.Source, l => l.Base);
            yield return ("checkpoint", new ListCheckpoint(3, 1, counts).Encode());
        }
    }
}
