using System.Security.Cryptography;
using Overlay.Attest.Ima;
using Overlay.Attest.Structures;

namespace Overlay.Attest.Verify;

/// <summary>
/// Where a replay of one list stopped: the number of entries covered and the running SHA-256 value of every PCR the
/// list touched at that point. Keeping it per attester makes the next verification replay only the new entries
/// (the PCR chain makes continuing from these values equivalent to replaying from zero).
/// </summary>
public sealed record ReplayCheckpoint(int Offset, IReadOnlyDictionary<uint, byte[]> Pcrs)
{
    public static readonly ReplayCheckpoint Start = new(0, new Dictionary<uint, byte[]>());
}

/// <summary>Outcome of replaying one measurement list against quoted SHA-256 PCR values.</summary>
public sealed record ReplayOutcome(bool Replays, int CoveredEntries, string? Problem, ReplayCheckpoint? Checkpoint = null);

/// <summary>
/// Replays a measurement list into SHA-256 PCR values the way the kernel extended them:
/// PCR := SHA-256(PCR || SHA-256(template data)), with 32 bytes of 0xFF for a violation entry, from all zeros.
/// A list may have grown after the quote was taken, so replay stops at the first prefix whose value equals the
/// quoted one for every PCR the list touches; entries after that point are not covered by the quote.
/// </summary>
public static class ReplayEngine
{
    public static ReplayOutcome Replay(MeasurementList list, PcrValues quoted, ReplayCheckpoint? from = null)
    {
        from ??= ReplayCheckpoint.Start;
        var entries = list.Entries;
        if (from.Offset > entries.Count)
        {
            return new ReplayOutcome(false, 0, $"the list has {entries.Count} entries, fewer than the {from.Offset} verified before");
        }

        var pcrs = new Dictionary<uint, PcrState>();
        foreach (var (pcr, value) in from.Pcrs)
        {
            if (!TryAddPcr(pcrs, pcr, quoted, value, out var problem))
            {
                return new ReplayOutcome(false, 0, problem);
            }
        }

        for (var i = from.Offset; i < entries.Count; i++)
        {
            if (!pcrs.ContainsKey(entries[i].Pcr) && !TryAddPcr(pcrs, entries[i].Pcr, quoted, new byte[32], out var problem))
            {
                return new ReplayOutcome(false, 0, problem);
            }
        }

        // Pending counts PCRs whose running value differs from the quoted one; zero means this prefix is covered.
        var pending = pcrs.Values.Count(s => !s.Matches);
        if (pending == 0)
        {
            return new ReplayOutcome(true, from.Offset, null, Checkpoint(from.Offset, pcrs));
        }

        Span<byte> buffer = stackalloc byte[64];
        for (var i = from.Offset; i < entries.Count; i++)
        {
            var entry = entries[i];
            var state = pcrs[entry.Pcr];
            var wasMatching = state.Matches;
            state.Running.CopyTo(buffer);
            entry.Sha256ExtendValue.CopyTo(buffer[32..]);
            SHA256.HashData(buffer, state.Running);
            pending += (wasMatching ? 1 : 0) - (state.Matches ? 1 : 0);
            if (pending == 0)
            {
                return new ReplayOutcome(true, i + 1, null, Checkpoint(i + 1, pcrs));
            }
        }

        var failing = pcrs.Where(p => !p.Value.Matches).Select(p => p.Key).Order();
        return new ReplayOutcome(false, 0,
            $"replaying {entries.Count - from.Offset} entries does not reach the quoted value of PCR {string.Join(", ", failing)}");
    }

    private static bool TryAddPcr(Dictionary<uint, PcrState> pcrs, uint pcr, PcrValues quoted, byte[] start, out string problem)
    {
        var value = quoted.Get(TpmConstants.AlgSha256, (int)pcr);
        if (value is null)
        {
            problem = $"the list extends PCR {pcr}, which the quote does not cover in the SHA-256 bank";
            return false;
        }

        pcrs[pcr] = new PcrState(value, (byte[])start.Clone());
        problem = string.Empty;
        return true;
    }

    private static ReplayCheckpoint Checkpoint(int offset, Dictionary<uint, PcrState> pcrs) =>
        new(offset, pcrs.ToDictionary(p => p.Key, p => (byte[])p.Value.Running.Clone()));

    private sealed class PcrState(byte[] quoted, byte[] running)
    {
        public byte[] Quoted { get; } = quoted;

        public byte[] Running { get; } = running;

        public bool Matches => CryptographicOperations.FixedTimeEquals(Running, Quoted);
    }
}
