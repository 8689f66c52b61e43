using System.Runtime.Versioning;
using Overlay.Attest.Ima;
using Overlay.Attest.Structures;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Quote;

/// <summary>What became of a measurement list found on disk when it was opened against the PCR it records.</summary>
public enum ListResumptionKind
{
    /// <summary>There was no list: a new one begins.</summary>
    New,

    /// <summary>The list explains the PCR as it is now (same TPM, no reset since) and is continued.</summary>
    Continued,

    /// <summary>The PCR was reset (a TPM restart): the old list was set aside and a new one begins.</summary>
    SetAsideAfterReset,

    /// <summary>The PCR holds measurements the list does not explain: it was set aside and a new one begins.</summary>
    SetAsideUnexplained,
}

/// <summary>A list found on disk, continued or set aside (<see cref="Open"/>); the list's files are Linux-only.</summary>
/// <param name="Entries">How many entries the list on disk had.</param>
/// <param name="Problem">Why an unexplained list does not match the PCR.</param>
/// <param name="Previous">Where a list set aside now is.</param>
[SupportedOSPlatform("linux")]
public sealed record ListResumption(ListResumptionKind Kind, int Entries = 0, string? Problem = null, string? Previous = null)
{
    /// <summary>
    /// Opens the list at <paramref name="binaryPath"/> and continues it only if it explains <paramref name="pcr"/> as
    /// it is now; otherwise sets it aside (one generation kept) and starts a new one, because a list that does not
    /// replay to the PCR makes every quote over that PCR fail. <paramref name="readPcrs"/> is asked only when there
    /// is a list to check.
    /// </summary>
    public static MeasurementLogFiles Open(
        string binaryPath, string asciiPath, int pcr, Func<PcrSelection, PcrValues> readPcrs, out ListResumption resumption)
    {
        resumption = File.Exists(binaryPath) ? Check(binaryPath, asciiPath, pcr, readPcrs(PcrSelection.Sha256(pcr))) : new(ListResumptionKind.New);
        return MeasurementLogFiles.Open(binaryPath, asciiPath);
    }

    private static ListResumption Check(string binaryPath, string asciiPath, int pcr, PcrValues now)
    {
        string? problem;
        int entries = 0;
        if (MeasurementList.TryParse(File.ReadAllBytes(binaryPath), out var list, out string error))
        {
            entries = list.Entries.Count;
            ReplayOutcome replay = ReplayEngine.Replay(list, now);
            problem = replay.Replays && replay.CoveredEntries == entries ? null
                : replay.Replays ? $"only the first {replay.CoveredEntries} of {entries} entries are in the PCR"
                : replay.Problem ?? "it does not replay";
        }
        else
        {
            problem = $"the list is corrupt: {error}";
        }

        if (problem is null)
        {
            return new ListResumption(ListResumptionKind.Continued, entries);
        }

        bool reset = now.Get(TpmConstants.AlgSha256, pcr) is { } value && value.AsSpan().IndexOfAnyExcept((byte)0) < 0;
        string previous = MeasurementLogFiles.SetAside(binaryPath, asciiPath);
        return reset
            ? new ListResumption(ListResumptionKind.SetAsideAfterReset, entries, Previous: previous)
            : new ListResumption(ListResumptionKind.SetAsideUnexplained, entries, problem, previous);
    }
}
