using System.CommandLine;
using Overlay.Cli.Attest;

namespace Overlay.Cli;

/// <summary>
/// <c>tvdctl attest checkquote|quote|evidence|verify|measure|daemon-quote|daemon-measure|daemon-evidence|peers</c>: TPM quotes in tpm2-tools' file formats and in
/// our evidence encoding, and their verification. Exit 0 valid/ok, 1 invalid, 2 unreadable input or TPM failure.
/// </summary>
internal static class AttestCommands
{
    public static Command Create()
    {
        var command = new Command("attest", "TPM quotes and their verification (tpm2-tools compatible)");
        command.Subcommands.Add(CheckQuoteCommand.Create());
        command.Subcommands.Add(QuoteCommand.Create());
        command.Subcommands.Add(EvidenceCommand.Create());
        command.Subcommands.Add(VerifyEvidenceCommand.Create());
        command.Subcommands.Add(MeasureCommand.Create());
        command.Subcommands.Add(DaemonQuoteCommand.Create());
        command.Subcommands.Add(DaemonMeasureCommand.Create());
        command.Subcommands.Add(DaemonEvidenceCommand.Create());
        command.Subcommands.Add(PeersCommand.Create());
        return command;
    }
}
