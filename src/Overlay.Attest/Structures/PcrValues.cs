namespace Overlay.Attest.Structures;

/// <summary>
/// PCR values as reported next to a quote: a selection and one digest per selected PCR, in selection order
/// (bank by bank, PCR ascending).
/// </summary>
public sealed class PcrValues
{
    public PcrValues(PcrSelection selection, IReadOnlyList<byte[]> digests)
    {
        if (digests.Count != selection.Count)
        {
            throw new ArgumentException($"{digests.Count} digests for a selection of {selection.Count} PCRs", nameof(digests));
        }

        Selection = selection;
        Digests = digests;
    }

    public PcrSelection Selection { get; }

    public IReadOnlyList<byte[]> Digests { get; }

    /// <summary>The value of one PCR in one bank, or null when not reported.</summary>
    public byte[]? Get(ushort hashAlg, int pcr)
    {
        var index = 0;
        foreach (var bank in Selection.Banks)
        {
            foreach (var p in bank.Pcrs)
            {
                if (bank.HashAlg == hashAlg && p == pcr)
                {
                    return Digests[index];
                }

                index++;
            }
        }

        return null;
    }

    /// <summary>Digest of the concatenated values, as the TPM computes a quote's pcrDigest (Part 3 §18.4).</summary>
    public byte[] ComputeDigest(ushort hashAlg)
    {
        var total = Digests.Sum(d => d.Length);
        var concatenated = total <= 1024 ? stackalloc byte[total] : new byte[total];
        var offset = 0;
        foreach (var digest in Digests)
        {
            digest.CopyTo(concatenated[offset..]);
            offset += digest.Length;
        }

        return TpmConstants.Hash(hashAlg, concatenated);
    }

    /// <summary>Checks that every digest has its bank's size; returns a message when not.</summary>
    public string? Validate()
    {
        var index = 0;
        foreach (var bank in Selection.Banks)
        {
            var size = TpmConstants.DigestSize(bank.HashAlg);
            foreach (var pcr in bank.Pcrs)
            {
                if (size == 0 || Digests[index].Length != size)
                {
                    return $"PCR {TpmConstants.HashLabel(bank.HashAlg)}:{pcr} has {Digests[index].Length} bytes, expected {size}";
                }

                index++;
            }
        }

        return null;
    }

    /// <summary>Wire form used in evidence: TPML_PCR_SELECTION, u32 count, count × TPM2B_DIGEST.</summary>
    public void Write(TpmWriter writer)
    {
        Selection.Write(writer);
        writer.WriteU32((uint)Digests.Count);
        foreach (var digest in Digests)
        {
            writer.Write2B(digest);
        }
    }

    public static bool TryRead(ref TpmReader reader, out PcrValues values)
    {
        values = null!;
        // Each TPM2B digest takes at least its 2-octet size: a count the remaining octets cannot hold is
        // refused before the array is sized by it.
        if (!PcrSelection.TryRead(ref reader, out var selection) || !reader.TryReadU32(out var count) ||
            count != selection.Count || count > reader.Remaining / 2)
        {
            return false;
        }

        var digests = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            if (!reader.TryRead2B(out var digest, 64))
            {
                return false;
            }

            digests[i] = digest.ToArray();
        }

        values = new PcrValues(selection, digests);
        return true;
    }

    public override string ToString()
    {
        var lines = new List<string>();
        var index = 0;
        foreach (var bank in Selection.Banks)
        {
            lines.Add($"{TpmConstants.HashLabel(bank.HashAlg)}:");
            foreach (var pcr in bank.Pcrs)
            {
                lines.Add($"  {pcr,2}: 0x{Convert.ToHexString(Digests[index++])}");
            }
        }

        return string.Join('\n', lines);
    }
}
