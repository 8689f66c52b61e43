using System.Buffers.Binary;

namespace Overlay.Attest.Structures;

/// <summary>
/// The PCR file tpm2_quote writes with <c>-o</c> (tpm2-tools' default "serialized" format, lib/pcr.c
/// pcr_fwrite_serialized): raw little-endian C structs as laid out by tss2_tpm2_types.h on x86-64:
/// <code>
/// TPML_PCR_SELECTION  u32 count | 16 × { u16 hash | u8 sizeofSelect | u8 pcrSelect[4] | u8 pad }   = 132 bytes
/// u32                 number of TPML_DIGEST that follow (one per 8 PCR values)
/// TPML_DIGEST × n     u32 count | 8 × { u16 size | u8 buffer[64] }                                  = 532 bytes each
/// </code>
/// Layout verified against a file written by tpm2_quote 5.4 (668 bytes for sha256:10,16).
/// </summary>
public static class Tpm2ToolsPcrFile
{
    private const int SelectionEntrySize = 8;
    private const int SelectionSize = 4 + TpmConstants.MaxPcrBanks * SelectionEntrySize;
    private const int DigestEntrySize = 2 + 64;
    private const int DigestListSize = 4 + TpmConstants.MaxDigestsPerList * DigestEntrySize;

    public static bool TryParse(ReadOnlySpan<byte> data, out PcrValues values, out string error)
    {
        values = null!;
        if (data.Length < SelectionSize + 4)
        {
            error = $"PCR file is {data.Length} bytes, shorter than a TPML_PCR_SELECTION and a count";
            return false;
        }

        var count = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (count > TpmConstants.MaxPcrBanks)
        {
            error = $"PCR file names {count} banks (at most {TpmConstants.MaxPcrBanks})";
            return false;
        }

        var banks = new List<PcrBankSelection>();
        for (var i = 0; i < count; i++)
        {
            var entry = data.Slice(4 + i * SelectionEntrySize, SelectionEntrySize);
            var size = entry[2];
            if (size > TpmConstants.PcrSelectMax)
            {
                error = $"bank {i} has sizeofSelect {size}";
                return false;
            }

            banks.Add(new PcrBankSelection(BinaryPrimitives.ReadUInt16LittleEndian(entry), PcrSelection.FromBitmap(entry.Slice(3, size))));
        }

        var selection = new PcrSelection(banks);
        var lists = BinaryPrimitives.ReadUInt32LittleEndian(data[SelectionSize..]);
        var body = data[(SelectionSize + 4)..];
        if (lists > 64 || body.Length != lists * DigestListSize)
        {
            error = $"PCR file has {body.Length} bytes for {lists} digest lists (each {DigestListSize} bytes)";
            return false;
        }

        var digests = new List<byte[]>();
        for (var l = 0; l < lists; l++)
        {
            var list = body.Slice(l * DigestListSize, DigestListSize);
            var n = BinaryPrimitives.ReadUInt32LittleEndian(list);
            if (n > TpmConstants.MaxDigestsPerList)
            {
                error = $"digest list {l} claims {n} digests";
                return false;
            }

            for (var d = 0; d < n; d++)
            {
                var entry = list.Slice(4 + d * DigestEntrySize, DigestEntrySize);
                var size = BinaryPrimitives.ReadUInt16LittleEndian(entry);
                if (size > 64)
                {
                    error = $"digest {d} of list {l} claims {size} bytes";
                    return false;
                }

                digests.Add(entry.Slice(2, size).ToArray());
            }
        }

        if (digests.Count != selection.Count)
        {
            error = $"PCR file has {digests.Count} values for a selection of {selection.Count} PCRs";
            return false;
        }

        values = new PcrValues(selection, digests);
        error = string.Empty;
        return true;
    }

    public static byte[] Write(PcrValues values)
    {
        if (values.Selection.Banks.Count > TpmConstants.MaxPcrBanks)
        {
            throw new ArgumentException("too many banks for the tpm2-tools PCR file", nameof(values));
        }

        var lists = (values.Digests.Count + TpmConstants.MaxDigestsPerList - 1) / TpmConstants.MaxDigestsPerList;
        var buffer = new byte[SelectionSize + 4 + lists * DigestListSize];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)values.Selection.Banks.Count);
        for (var i = 0; i < values.Selection.Banks.Count; i++)
        {
            var bank = values.Selection.Banks[i];
            var entry = buffer.AsSpan(4 + i * SelectionEntrySize, SelectionEntrySize);
            BinaryPrimitives.WriteUInt16LittleEndian(entry, bank.HashAlg);
            entry[2] = 3;
            PcrSelection.ToBitmap(bank.Pcrs, entry.Slice(3, TpmConstants.PcrSelectMax));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(SelectionSize), (uint)lists);
        for (var i = 0; i < values.Digests.Count; i++)
        {
            var list = buffer.AsSpan(SelectionSize + 4 + i / TpmConstants.MaxDigestsPerList * DigestListSize, DigestListSize);
            BinaryPrimitives.WriteUInt32LittleEndian(list, (uint)Math.Min(TpmConstants.MaxDigestsPerList, values.Digests.Count - i / TpmConstants.MaxDigestsPerList * TpmConstants.MaxDigestsPerList));
            var entry = list.Slice(4 + i % TpmConstants.MaxDigestsPerList * DigestEntrySize, DigestEntrySize);
            BinaryPrimitives.WriteUInt16LittleEndian(entry, (ushort)values.Digests[i].Length);
            values.Digests[i].CopyTo(entry[2..]);
        }

        return buffer;
    }
}
