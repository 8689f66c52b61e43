namespace Overlay.Attest.Structures;

/// <summary>
/// TPMT_SIGNATURE (Part 2 §11.3.4) for the schemes an attestation key uses:
/// <code>
/// RSASSA / RSAPSS: u16 sigAlg | u16 hash | TPM2B_PUBLIC_KEY_RSA sig
/// ECDSA:           u16 sigAlg | u16 hash | TPM2B_ECC_PARAMETER r | TPM2B_ECC_PARAMETER s
/// </code>
/// This is what tpm2_quote writes with <c>-s</c> in its default "tss" format.
/// </summary>
public sealed class TpmtSignature
{
    public required ushort SigAlg { get; init; }

    public required ushort HashAlg { get; init; }

    /// <summary>RSA signature bytes (RSASSA/RSAPSS); empty for ECDSA.</summary>
    public byte[] RsaSignature { get; init; } = [];

    /// <summary>ECDSA r; empty for RSA.</summary>
    public byte[] EcdsaR { get; init; } = [];

    /// <summary>ECDSA s; empty for RSA.</summary>
    public byte[] EcdsaS { get; init; } = [];

    public static bool TryParse(ReadOnlySpan<byte> data, out TpmtSignature signature, out string error)
    {
        signature = null!;
        var r = new TpmReader(data);
        if (!r.TryReadU16(out var sigAlg) || !r.TryReadU16(out var hash))
        {
            error = "TPMT_SIGNATURE truncated in its header";
            return false;
        }

        switch (sigAlg)
        {
            case TpmConstants.AlgRsaSsa or TpmConstants.AlgRsaPss:
                if (!r.TryRead2B(out var sig, 512))
                {
                    error = "TPMT_SIGNATURE: RSA signature truncated";
                    return false;
                }

                signature = new TpmtSignature { SigAlg = sigAlg, HashAlg = hash, RsaSignature = sig.ToArray() };
                break;
            case TpmConstants.AlgEcdsa:
                if (!r.TryRead2B(out var rr, 66) || !r.TryRead2B(out var ss, 66))
                {
                    error = "TPMT_SIGNATURE: ECDSA r/s truncated";
                    return false;
                }

                signature = new TpmtSignature { SigAlg = sigAlg, HashAlg = hash, EcdsaR = rr.ToArray(), EcdsaS = ss.ToArray() };
                break;
            default:
                error = $"TPMT_SIGNATURE: unsupported signature algorithm 0x{sigAlg:x4}";
                return false;
        }

        if (r.Remaining != 0)
        {
            signature = null!;
            error = $"{r.Remaining} bytes after TPMT_SIGNATURE";
            return false;
        }

        error = string.Empty;
        return true;
    }

    public byte[] ToWire()
    {
        var w = new TpmWriter(300);
        w.WriteU16(SigAlg);
        w.WriteU16(HashAlg);
        if (SigAlg == TpmConstants.AlgEcdsa)
        {
            w.Write2B(EcdsaR);
            w.Write2B(EcdsaS);
        }
        else
        {
            w.Write2B(RsaSignature);
        }

        return w.ToArray();
    }
}
