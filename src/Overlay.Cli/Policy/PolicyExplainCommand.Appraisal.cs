using Overlay.Attest.Handshake;
using Overlay.Attest.Quote;
using Overlay.Labels.Compiled;

namespace Overlay.Cli.Policy;

/// <summary>
/// How an offline appraisal reads under the decision line, in the columns of "what must be proved": what the quote
/// shows, whose AK signed it, the lists, the age, every finding (severity, id, message), and what was not checked.
/// </summary>
internal static partial class PolicyExplainCommand
{
    private static void PrintAppraisal(OfflineAppraisal a, CompiledAttestation requirement, string path, TextWriter output)
    {
        output.WriteLine($"evidence {path} judged offline against '{requirement.Name}' ({requirement.Location}) at {Time(a.At)}:");
        output.WriteLine($"  quote      {QuoteText(a, requirement)}");
        if (a.AkFingerprint is not null)
        {
            output.WriteLine($"  AK         {AkText(a, a.AkFingerprint, requirement)}");
        }

        if (a.Quote is not null)
        {
            output.WriteLine($"  lists      {(a.Lists.Count == 0 ? "none" : string.Join("; ", a.Lists.Select(ListText)))}");
        }

        output.WriteLine($"  age        at least {(a.At - a.ExistedAt).TotalSeconds:0} s (the file was written {Time(a.ExistedAt)}); " +
            $"max_age {requirement.MaxAge.TotalSeconds:0} s");
        foreach (var finding in a.Verdict.Findings)
        {
            output.WriteLine($"  finding    {finding.Severity.ToString().ToLowerInvariant()} {finding.Id} {finding.Message}");
        }

        output.WriteLine($"  not checked offline: {string.Join(", ", OfflineAppraisal.NotChecked)} (only the handshake that carries the " +
            "evidence has them: K_e's signature over its AUTH octets, and whether the verifier issued the challenge and when)");
    }

    private static string QuoteText(OfflineAppraisal a, CompiledAttestation requirement)
    {
        if (a.Quote is not { } quote)
        {
            return "not read: the evidence is refused before its quote (findings below)";
        }

        var tpm = !a.SoftwareTpm ? "no software TPM declared"
            : requirement.SoftwareTpmAllowed ? "a software TPM declared, accepted (software_tpm = true)"
            : "a software TPM declared, refused (software_tpm = false)";
        return $"over {quote.QuotedSelection?.ToString() ?? "-"} by host {a.HostId}'s TPM (clock {quote.Clock} ms, reset count {quote.ResetCount}, " +
            $"restart count {quote.RestartCount}); {tpm}";
    }

    private static string AkText(OfflineAppraisal a, string fingerprint, CompiledAttestation requirement)
    {
        if (a.Verdict.Has("ak.trust") || a.Verdict.Has("ak.certificate"))
        {
            return $"sha256 {fingerprint}: not trusted for {a.HostId} (findings below)";
        }

        var pin = requirement.AkPinFor(a.HostId);
        var pinned = pin is not null && string.Equals(pin.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? pin[7..] : pin, fingerprint,
            StringComparison.OrdinalIgnoreCase);
        return pinned
            ? $"sha256 {fingerprint}: pinned for {a.HostId}"
            : $"sha256 {fingerprint}: its certificate names {a.HostId} and chains to a CA in {string.Join(", ", requirement.AkCas)}";
    }

    private static string ListText(OfflineList list)
    {
        var name = list.Source == MeasurementSource.KernelIma ? "kernel IMA" : "overlay";
        return (list.Entries, list.Covered) switch
        {
            (null, _) => $"{name}: unreadable (findings below)",
            ({ } entries, null) => $"{name}: {entries} entries, not replayed (findings below)",
            var (entries, covered) => $"{name}: {entries} entries, {covered} covered by the quote",
        };
    }
}
