using System.CommandLine;
using Overlay.Attest.Quote;
using Overlay.Cli.Output;

namespace Overlay.Cli.Attest;

/// <summary>
/// <c>tvdctl attest quote --tcti T --nonce HEX --out DIR [--pcrs sha256:13] [--key ecc|rsa]</c>: quotes with the
/// fixed-template AK and writes quote.msg, quote.sig, quote.pcrs, ak.pub (TPM2B_PUBLIC) and ak.pem, which
/// tpm2_checkquote accepts as they are. <c>--json</c>: what was written, as one document.
/// </summary>
internal static class QuoteCommand
{
    public static Command Create()
    {
        var tcti = AttestOptions.Tcti();
        var nonce = AttestOptions.Nonce();
        var pcrs = AttestOptions.Pcrs();
        var key = AttestOptions.Key();
        var output = new Option<string>("--out") { Description = "Directory for the quote files", Required = true };
        var json = JsonOutput.Option();
        var command = new Command("quote", "Take a nonce-bound TPM quote in tpm2-tools' file formats");
        foreach (var option in new Option[] { tcti, nonce, pcrs, key, output, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var nonceBytes = AttestOptions.ParseHex(parse.GetValue(nonce)!, "--nonce");
            var selection = AttestOptions.ParsePcrs(parse.GetValue(pcrs)!);
            var algorithm = AttestOptions.ParseKey(parse.GetValue(key)!);
            if (nonceBytes is null || selection is null || algorithm is null)
            {
                if (algorithm is null)
                {
                    Console.Error.WriteLine("tvdctl: --key must be ecc or rsa");
                }

                return ExitCodes.BadInput;
            }

            return TpmSession.Run(parse.GetValue(tcti)!, algorithm.Value, (device, ak) =>
            {
                var quote = new QuoteCollector(device, ak).Quote(nonceBytes, selection);
                var directory = parse.GetValue(output)!;
                Tpm2ToolsFiles.Write(directory, quote, ak);
                string fingerprint = Convert.ToHexStringLower(ak.AkPublic.Fingerprint);
                if (parse.GetValue(json))
                {
                    JsonOutput.Write(Console.Out, w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("out", directory);
                        w.WriteString("pcrs", selection.ToString());
                        w.WriteString("ak_fingerprint", fingerprint);
                        w.WriteStrings("files", [Tpm2ToolsFiles.Message, Tpm2ToolsFiles.Signature, Tpm2ToolsFiles.Pcrs, Tpm2ToolsFiles.AkPublic, Tpm2ToolsFiles.AkPem]);
                        w.WriteEndObject();
                    });
                }
                else
                {
                    Console.Out.WriteLine($"quote over {selection} written to {directory} (AK sha256:{fingerprint})");
                }

                return ExitCodes.Ok;
            });
        });
        return command;
    }
}
