using System.CommandLine;
using Overlay.Attest.Quote;
using Overlay.Cli.Output;

namespace Overlay.Cli.Attest;

/// <summary>
/// <c>tvdctl attest checkquote --public AK --message MSG --signature SIG --pcrs PCRS --qualification HEX</c>:
/// the offline counterpart of tpm2_checkquote, reading the same files. Prints "valid" (exit 0) or
/// "invalid: reasons" (exit 1); unreadable input exits 2. <c>--json</c>: the verdict and every finding.
/// </summary>
internal static class CheckQuoteCommand
{
    public static Command Create()
    {
        var publicKey = new Option<string>("--public", "-u") { Description = "AK public key: TPM2B_PUBLIC or PEM", Required = true };
        var message = new Option<string>("--message", "-m") { Description = "Quote message (TPMS_ATTEST) from tpm2_quote -m", Required = true };
        var signature = new Option<string>("--signature", "-s") { Description = "Signature (TPMT_SIGNATURE) from tpm2_quote -s", Required = true };
        var pcrs = new Option<string>("--pcrs", "-f") { Description = "PCR values from tpm2_quote -o", Required = true };
        var qualification = AttestOptions.Nonce("--qualification");
        var json = JsonOutput.Option();
        var command = new Command("checkquote", "Verify a quote written by tpm2_quote (or tvdctl attest quote)");
        foreach (var option in new Option[] { publicKey, message, signature, pcrs, qualification, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var nonce = AttestOptions.ParseHex(parse.GetValue(qualification)!, "--qualification");
            if (nonce is null)
            {
                return ExitCodes.BadInput;
            }

            var result = Tpm2ToolsFiles.Check(parse.GetValue(publicKey)!, parse.GetValue(message)!, parse.GetValue(signature)!,
                parse.GetValue(pcrs)!, nonce, out var error);
            if (result is null)
            {
                Console.Error.WriteLine($"tvdctl: {error}");
                return ExitCodes.BadInput;
            }

            if (parse.GetValue(json))
            {
                JsonOutput.Write(Console.Out, w => VerifyEvidenceCommand.WriteResult(w, result));
            }
            else
            {
                Console.Out.WriteLine(result.ToString());
            }

            return result.IsTrusted ? ExitCodes.Ok : ExitCodes.Denied;
        });
        return command;
    }
}
