using System.Globalization;
using Overlay.Common.Toml;

namespace Overlay.Labels.Loading;

/// <summary>
/// The <c>pcrs</c> of an <c>[[attestation]]</c>: one bank and its PCRs, <c>sha256:13</c> or <c>sha256:0-7,10,13</c>
/// (tpm2-tools' syntax, with ranges). Labels only checks the text; attestation builds its TPML_PCR_SELECTION from
/// the bank and PCRs this returns.
/// </summary>
internal static class PcrSelectionText
{
    /// <summary>The banks a quote may cover (TPM 2.0 Part 2 §6.3, TPM_ALG_ID; the names tpm2-tools uses).</summary>
    public static readonly IReadOnlyList<string> Banks = ["sha1", "sha256", "sha384", "sha512"];

    /// <summary>PCRs of a PC Client TPM (TCG PC Client Platform TPM Profile: 24 PCRs).</summary>
    public const int PcrCount = 24;

    /// <summary>
    /// PCRs software can reset (TCG PC Client Platform Firmware Profile §3.3.4: TPM2_PCR_Reset is allowed from
    /// locality 0 for PCR 16, "Debug", and PCR 23, "Application Support"): their value says nothing about what ran.
    /// </summary>
    public static string? WhyNotQuotable(int pcr) => pcr switch
    {
        16 => "PCR 16 (debug) can be reset by software at any time, so a quote over it proves nothing",
        23 => "PCR 23 (application support) can be reset by software at any time, so a quote over it proves nothing",
        _ => null,
    };

    /// <summary>Every problem with <paramref name="text"/> (none when <paramref name="pcrs"/> is set).</summary>
    public static List<string> Parse(string text, out string bank, out int[]? pcrs)
    {
        var problems = new List<string>();
        bank = "";
        pcrs = null;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (text.Contains('+', StringComparison.Ordinal))
        {
            problems.Add($"`pcrs` names one bank (a requirement covers PCRs of one bank), found \"{text}\"");
            return problems;
        }

        if (colon < 0)
        {
            problems.Add($"`pcrs` must be <bank>:<PCRs>, e.g. \"sha256:13\" or \"sha256:0-7,13\", found \"{text}\"");
            return problems;
        }

        bank = text[..colon].Trim();
        if (!Banks.Contains(bank))
        {
            var closest = Suggestions.Closest(bank, Banks);
            problems.Add($"PCR bank `{bank}` is not one of {string.Join(", ", Banks)}{(closest is null ? "" : $"; did you mean `{closest}`?")}");
        }

        var list = text[(colon + 1)..];
        if (string.IsNullOrWhiteSpace(list))
        {
            problems.Add($"`pcrs` selects no PCR of bank `{bank}`; list some after the colon, e.g. \"{bank}:13\"");
            return problems;
        }

        var selected = new SortedSet<int>();
        foreach (var item in list.Split(','))
        {
            ParseItem(item.Trim(), selected, problems);
        }

        foreach (var pcr in selected)
        {
            if (WhyNotQuotable(pcr) is { } why)
            {
                problems.Add(why);
            }
        }

        if (problems.Count == 0)
        {
            pcrs = [.. selected];
        }

        return problems;
    }

    private static void ParseItem(string item, SortedSet<int> selected, List<string> problems)
    {
        if (item.Length == 0)
        {
            problems.Add("`pcrs` has an empty item between commas");
            return;
        }

        var dash = item.IndexOf('-', StringComparison.Ordinal);
        var (first, last) = dash < 0 ? (item, item) : (item[..dash].Trim(), item[(dash + 1)..].Trim());
        if (first.Length == 0 || last.Length == 0)
        {
            problems.Add($"`{item}` is not a PCR number or a range such as 0-7");
            return;
        }

        if (Pcr(first, problems) is not { } from || Pcr(last, problems) is not { } to)
        {
            return;
        }

        if (from > to)
        {
            problems.Add($"PCR range {item} runs backwards; write {to}-{from}");
            return;
        }

        for (var pcr = from; pcr <= to; pcr++)
        {
            if (!selected.Add(pcr))
            {
                problems.Add($"PCR {pcr} is selected twice");
            }
        }
    }

    private static int? Pcr(string text, List<string> problems)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pcr))
        {
            problems.Add($"`{text}` is not a PCR number; PCRs are 0-{PcrCount - 1}, a range is written 0-7");
            return null;
        }

        if (pcr >= PcrCount)
        {
            problems.Add($"PCR {pcr} does not exist; PCRs are 0-{PcrCount - 1}");
            return null;
        }

        return pcr;
    }
}
