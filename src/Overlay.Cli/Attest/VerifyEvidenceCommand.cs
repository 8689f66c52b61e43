using System.CommandLine;
using Overlay.Attest.Quote;
using Overlay.Attest.Verify;
using Overlay.Cli.Output;

namespace Overlay.Cli.Attest;

/// <summary>
/// <c>tvdctl attest verify --evidence FILE --nonce HEX (--ak AKFILE | --pin SHA256HEX)… [--reference FILE]</c>:
/// verifies our evidence encoding and prints every finding (<c>--json</c>: as one document). Exit 0 trusted, 1 untrusted,
/// 2 unreadable input.
/// </summary>
internal static class VerifyEvidenceCommand
{
    /// <summary>Reference-value files are read whole; 64 MiB is far above any real list (a line per measured file).</summary>
    private const int MaxReferenceFileLength = 64 << 20;

    public static Command Create()
    {
        var evidence = new Option<string>("--evidence") { Description = "Evidence file (tvdctl attest evidence)", Required = true };
        var nonce = AttestOptions.Nonce();
        var ak = new Option<string[]>("--ak") { Description = "Trusted AK public key file(s) (TPM2B_PUBLIC or PEM)" };
        var pin = new Option<string[]>("--pin") { Description = "Trusted AK fingerprint(s): SHA-256 hex of the SubjectPublicKeyInfo" };
        var reference = new Option<string?>("--reference") { Description = "Reference values ('<sha256> <path>' and 'tvd <name> <sha256>' lines)" };
        var json = JsonOutput.Option();
        var command = new Command("verify", "Verify TVD evidence and list every reason");
        foreach (var option in new Option[] { evidence, nonce, ak, pin, reference, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var nonceBytes = AttestOptions.ParseHex(parse.GetValue(nonce)!, "--nonce");
            if (nonceBytes is null || BuildPolicy(parse.GetValue(ak) ?? [], parse.GetValue(pin) ?? [], parse.GetValue(reference)) is not { } policy)
            {
                return ExitCodes.BadInput;
            }

            if (!BoundedFile.TryReadAllBytes(parse.GetValue(evidence)!, EvidenceCodec.MaxEncodedLength, out var data, out var readError))
            {
                Console.Error.WriteLine($"tvdctl: {readError}");
                return ExitCodes.BadInput;
            }

            if (!EvidenceCodec.TryDecode(data, out var decoded, out var error))
            {
                Console.Error.WriteLine($"tvdctl: {parse.GetValue(evidence)}: {error}");
                return ExitCodes.BadInput;
            }

            var result = new QuoteVerifier().Verify(decoded, nonceBytes, policy);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(Console.Out, w => WriteResult(w, result));
                return result.IsTrusted ? ExitCodes.Ok : ExitCodes.Denied;
            }

            Console.Out.WriteLine(result.ToString());
            foreach (var finding in result.Findings.Where(f => f.Severity != FindingSeverity.Error))
            {
                Console.Out.WriteLine($"  {finding.Severity.ToString().ToLowerInvariant()}: {finding}");
            }

            Console.Out.WriteLine($"  {result.VerifiedEntries} measurement(s) covered by the quote");
            return result.IsTrusted ? ExitCodes.Ok : ExitCodes.Denied;
        });
        return command;
    }

    /// <summary><c>{"valid", "verdict", "findings": [...], "verified_entries"}</c> (checkquote and verify).</summary>
    internal static void WriteResult(System.Text.Json.Utf8JsonWriter w, VerificationResult result)
    {
        w.WriteStartObject();
        w.WriteBoolean("valid", result.IsTrusted);
        w.WriteString("verdict", result.ToString());
        Policy.PolicyExplainCommand.WriteFindings(w, result.Findings);
        w.WriteNumber("verified_entries", result.VerifiedEntries);
        w.WriteEndObject();
    }

    private static VerifierPolicy? BuildPolicy(string[] akFiles, string[] pins, string? referencePath)
    {
        var policy = new VerifierPolicy();
        try
        {
            foreach (var file in akFiles)
            {
                if (!BoundedFile.TryReadAllBytes(file, Tpm2ToolsFiles.MaxFileLength, out var bytes, out var error)
                    || !AkPublicKey.TryLoad(bytes, out var key, out error))
                {
                    Console.Error.WriteLine(error.StartsWith(file, StringComparison.Ordinal) ? $"tvdctl: {error}" : $"tvdctl: {file}: {error}");
                    return null;
                }

                using (key)
                {
                    policy.PinAk(key);
                }
            }

            foreach (var fingerprint in pins)
            {
                policy.PinnedAkFingerprints.Add(fingerprint.ToLowerInvariant());
            }

            if (referencePath is not null)
            {
                if (!BoundedFile.TryReadAllBytes(referencePath, MaxReferenceFileLength, out var text, out var readError))
                {
                    Console.Error.WriteLine($"tvdctl: {readError}");
                    return null;
                }

                if (!ReferenceValues.TryParse(System.Text.Encoding.UTF8.GetString(text).TrimStart('\uFEFF'), out var references, out var error))
                {
                    Console.Error.WriteLine($"tvdctl: {referencePath}: {error}");
                    return null;
                }

                policy.References = references;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"tvdctl: {e.Message}");
            return null;
        }

        return policy;
    }
}
