using System.CommandLine;
using Overlay.Attest.Ima;
using Overlay.Attest.Structures;

namespace Overlay.Cli.Attest;

/// <summary>Options and parsing shared by the attest verbs.</summary>
internal static class AttestOptions
{
    public const string DefaultPcrs = "sha256:13";

    public static Option<string> Tcti() => new("--tcti")
    {
        Description = "TCTI of the TPM: device:/dev/tpmrm0, swtpm:path=SOCKET or swtpm:host=H,port=P",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TPM2TOOLS_TCTI") ?? "device:/dev/tpmrm0",
    };

    /// <summary>--socket: the running daemon's control socket.</summary>
    public static Option<string> Socket() => new("--socket")
    {
        Description = "The daemon's control socket",
        DefaultValueFactory = _ => Control.ControlClient.DefaultSocket,
    };

    public static Option<string> Nonce(string name = "--nonce") => new(name)
    {
        Description = "Nonce (qualifying data) as hex, at most 64 bytes",
        Required = true,
    };

    public static Option<string> Pcrs() => new("--pcrs")
    {
        Description = $"PCR selection in tpm2-tools syntax (default {DefaultPcrs}; measurements go to PCR {Measurer.DefaultPcr})",
        DefaultValueFactory = _ => DefaultPcrs,
    };

    public static Option<string> Key() => new("--key")
    {
        Description = "Attestation key algorithm: ecc (P-256, default) or rsa (2048)",
        DefaultValueFactory = _ => "ecc",
    };

    /// <summary>Parses hex (optionally 0x-prefixed); writes the error and returns null on failure.</summary>
    public static byte[]? ParseHex(string text, string what)
    {
        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (hex.Length % 2 != 0 || hex.Length > 128 || !hex.All(char.IsAsciiHexDigit))
        {
            Console.Error.WriteLine($"tvdctl: {what} '{text}' is not hex of at most 64 bytes");
            return null;
        }

        return Convert.FromHexString(hex);
    }

    public static PcrSelection? ParsePcrs(string text)
    {
        if (PcrSelection.TryParse(text, out var selection, out var error))
        {
            return selection;
        }

        Console.Error.WriteLine($"tvdctl: --pcrs: {error}");
        return null;
    }

    public static Overlay.Attest.Tpm.AkAlgorithm? ParseKey(string text) => text.ToLowerInvariant() switch
    {
        "ecc" or "ecdsa" or "p256" => Overlay.Attest.Tpm.AkAlgorithm.EccP256,
        "rsa" or "rsa2048" => Overlay.Attest.Tpm.AkAlgorithm.Rsa2048,
        _ => null,
    };
}
