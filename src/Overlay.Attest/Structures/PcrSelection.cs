using System.Globalization;

namespace Overlay.Attest.Structures;

/// <summary>One bank of a PCR selection: a hash algorithm and the PCR indices chosen in it, ascending.</summary>
public sealed record PcrBankSelection(ushort HashAlg, IReadOnlyList<int> Pcrs)
{
    public bool Equals(PcrBankSelection? other) =>
        other is not null && other.HashAlg == HashAlg && other.Pcrs.SequenceEqual(Pcrs);

    public override int GetHashCode() => HashCode.Combine(HashAlg, Pcrs.Count);
}

/// <summary>
/// TPML_PCR_SELECTION (Part 2 §10.9.7): banks in the order given, PCRs ascending inside a bank. That order is the
/// order the TPM concatenates PCR values in for a quote's pcrDigest and for TPM2_PCR_Read's output.
/// </summary>
public sealed class PcrSelection : IEquatable<PcrSelection>
{
    public PcrSelection(IReadOnlyList<PcrBankSelection> banks) => Banks = banks;

    public IReadOnlyList<PcrBankSelection> Banks { get; }

    /// <summary>Number of PCR values the selection names.</summary>
    public int Count => Banks.Sum(b => b.Pcrs.Count);

    /// <summary>A single SHA-256 bank with the given PCRs.</summary>
    public static PcrSelection Sha256(params int[] pcrs) =>
        new([new PcrBankSelection(TpmConstants.AlgSha256, pcrs.Distinct().Order().ToArray())]);

    /// <summary>Parses tpm2-tools syntax: "sha256:10,13" or "sha1:0,1+sha256:10".</summary>
    public static bool TryParse(string text, out PcrSelection selection, out string error)
    {
        selection = new PcrSelection([]);
        var banks = new List<PcrBankSelection>();
        foreach (var part in text.Split('+', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.IndexOf(':');
            var alg = colon > 0 ? TpmConstants.ParseHashName(part[..colon]) : (ushort)0;
            if (alg == 0)
            {
                error = $"'{part}' is not <hash>:<pcr>,<pcr> (hash one of sha1, sha256, sha384, sha512)";
                return false;
            }

            var pcrs = new SortedSet<int>();
            foreach (var item in part[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var pcr) || pcr >= TpmConstants.PcrCount)
                {
                    error = $"'{item}' is not a PCR index 0..{TpmConstants.PcrCount - 1}";
                    return false;
                }

                pcrs.Add(pcr);
            }

            if (pcrs.Count == 0)
            {
                error = $"'{part}' selects no PCR";
                return false;
            }

            banks.Add(new PcrBankSelection(alg, pcrs.ToArray()));
        }

        if (banks.Count == 0)
        {
            error = "empty PCR selection";
            return false;
        }

        selection = new PcrSelection(banks);
        error = string.Empty;
        return true;
    }

    /// <summary>Reads TPML_PCR_SELECTION in wire form.</summary>
    public static bool TryRead(ref TpmReader reader, out PcrSelection selection)
    {
        selection = new PcrSelection([]);
        if (!reader.TryReadU32(out var count) || count > TpmConstants.MaxPcrBanks)
        {
            return false;
        }

        var banks = new List<PcrBankSelection>((int)Math.Min(count, (uint)reader.Remaining / 3)); // 3 octets per bank at least
        for (var i = 0; i < count; i++)
        {
            // A bank of an algorithm that is no hash we know is refused, as tss2-mu refuses a TPMI_ALG_HASH it does
            // not know (found by the tpm2-files differential fuzz test): no digest of such a bank could be checked.
            if (!reader.TryReadU16(out var alg) || TpmConstants.DigestSize(alg) == 0 || !reader.TryReadU8(out var size) ||
                size > TpmConstants.PcrSelectMax || !reader.TryReadBytes(size, out var bitmap))
            {
                return false;
            }

            banks.Add(new PcrBankSelection(alg, FromBitmap(bitmap)));
        }

        selection = new PcrSelection(banks);
        return true;
    }

    /// <summary>Writes TPML_PCR_SELECTION in wire form with a 3-byte bitmap per bank (24 PCRs).</summary>
    public void Write(TpmWriter writer)
    {
        writer.WriteU32((uint)Banks.Count);
        Span<byte> bitmap = stackalloc byte[3];
        foreach (var bank in Banks)
        {
            writer.WriteU16(bank.HashAlg);
            writer.WriteU8((byte)bitmap.Length);
            ToBitmap(bank.Pcrs, bitmap);
            writer.WriteBytes(bitmap);
        }
    }

    public byte[] ToWire()
    {
        var writer = new TpmWriter(64);
        Write(writer);
        return writer.ToArray();
    }

    internal static int[] FromBitmap(ReadOnlySpan<byte> bitmap)
    {
        var count = 0;
        foreach (var b in bitmap)
        {
            count += System.Numerics.BitOperations.PopCount(b);
        }

        var pcrs = new int[count]; // exactly the PCRs set: no growing list per bank
        var next = 0;
        for (var i = 0; i < bitmap.Length * 8; i++)
        {
            if ((bitmap[i / 8] & (1 << (i % 8))) != 0)
            {
                pcrs[next++] = i;
            }
        }

        return pcrs;
    }

    internal static void ToBitmap(IReadOnlyList<int> pcrs, Span<byte> bitmap)
    {
        bitmap.Clear();
        foreach (var pcr in pcrs)
        {
            bitmap[pcr / 8] |= (byte)(1 << (pcr % 8));
        }
    }

    public bool Equals(PcrSelection? other) => other is not null && Banks.SequenceEqual(other.Banks);

    public override bool Equals(object? obj) => Equals(obj as PcrSelection);

    public override int GetHashCode() => Banks.Count;

    public override string ToString() =>
        string.Join('+', Banks.Select(b => $"{TpmConstants.HashLabel(b.HashAlg)}:{string.Join(',', b.Pcrs)}"));
}
