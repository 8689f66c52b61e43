using System.CommandLine;
using Overlay.Attest.Ima;
using Overlay.Attest.Quote;
using Overlay.Cli.Output;

namespace Overlay.Cli.Attest;

/// <summary>
/// <c>tvdctl attest evidence --tcti T --nonce HEX --out FILE [--pcrs …] [--log LIST] [--kernel-ima]</c>: a quote
/// plus AK and measurement lists in our versioned evidence encoding (docs/attestation.md). <c>--json</c>: what was
/// written, as one document.
/// </summary>
internal static class EvidenceCommand
{
    public static Command Create()
    {
        var tcti = AttestOptions.Tcti();
        var nonce = AttestOptions.Nonce();
        var pcrs = AttestOptions.Pcrs();
        var key = AttestOptions.Key();
        var output = new Option<string>("--out") { Description = "Evidence file to write", Required = true };
        var log = new Option<string?>("--log") { Description = "The overlay's measurement list (binary_runtime_measurements layout)" };
        var kernel = new Option<bool>("--kernel-ima") { Description = "Include the host kernel's IMA list (PCR 10) when present" };
        var json = JsonOutput.Option();
        var command = new Command("evidence", "Collect evidence (quote, PCR values, AK, measurement lists) in the TVD encoding");
        foreach (var option in new Option[] { tcti, nonce, pcrs, key, output, log, kernel, json })
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
                return ExitCodes.BadInput;
            }

            return TpmSession.Run(parse.GetValue(tcti)!, algorithm.Value, (device, ak) =>
            {
                using var overlay = parse.GetValue(log) is { } path ? new FileMeasurementLog(path) : null;
                var kernelList = parse.GetValue(kernel) ? KernelImaLog.TryRead() : null;
                var evidence = new QuoteCollector(device, ak).CollectEvidence(nonceBytes, selection, overlay, kernelList);
                File.WriteAllBytes(parse.GetValue(output)!, EvidenceCodec.Encode(evidence));
                if (parse.GetValue(json))
                {
                    JsonOutput.Write(Console.Out, w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("out", parse.GetValue(output));
                        w.WriteString("pcrs", selection.ToString());
                        w.WriteString("ak_fingerprint", Convert.ToHexStringLower(ak.AkPublic.Fingerprint));
                        w.WriteNumber("lists", evidence.Logs.Count);
                        w.WriteEndObject();
                    });
                    return ExitCodes.Ok;
                }

                Console.Out.WriteLine($"evidence over {selection} with {evidence.Logs.Count} measurement list(s) written to {parse.GetValue(output)}");
                return ExitCodes.Ok;
            });
        });
        return command;
    }
}
