using System.CommandLine;

namespace Overlay.Cli;

// Placeholder owned by the attestation work; replaced with quote/checkquote/evidence verbs.
internal static class AttestCommands
{
    public static Command Create() => new("attest", "TPM quotes and their verification");
}
