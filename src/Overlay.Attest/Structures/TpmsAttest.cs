namespace Overlay.Attest.Structures;

/// <summary>
/// TPMS_ATTEST (Part 2 §10.12.12) as the TPM signs it; for a quote the attested union is TPMS_QUOTE_INFO.
/// <code>
/// u32 magic | u16 type | TPM2B_NAME qualifiedSigner | TPM2B_DATA extraData
/// | TPMS_CLOCK_INFO { u64 clock | u32 resetCount | u32 restartCount | u8 safe } | u64 firmwareVersion
/// | TPMS_QUOTE_INFO { TPML_PCR_SELECTION pcrSelect | TPM2B_DIGEST pcrDigest }
/// </code>
/// Parsing does not judge magic or type: the verifier reports those as findings. The quote part is parsed only
/// when the type says it is a quote.
/// </summary>
public sealed class TpmsAttest
{
    public required uint Magic { get; init; }

    public required ushort Type { get; init; }

    public required byte[] QualifiedSigner { get; init; }

    public required byte[] ExtraData { get; init; }

    public required ulong Clock { get; init; }

    public required uint ResetCount { get; init; }

    public required uint RestartCount { get; init; }

    public required bool Safe { get; init; }

    public required ulong FirmwareVersion { get; init; }

    /// <summary>The quoted selection; null when the structure is not a quote.</summary>
    public PcrSelection? QuotedSelection { get; init; }

    /// <summary>The quoted PCR digest; null when the structure is not a quote.</summary>
    public byte[]? PcrDigest { get; init; }

    public static bool TryParse(ReadOnlySpan<byte> data, out TpmsAttest attest, out string error)
    {
        attest = null!;
        var r = new TpmReader(data);
        if (!r.TryReadU32(out var magic) || !r.TryReadU16(out var type) ||
            !r.TryRead2B(out var signer, 68) || !r.TryRead2B(out var extra, 64) ||
            !r.TryReadU64(out var clock) || !r.TryReadU32(out var resets) || !r.TryReadU32(out var restarts) ||
            !r.TryReadU8(out var safe) || !r.TryReadU64(out var firmware))
        {
            error = $"TPMS_ATTEST truncated or malformed in its header (offset {r.Offset} of {data.Length})";
            return false;
        }

        PcrSelection? selection = null;
        byte[]? digest = null;
        if (type == TpmConstants.StAttestQuote)
        {
            if (!PcrSelection.TryRead(ref r, out selection) || !r.TryRead2B(out var pcrDigest, 64))
            {
                error = $"TPMS_QUOTE_INFO truncated or malformed (offset {r.Offset} of {data.Length})";
                return false;
            }

            digest = pcrDigest.ToArray();
            if (r.Remaining != 0)
            {
                error = $"{r.Remaining} bytes after TPMS_QUOTE_INFO";
                return false;
            }
        }

        attest = new TpmsAttest
        {
            Magic = magic,
            Type = type,
            QualifiedSigner = signer.ToArray(),
            ExtraData = extra.ToArray(),
            Clock = clock,
            ResetCount = resets,
            RestartCount = restarts,
            Safe = safe != 0,
            FirmwareVersion = firmware,
            QuotedSelection = selection,
            PcrDigest = digest,
        };
        error = string.Empty;
        return true;
    }
}
