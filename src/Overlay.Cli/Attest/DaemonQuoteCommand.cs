using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using Overlay.Attest.Quote;
using Overlay.Attest.Verify;
using Overlay.Cli.Control;
using Overlay.Cli.Output;

namespace Overlay.Cli.Attest;

/// <summary>
/// <c>tvdctl attest daemon-quote --nonce HEX --out FILE [--socket PATH] [--ak-out FILE]</c>: asks the running
/// tvd-overlayd for evidence over its measurement PCR (the control socket's <c>quote</c> verb) and writes it in
/// the evidence encoding, ready for <c>tvdctl attest verify --evidence FILE --nonce HEX --pin PIN</c>. Prints the
/// AK pin the daemon reports; a verifier should take the pin from a trusted record, not from this answer.
/// <c>--json</c>: what was written and the pin, as one document. Exit 0 written, 2 when the daemon cannot be asked or
/// its answer is unusable.
/// </summary>
internal static class DaemonQuoteCommand
{
    public static Command Create()
    {
        var nonce = AttestOptions.Nonce();
        var output = new Option<string>("--out") { Description = "Evidence file to write", Required = true };
        var akOut = new Option<string?>("--ak-out") { Description = "Also write the AK public key (TPM2B_PUBLIC, as ak.pub)" };
        var socket = new Option<string>("--socket")
        {
            Description = "The daemon's control socket",
            DefaultValueFactory = _ => ControlClient.DefaultSocket,
        };
        var json = JsonOutput.Option();
        var command = new Command("daemon-quote", "Get evidence (quote, AK, measurement list) from the running tvd-overlayd");
        foreach (var option in new Option[] { nonce, output, akOut, socket, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var nonceBytes = AttestOptions.ParseHex(parse.GetValue(nonce)!, "--nonce");
            if (nonceBytes is null)
            {
                return ExitCodes.BadInput;
            }

            try
            {
                var arguments = new Dictionary<string, string> { ["nonce"] = Convert.ToHexStringLower(nonceBytes) };
                using JsonDocument reply = await ControlClient.RequestAsync(parse.GetValue(socket)!, "quote", cancellationToken, arguments);
                return Write(reply.RootElement, parse.GetValue(output)!, parse.GetValue(akOut), parse.GetValue(json));
            }
            catch (ControlClientException e)
            {
                Console.Error.WriteLine($"tvdctl: {e.Message}");
                return ExitCodes.BadInput;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"tvdctl: {e.Message}");
                return ExitCodes.BadInput;
            }
        });
        return command;
    }

    private static int Write(JsonElement reply, string path, string? akPath, bool json)
    {
        if (!reply.TryGetProperty("evidence", out JsonElement text) || text.ValueKind != JsonValueKind.String
            || !reply.TryGetProperty("ak_pin", out JsonElement pin) || pin.ValueKind != JsonValueKind.String)
        {
            Console.Error.WriteLine("tvdctl: the daemon's reply has no \"evidence\" and \"ak_pin\" strings");
            return ExitCodes.BadInput;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text.GetString()!);
        }
        catch (FormatException)
        {
            Console.Error.WriteLine("tvdctl: the daemon's evidence is not base64");
            return ExitCodes.BadInput;
        }

        if (!EvidenceCodec.TryDecode(bytes, out Evidence evidence, out string error))
        {
            Console.Error.WriteLine($"tvdctl: the daemon's evidence does not decode: {error}");
            return ExitCodes.BadInput;
        }

        // The reported pin must name the AK inside the evidence, or the line printed below would mislead.
        string reported = pin.GetString()!;
        if (!AkPublicKey.TryLoad(evidence.AkPublic, out AkPublicKey ak, out error)
            || !string.Equals(Convert.ToHexStringLower(ak.Fingerprint), reported, StringComparison.OrdinalIgnoreCase))
        {
            Console.Error.WriteLine($"tvdctl: the daemon's AK pin {reported} does not match the AK in its evidence {error}".TrimEnd());
            return ExitCodes.BadInput;
        }

        using (ak)
        {
            File.WriteAllBytes(path, bytes);
            if (akPath is not null)
            {
                File.WriteAllBytes(akPath, evidence.AkPublic);
            }
        }

        string pcrs = reply.TryGetProperty("pcrs", out JsonElement p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "?";
        bool? hardware = reply.TryGetProperty("hardware_root_of_trust", out JsonElement root) && root.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? root.GetBoolean()
            : null;
        if (json)
        {
            JsonOutput.Write(Console.Out, w =>
            {
                w.WriteStartObject();
                w.WriteString("out", path);
                w.WriteStringOrNull("ak_out", akPath);
                w.WriteString("pcrs", pcrs);
                w.WriteString("ak_pin", reported);
                w.WriteNumber("lists", evidence.Logs.Count);
                w.WriteString("sha256", Convert.ToHexStringLower(SHA256.HashData(bytes)));
                if (hardware is { } h)
                {
                    w.WriteBoolean("hardware_root_of_trust", h);
                }
                else
                {
                    w.WriteNull("hardware_root_of_trust");
                }

                w.WriteEndObject();
            });
            return ExitCodes.Ok;
        }

        Console.Out.WriteLine($"evidence over {pcrs} from tvd-overlayd written to {path} ({evidence.Logs.Count} measurement list(s), sha256:{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}…)");
        Console.Out.WriteLine($"ak_pin {reported}");
        if (hardware == false)
        {
            Console.Out.WriteLine("warning: software TPM: no hardware root of trust");
        }

        return ExitCodes.Ok;
    }
}
