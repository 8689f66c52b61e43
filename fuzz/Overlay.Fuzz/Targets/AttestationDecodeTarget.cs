using Overlay.Attest.Handshake;
using Overlay.Ike.Attestation;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Fuzz;

/// <summary>
/// The decoders of attested IKE on arbitrary bytes: the private notifies' data (as if each input were one), the
/// evidence bundle and the list checkpoint (docs/attestation.md). Each must answer false with a message, never
/// throw, and allocate by the bytes present. The feature string (which decoder got how far) guides the fuzzer.
/// </summary>
public static class AttestationDecodeTarget
{
    public static string Run(ReadOnlySpan<byte> input)
    {
        byte[] data = input.ToArray();
        bool supported = AttestationNotifies.TryReadSupported(new NotifyPayload(NotifyType.TvdAttestationSupported, data), out _);
        bool challenge = AttestationNotifies.TryReadChallenge(new NotifyPayload(NotifyType.TvdAttestationChallenge, data), out _);
        bool assembled = AttestationNotifies.TryAssembleEvidence([new NotifyPayload(NotifyType.TvdAttestationEvidence, data)], out var part, out _);
        string? refused = AttestationNotifies.ReadRefused(new NotifyPayload(NotifyType.TvdAttestationRefused, data));
        bool bundle = EvidenceBundleCodec.TryDecode(input, out var decoded, out var bundleError);
        if (bundle)
        {
            // A bundle that decodes must encode to one that decodes to the same parts.
            byte[] again = EvidenceBundleCodec.Encode(decoded);
            if (!EvidenceBundleCodec.TryDecode(again, out var redecoded, out var error) || redecoded.HostId != decoded.HostId
                || redecoded.Lists.Count != decoded.Lists.Count)
            {
                throw new InvalidOperationException($"a decoded bundle re-encodes to one that does not decode alike: {error}");
            }
        }

        bool checkpoint = ListCheckpoint.TryDecode(input, out _, out _);
        return $"attest:{supported}:{challenge}:{assembled}:{part.Length > 0}:{refused?.Length > 0}:{bundle}:{(bundle ? decoded.Lists.Count : bundleError.Length % 7)}:{checkpoint}";
    }
}
