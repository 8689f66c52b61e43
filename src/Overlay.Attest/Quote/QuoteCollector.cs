using System.Security.Cryptography;
using Overlay.Attest.Ima;
using Overlay.Attest.Structures;
using Overlay.Attest.Tpm;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Quote;

/// <summary>A quote with the PCR values it covers, in the forms tpm2-tools and our evidence use.</summary>
public sealed record QuoteResult(byte[] Attest, byte[] Signature, PcrValues Pcrs);

/// <summary>
/// Takes nonce-bound quotes. TPM2_Quote signs only a digest of the PCRs, so the values are read separately;
/// a measurement between the read and the quote would make them disagree. The collector then retries (as
/// rust-keylime does) rather than hand out evidence that cannot verify.
/// </summary>
public sealed class QuoteCollector
{
    public const int MaxAttempts = 5;

    private readonly TpmDevice _device;
    private readonly AttestationKey _key;

    public QuoteCollector(TpmDevice device, AttestationKey key)
    {
        _device = device;
        _key = key;
    }

    public QuoteResult Quote(ReadOnlySpan<byte> nonce, PcrSelection selection)
    {
        for (var attempt = 1; ; attempt++)
        {
            var before = _device.ReadPcrs(selection);
            var (attest, signature) = _key.Quote(nonce, selection);
            if (!TpmsAttest.TryParse(attest, out var parsed, out var error))
            {
                throw new InvalidDataException($"the TPM returned an unreadable quote: {error}");
            }

            var hashAlg = _key.Public.SchemeHash;
            if (parsed.PcrDigest is { } digest && CryptographicOperations.FixedTimeEquals(before.ComputeDigest(hashAlg), digest))
            {
                return new QuoteResult(attest, signature, before);
            }

            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException($"PCRs kept changing between read and quote ({MaxAttempts} attempts)");
            }
        }
    }

    /// <summary>
    /// This host's evidence: a quote over <paramref name="pcr"/> with <paramref name="overlayLog"/> and, on a hardware
    /// TPM of a host with kernel IMA, the kernel's list and <see cref="KernelImaLog.Pcr"/> too. The kernel extends
    /// the host's TPM, never a software one, so a software TPM quotes <paramref name="pcr"/> alone.
    /// </summary>
    public Evidence CollectHostEvidence(ReadOnlySpan<byte> nonce, int pcr, IMeasurementLog overlayLog, bool softwareTpm)
    {
        var kernel = softwareTpm ? null : KernelImaLog.TryRead();
        return kernel is null
            ? CollectEvidence(nonce, PcrSelection.Sha256(pcr), overlayLog)
            : CollectEvidence(nonce, PcrSelection.Sha256(KernelImaLog.Pcr, pcr), overlayLog, kernel);
    }

    /// <summary>Quote plus AK and measurement lists: everything a verifier needs.</summary>
    public Evidence CollectEvidence(ReadOnlySpan<byte> nonce, PcrSelection selection, IMeasurementLog? overlayLog,
        MeasurementList? kernelLog = null, byte[]? akCertificate = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            // Snapshot the list after quoting: it may then run past the quote (replay stops at the quoted point),
            // but it cannot fall short of it, unless a measurement was extended and not yet appended; retry then.
            var quote = Quote(nonce, selection);
            var overlay = overlayLog?.Snapshot();
            if (overlay is not null && !ReplayEngine.Replay(overlay, quote.Pcrs).Replays && attempt < MaxAttempts)
            {
                continue;
            }

            var logs = new List<EvidenceLog>();
            if (overlay is not null)
            {
                logs.Add(new EvidenceLog(MeasurementSource.Overlay, overlay.ToBinary()));
            }

            if (kernelLog is not null)
            {
                logs.Add(new EvidenceLog(MeasurementSource.KernelIma, kernelLog.ToBinary()));
            }

            var pcrWriter = new TpmWriter(512);
            quote.Pcrs.Write(pcrWriter);
            return new Evidence
            {
                Attest = quote.Attest,
                Signature = quote.Signature,
                AkPublic = _key.ExportTpm2BPublic(),
                PcrValues = pcrWriter.ToArray(),
                Logs = logs,
                AkCertificate = akCertificate,
            };
        }
    }
}
