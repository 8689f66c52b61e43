using Overlay.Attest.Structures;
using Overlay.Attest.Tpm;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Quote;

/// <summary>
/// The files tpm2_quote writes and tpm2_checkquote reads (tpm2-tools 5.x, default formats):
/// <list type="bullet">
/// <item><c>-m</c> message: the TPMS_ATTEST bytes as signed, with no TPM2B size prefix</item>
/// <item><c>-s</c> signature: TPMT_SIGNATURE marshalled ("tss" format)</item>
/// <item><c>-o</c> PCRs: the "serialized" C-struct layout (<see cref="Tpm2ToolsPcrFile"/>)</item>
/// <item>AK public: TPM2B_PUBLIC (tpm2_createak <c>-u</c>) or PEM (<c>-f pem</c>)</item>
/// </list>
/// </summary>
public static class Tpm2ToolsFiles
{
    public const string Message = "quote.msg";
    public const string Signature = "quote.sig";
    public const string Pcrs = "quote.pcrs";
    public const string AkPublic = "ak.pub";
    public const string AkPem = "ak.pem";

    /// <summary>
    /// Largest tpm2-tools file read: the biggest is a PCR file of 64 digest lists (about 34 KiB); a
    /// TPMS_ATTEST, a TPMT_SIGNATURE or a TPM2B_PUBLIC is under 2 KiB.
    /// </summary>
    public const int MaxFileLength = 64 << 10;

    /// <summary>Writes quote.msg, quote.sig, quote.pcrs, ak.pub (TPM2B_PUBLIC) and ak.pem into a directory.</summary>
    public static void Write(string directory, QuoteResult quote, AttestationKey key)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, Message), quote.Attest);
        File.WriteAllBytes(Path.Combine(directory, Signature), quote.Signature);
        File.WriteAllBytes(Path.Combine(directory, Pcrs), Tpm2ToolsPcrFile.Write(quote.Pcrs));
        File.WriteAllBytes(Path.Combine(directory, AkPublic), key.ExportTpm2BPublic());
        File.WriteAllText(Path.Combine(directory, AkPem), key.ExportPem());
    }

    /// <summary>
    /// Checks a tpm2_quote output set the way tpm2_checkquote does, plus the structure checks it lacks. The given
    /// key is the one the caller trusts, so it is pinned; there are no measurement lists.
    /// Returns null when a file is unreadable or malformed beyond judging (error says which).
    /// </summary>
    public static VerificationResult? Check(string publicPath, string messagePath, string signaturePath, string pcrsPath,
        ReadOnlySpan<byte> qualification, out string error)
    {
        if (!BoundedFile.TryReadAllBytes(publicPath, MaxFileLength, out var publicBytes, out error)
            || !BoundedFile.TryReadAllBytes(messagePath, MaxFileLength, out var message, out error)
            || !BoundedFile.TryReadAllBytes(signaturePath, MaxFileLength, out var signature, out error)
            || !BoundedFile.TryReadAllBytes(pcrsPath, MaxFileLength, out var pcrBytes, out error))
        {
            return null;
        }

        if (!AkPublicKey.TryLoad(publicBytes, out var key, out var keyError))
        {
            error = $"{publicPath}: {keyError}";
            return null;
        }

        using (key)
        {
            if (!Tpm2ToolsPcrFile.TryParse(pcrBytes, out var pcrs, out var pcrError))
            {
                error = $"{pcrsPath}: {pcrError}";
                return null;
            }

            var policy = new VerifierPolicy().PinAk(key);
            error = string.Empty;
            return new QuoteVerifier().VerifyQuote(message, signature, key, pcrs, qualification, policy);
        }
    }
}
